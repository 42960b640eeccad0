package engine

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine/internal/rt"
	"github.com/rulec/rulec/profile"
)

//go:embed profiles/default.yml
var defaultProfileYAML []byte

// Profile maps Sigma logsources to the events they cover: the engine: section and the
// placeholders of a profile file (package profile; the built-in one is profiles/default.yml).
type Profile struct {
	// Name names the profile in messages.
	Name string
	// Logsources are the entries in file order.
	Logsources []*LogsourceEntry
	// Placeholders gives the values of %name% placeholders (expand modifier); a
	// value with a placeholder without values matches nothing (with a warning).
	Placeholders map[string][]string
}

// LogsourceEntry is the event condition for one logsource.
type LogsourceEntry struct {
	Product, Category, Service string
	// Alternatives are OR-ed; the first that holds gives the field renames.
	Alternatives []*Alternative
	Pos          ast.Pos
}

// Alternative is one way an event belongs to a logsource.
type Alternative struct {
	// Where are AND-ed field conditions on the raw event.
	Where []*ast.FieldMatch
	// Fields maps a Sigma field name to the event fields that hold it (first present wins).
	Fields map[string][]string
}

// Key renders the entry's logsource as product/category/service.
func (e *LogsourceEntry) Key() string {
	return rt.LogsourceKey(e.Product, e.Category, e.Service)
}

func (e *LogsourceEntry) specificity() int {
	n := 0
	for _, s := range []string{e.Product, e.Category, e.Service} {
		if s != "" {
			n++
		}
	}
	return n
}

// covers reports whether every attribute the entry sets equals the rule's.
func (e *LogsourceEntry) covers(ls ast.Logsource) bool {
	eq := func(a, b string) bool { return a == "" || strings.EqualFold(a, b) }
	return e.specificity() > 0 && eq(e.Product, ls.Product) && eq(e.Category, ls.Category) && eq(e.Service, ls.Service)
}

// Resolve returns the entries that decide a rule's logsource: the most specific
// entries covering it (AND-ed when several are equally specific); nil when the
// profile does not know the logsource, in which case the rule sees every event.
func (p *Profile) Resolve(ls ast.Logsource) []*LogsourceEntry {
	best := 0
	var out []*LogsourceEntry
	for _, e := range p.Logsources {
		if !e.covers(ls) {
			continue
		}
		switch s := e.specificity(); {
		case s > best:
			best, out = s, []*LogsourceEntry{e}
		case s == best:
			out = append(out, e)
		}
	}
	return out
}

// DefaultProfile returns the built-in profile (profiles/default.yml).
func DefaultProfile() (*Profile, error) {
	f, err := profile.Parse(defaultProfileYAML, "engine/profiles/default.yml")
	if err != nil {
		return nil, fmt.Errorf("engine: built-in profile: %w", err)
	}
	return ProfileFromFile(f)
}

// LoadProfile reads a profile file (the format of package profile) and returns its
// engine part over the built-in profile (see ProfileFromFile).
func LoadProfile(path string) (*Profile, error) {
	f, err := profile.Load(path)
	if err != nil {
		return nil, err
	}
	return ProfileFromFile(f)
}

// ParseProfile parses profile YAML (see LoadProfile); file names the source in errors.
func ParseProfile(data []byte, file string) (*Profile, error) {
	f, err := profile.Parse(data, file)
	if err != nil {
		return nil, err
	}
	return ProfileFromFile(f)
}

// ProfileFromFile returns the engine's part of a profile: unless it extends none, the
// built-in profile with the placeholders of the file added and its engine logsources
// replacing the built-in entries with the same product/category/service (the others added).
func ProfileFromFile(f *profile.File) (*Profile, error) {
	p := &Profile{Name: f.Name, Placeholders: map[string][]string{}}
	if f.Extends != "none" {
		base, err := DefaultProfile()
		if err != nil {
			return nil, err
		}
		p.Logsources = base.Logsources
		for k, v := range base.Placeholders {
			p.Placeholders[k] = v
		}
	}
	for k, v := range f.Placeholders {
		p.Placeholders[k] = v
	}
	entries := profile.Key(f.Engine, "logsources")
	if entries == nil {
		return p, nil
	}
	for _, n := range entries.Content {
		e, err := parseEntry(n, f.Path)
		if err != nil {
			return nil, err
		}
		replaced := false
		for j, old := range p.Logsources {
			if old.Key() == e.Key() {
				p.Logsources[j] = e
				replaced = true
				break
			}
		}
		if !replaced {
			p.Logsources = append(p.Logsources, e)
		}
	}
	return p, nil
}

type entryFile struct {
	Product  string      `yaml:"product"`
	Category string      `yaml:"category"`
	Service  string      `yaml:"service"`
	Match    []yaml.Node `yaml:"match"`
}

type altFile struct {
	Where  yaml.Node `yaml:"where"`
	Fields yaml.Node `yaml:"fields"`
}

func nodeErr(file string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", file, n.Line, n.Column, fmt.Sprintf(format, args...))
}

func parseEntry(n *yaml.Node, file string) (*LogsourceEntry, error) {
	var ef entryFile
	if err := n.Decode(&ef); err != nil {
		return nil, nodeErr(file, n, "invalid logsource entry: %v", err)
	}
	e := &LogsourceEntry{
		Product: strings.ToLower(ef.Product), Category: strings.ToLower(ef.Category), Service: strings.ToLower(ef.Service),
		Pos: ast.Pos{File: file, Line: n.Line, Col: n.Column},
	}
	if e.specificity() == 0 {
		return nil, nodeErr(file, n, "logsource entry needs product, category or service")
	}
	if len(ef.Match) == 0 {
		return nil, nodeErr(file, n, "logsource entry %s needs a match list", e.Key())
	}
	for i := range ef.Match {
		var af altFile
		an := &ef.Match[i]
		if err := an.Decode(&af); err != nil {
			return nil, nodeErr(file, an, "invalid match alternative: %v", err)
		}
		alt := &Alternative{}
		if af.Where.Kind != 0 {
			if af.Where.Kind != yaml.MappingNode {
				return nil, nodeErr(file, &af.Where, "where must be a map of field conditions")
			}
			for k := 0; k+1 < len(af.Where.Content); k += 2 {
				fm, err := whereItem(af.Where.Content[k], af.Where.Content[k+1], file)
				if err != nil {
					return nil, err
				}
				alt.Where = append(alt.Where, fm)
			}
		}
		if af.Fields.Kind != 0 {
			if af.Fields.Kind != yaml.MappingNode {
				return nil, nodeErr(file, &af.Fields, "fields must map Sigma field names to event field names")
			}
			alt.Fields = map[string][]string{}
			for k := 0; k+1 < len(af.Fields.Content); k += 2 {
				key, val := af.Fields.Content[k], af.Fields.Content[k+1]
				var names []string
				switch val.Kind {
				case yaml.ScalarNode:
					names = []string{val.Value}
				case yaml.SequenceNode:
					if err := val.Decode(&names); err != nil || len(names) == 0 {
						return nil, nodeErr(file, val, "fields.%s must be a field name or a non-empty list of names", key.Value)
					}
				default:
					return nil, nodeErr(file, val, "fields.%s must be a field name or a list of names", key.Value)
				}
				alt.Fields[key.Value] = names
			}
		}
		e.Alternatives = append(e.Alternatives, alt)
	}
	return e, nil
}

// whereItem builds a field condition of a profile: `Field: value-or-list`, with
// optional modifiers contains/startswith/endswith/exists/cased after `|`.
func whereItem(k, v *yaml.Node, file string) (*ast.FieldMatch, error) {
	pos := ast.Pos{File: file, Line: k.Line, Col: k.Column}
	parts := strings.Split(k.Value, "|")
	fm := &ast.FieldMatch{Pos: pos, Key: k.Value, Field: parts[0]}
	if fm.Field == "" {
		return nil, nodeErr(file, k, "empty field name")
	}
	var anchor string
	exists := false
	for _, m := range parts[1:] {
		switch m {
		case "contains", "startswith", "endswith":
			anchor = m
		case "exists":
			exists = true
		case "cased":
			fm.Cased = true
		case "neq":
			fm.Negate = true
		default:
			return nil, nodeErr(file, k, "unsupported modifier %q in a profile (use contains, startswith, endswith, exists, cased or neq)", m)
		}
	}
	var scalars []*yaml.Node
	switch v.Kind {
	case yaml.ScalarNode:
		scalars = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, it := range v.Content {
			if it.Kind != yaml.ScalarNode {
				return nil, nodeErr(file, it, "values must be scalars")
			}
			scalars = append(scalars, it)
		}
	default:
		return nil, nodeErr(file, v, "value must be a scalar or a list of scalars")
	}
	for _, s := range scalars {
		val := ast.Value{Pos: ast.Pos{File: file, Line: s.Line, Col: s.Column}, Raw: s.Value}
		switch {
		case exists:
			b, err := strconv.ParseBool(s.Value)
			if err != nil {
				return nil, nodeErr(file, s, "exists needs true or false")
			}
			val.Kind, val.Bool = ast.ValExists, b
		case s.Tag == "!!null":
			val.Kind = ast.ValNull
		case s.Tag == "!!int" || s.Tag == "!!float":
			f, err := strconv.ParseFloat(s.Value, 64)
			if err != nil || anchor != "" {
				return nil, nodeErr(file, s, "invalid number %q", s.Value)
			}
			val.Kind, val.Number = ast.ValNumber, f
		default:
			val.Kind = ast.ValString
			ps := ParseSigmaString(s.Value)
			if anchor == "contains" || anchor == "endswith" {
				ps = append([]ast.StringPart{{Kind: ast.PartStar}}, ps...)
			}
			if anchor == "contains" || anchor == "startswith" {
				ps = append(ps, ast.StringPart{Kind: ast.PartStar})
			}
			val.Parts = ps
		}
		fm.Values = append(fm.Values, val)
	}
	return fm, nil
}

// Keys lists the logsources the profile knows, sorted.
func (p *Profile) Keys() []string {
	out := make([]string, 0, len(p.Logsources))
	for _, e := range p.Logsources {
		out = append(out, e.Key())
	}
	sort.Strings(out)
	return out
}
