package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/lint"
)

// maxConfigLogsources bounds the entries of a logsources: section.
const maxConfigLogsources = 10000

// logsourceEntry is one entry of logsources: in .rulec.yml.
type logsourceEntry struct {
	glob string
	src  engine.Source
}

// configLogsources is the logsources: section of a .rulec.yml: the declared
// logsource of the logs whose path, relative to the configuration's folder,
// matches an entry's glob (the first entry that matches wins).
//
//	logsources:
//	  - {path: zeek/**/rdp*.log, product: zeek, service: rdp}
//	  - {path: "iis/*.log", category: webserver}
type configLogsources struct {
	dir     string // the configuration's folder, absolute
	entries []logsourceEntry
}

// loadConfigLogsources reads the logsources: section of the configuration
// file cfg; nil when it has none.
func loadConfigLogsources(cfg string) (*configLogsources, error) {
	data, err := os.ReadFile(cfg)
	if err != nil {
		return nil, fmt.Errorf("reading configuration: %w", err)
	}
	dir, err := filepath.Abs(filepath.Dir(cfg))
	if err != nil {
		return nil, fmt.Errorf("locating %s: %w", cfg, err)
	}
	return parseConfigLogsources(cfg, dir, data)
}

// parseConfigLogsources reads the logsources: section of a configuration's
// text; name is the file named in errors (file:line:column), dir the folder
// globs are relative to.
func parseConfigLogsources(name, dir string, data []byte) (*configLogsources, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %w", name, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil // an empty configuration; lint reports other shapes
	}
	errAt := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d:%d: logsources: %s", name, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
	root := doc.Content[0]
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "logsources" {
			list = root.Content[i+1]
		}
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, errAt(list, "must be a list of {path, product, category, service} entries")
	}
	if len(list.Content) > maxConfigLogsources {
		return nil, errAt(list, "%d entries, at most %d", len(list.Content), maxConfigLogsources)
	}
	out := &configLogsources{dir: dir}
	for _, it := range list.Content {
		if it.Kind != yaml.MappingNode {
			return nil, errAt(it, "an entry must be a mapping with path and at least one of product, category, service")
		}
		var e logsourceEntry
		var pathNode *yaml.Node
		for j := 0; j+1 < len(it.Content); j += 2 {
			k, v := it.Content[j], it.Content[j+1]
			if v.Kind != yaml.ScalarNode || v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
				return nil, errAt(v, "%s must be a non-empty string", k.Value)
			}
			val := strings.ToLower(strings.TrimSpace(v.Value))
			var dst *string
			switch k.Value {
			case "path":
				pathNode = v
				if strings.Contains(v.Value, `\`) {
					return nil, errAt(v, "path %q: separate folders with / (the same on every system)", v.Value)
				}
				if _, err := path.Match(strings.ReplaceAll(v.Value, "**", "*"), ""); err != nil {
					return nil, errAt(v, "path: bad pattern %q", v.Value)
				}
				e.glob = path.Clean(v.Value)
				if e.glob == ".." || strings.HasPrefix(e.glob, "../") || path.IsAbs(e.glob) {
					return nil, errAt(v, "path %q climbs out of the configuration's folder (logs are matched relative to it)", v.Value)
				}
				continue
			case "product":
				dst = &e.src.Product
			case "category":
				dst = &e.src.Category
			case "service":
				dst = &e.src.Service
			default:
				return nil, errAt(k, "unknown key %q (expected path, product, category, service)", k.Value)
			}
			*dst = val
		}
		if pathNode == nil {
			return nil, errAt(it, "an entry needs a path (a glob relative to %s's folder)", filepath.Base(name))
		}
		if e.src.IsZero() {
			return nil, errAt(it, "an entry needs at least one of product, category, service")
		}
		out.entries = append(out.entries, e)
	}
	return out, nil
}

// sourceOf is the declared logsource of the log file p: that of the first
// entry whose glob matches p relative to the configuration's folder; none for
// a log outside that folder or matched by no entry.
func (l *configLogsources) sourceOf(p string) engine.Source {
	if l == nil || len(l.entries) == 0 {
		return engine.Source{}
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return engine.Source{}
	}
	rel, err := filepath.Rel(l.dir, abs)
	if err != nil {
		return engine.Source{}
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
		return engine.Source{}
	}
	for _, e := range l.entries {
		if lint.GlobMatch(e.glob, rel) {
			return e.src
		}
	}
	return engine.Source{}
}
