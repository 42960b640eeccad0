package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// ConfigNames returns the file names of the repository configuration, in lookup order (a fresh slice).
func ConfigNames() []string { return []string{".rulec.yml", ".rulec.yaml"} }

// Level is what the configuration says about a check: off, on (its default
// severity) or a severity that replaces the default.
type Level string

// Configuration levels.
const (
	LevelOff     Level = "off"
	LevelOn      Level = "on"
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNote    Level = "note"
)

func (l Level) isSeverity() bool { return l == LevelError || l == LevelWarning || l == LevelNote }

func (l Level) severity() ast.Severity {
	switch l {
	case LevelError:
		return ast.SeverityError
	case LevelWarning:
		return ast.SeverityWarning
	}
	return ast.SeverityNote
}

// ParseSeverity reads error, warning or note; "none" gives nil (never fail).
func ParseSeverity(s string) (*ast.Severity, error) {
	var sev ast.Severity
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		sev = ast.SeverityError
	case "warning":
		sev = ast.SeverityWarning
	case "note":
		sev = ast.SeverityNote
	case "none":
		return nil, nil
	default:
		return nil, fmt.Errorf("unknown severity %q (expected error, warning, note or none)", s)
	}
	return &sev, nil
}

// Config is the lint section of a repository configuration file (.rulec.yml):
//
//	lint:
//	  fail-on: warning          # default for --fail-on
//	  targets: [wazuh]          # run the target-aware checks of these backends
//	  checks:                   # per check: off, on, error, warning or note
//	    missing-author: off
//	    title-too-long: note
//	  exclude:                  # findings in these paths (globs, relative to the file) are dropped
//	    - deprecated/**
//
// Other top-level sections belong to other rulec commands and are ignored here.
type Config struct {
	// Path is the file the configuration came from ("" for defaults).
	Path string
	// FailOn is the default for --fail-on ("" when not set).
	FailOn string
	// Targets enables the target-aware checks of these backends.
	Targets []string
	// Checks maps a check id to its level.
	Checks map[string]Level
	// Exclude holds path globs, relative to the configuration's folder.
	Exclude []string
}

// ParseConfig reads a configuration's text; name is used in error messages.
// Unknown keys, check ids, levels and targets are errors with the file and line.
func ParseConfig(name string, data []byte) (*Config, error) {
	cfg := &Config{Path: name, Checks: map[string]Level{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return cfg, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the configuration must be a mapping", name, root.Line)
	}
	lint := findKey(root, "lint")
	if lint == nil || (lint.Kind == yaml.ScalarNode && lint.Tag == "!!null") {
		return cfg, nil
	}
	cp := &configParser{name: name, cfg: cfg, known: map[string]bool{}, targets: map[string]bool{}}
	if lint.Kind != yaml.MappingNode {
		return nil, cp.errAt(lint, "lint must be a mapping")
	}
	for _, c := range Checks() {
		cp.known[c.ID] = true
		if c.Target != "" {
			cp.targets[c.Target] = true
		}
	}
	for i := 0; i+1 < len(lint.Content); i += 2 {
		k, v := lint.Content[i], lint.Content[i+1]
		var err error
		switch k.Value {
		case "fail-on":
			if _, perr := ParseSeverity(v.Value); perr != nil || v.Kind != yaml.ScalarNode {
				return nil, cp.errAt(v, "fail-on: unknown severity %q (expected error, warning, note or none)", v.Value)
			}
			cfg.FailOn = v.Value
		case "targets":
			err = cp.readTargets(v)
		case "checks":
			err = cp.readChecks(v)
		case "exclude":
			err = cp.readExclude(v)
		default:
			err = cp.errAt(k, "unknown key %q in lint (expected fail-on, targets, checks, exclude)", k.Value)
		}
		if err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// configParser reads the lint section of a configuration into cfg, knowing
// the check ids and targets.
type configParser struct {
	name           string
	cfg            *Config
	known, targets map[string]bool
}

// errAt is an error at n's line of the file.
func (cp *configParser) errAt(n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", cp.name, n.Line, fmt.Sprintf(format, args...))
}

// strList reads a string or a list of strings.
func (cp *configParser) strList(n *yaml.Node, what string) ([]*yaml.Node, error) {
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}, nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil, cp.errAt(n, "%s must be a list of strings", what)
	}
	for _, it := range n.Content {
		if it.Kind != yaml.ScalarNode {
			return nil, cp.errAt(it, "%s must be a list of strings", what)
		}
	}
	return n.Content, nil
}

// readTargets reads targets: (known targets, lower-cased).
func (cp *configParser) readTargets(v *yaml.Node) error {
	items, err := cp.strList(v, "targets")
	if err != nil {
		return err
	}
	for _, it := range items {
		t := strings.ToLower(it.Value)
		if !cp.targets[t] {
			return cp.errAt(it, "unknown target %q (known: %s)", it.Value, strings.Join(slices.Sorted(maps.Keys(cp.targets)), ", "))
		}
		cp.cfg.Targets = append(cp.cfg.Targets, t)
	}
	return nil
}

// readChecks reads checks: (check id to level; YAML booleans are on/off).
func (cp *configParser) readChecks(v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return cp.errAt(v, "checks must be a mapping of check id to off, on, error, warning or note")
	}
	for j := 0; j+1 < len(v.Content); j += 2 {
		id, lv := v.Content[j], v.Content[j+1]
		if !cp.known[id.Value] {
			return cp.errAt(id, "unknown check %q (rulec lint --list shows the catalogue)", id.Value)
		}
		l := Level(strings.ToLower(lv.Value))
		switch {
		case lv.Kind != yaml.ScalarNode:
			return cp.errAt(lv, "check %s: the level must be off, on, error, warning or note", id.Value)
		case lv.Tag == "!!bool":
			// YAML booleans: true/false read as on/off.
			l = LevelOn
			if b := strings.ToLower(lv.Value); b == "false" {
				l = LevelOff
			}
		}
		switch l {
		case LevelOff, LevelOn, LevelError, LevelWarning, LevelNote:
		default:
			return cp.errAt(lv, "check %s: unknown level %q (expected off, on, error, warning or note)", id.Value, lv.Value)
		}
		cp.cfg.Checks[id.Value] = l
	}
	return nil
}

// readExclude reads exclude: (path globs, ** allowed).
func (cp *configParser) readExclude(v *yaml.Node) error {
	items, err := cp.strList(v, "exclude")
	if err != nil {
		return err
	}
	for _, it := range items {
		if _, err := path.Match(strings.ReplaceAll(it.Value, "**", "*"), ""); err != nil {
			return cp.errAt(it, "exclude: bad pattern %q", it.Value)
		}
		cp.cfg.Exclude = append(cp.cfg.Exclude, it.Value)
	}
	return nil
}

func findKey(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// LoadConfig reads a configuration file.
func LoadConfig(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading lint configuration: %w", err)
	}
	return ParseConfig(file, data)
}

// FindConfig looks for a configuration file in the folder of start (or start
// itself when it is a folder) and its ancestors, then in cwd. It returns "" when
// there is none.
func FindConfig(start, cwd string) (string, error) {
	dirs := []string{}
	if start != "" {
		abs, err := filepath.Abs(start)
		if err != nil {
			return "", fmt.Errorf("locating %s: %w", start, err)
		}
		if st, err := os.Stat(abs); err == nil && !st.IsDir() {
			abs = filepath.Dir(abs)
		}
		for d := abs; ; d = filepath.Dir(d) {
			dirs = append(dirs, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if cwd != "" {
		dirs = append(dirs, cwd)
	}
	for _, d := range dirs {
		for _, n := range ConfigNames() {
			p := filepath.Join(d, n)
			st, err := os.Stat(p)
			if err == nil && !st.IsDir() {
				return p, nil
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("looking for %s: %w", p, err)
			}
		}
	}
	return "", nil
}

// exclude drops findings whose file matches an exclude glob. Globs are relative to the
// configuration's folder (or to root when the configuration has no file); `**` matches
// any number of path segments.
func (c *Config) exclude(fs []Finding, root string) []Finding {
	if len(c.Exclude) == 0 {
		return fs
	}
	base := root
	if c.Path != "" {
		base = filepath.Dir(c.Path)
	}
	kept := fs[:0]
	for _, f := range fs {
		rel := relPath(base, f.Pos.File)
		excluded := false
		for _, g := range c.Exclude {
			if GlobMatch(g, rel) {
				excluded = true
				break
			}
		}
		if !excluded {
			kept = append(kept, f)
		}
	}
	return kept
}

// GlobMatch matches a slash-separated path against a glob where `**` spans folders.
func GlobMatch(glob, p string) bool {
	gs := strings.Split(glob, "/")
	ps := strings.Split(p, "/")
	var match func(gi, pi int) bool
	match = func(gi, pi int) bool {
		for gi < len(gs) {
			if gs[gi] == "**" {
				for k := pi; k <= len(ps); k++ {
					if match(gi+1, k) {
						return true
					}
				}
				return false
			}
			if pi >= len(ps) {
				return false
			}
			if ok, _ := path.Match(gs[gi], ps[pi]); !ok {
				return false
			}
			gi++
			pi++
		}
		return pi == len(ps)
	}
	return match(0, 0)
}
