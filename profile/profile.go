// Package profile reads rulec profiles: one YAML format, described by the JSON Schema
// profile.schema.json, for every consumer of logsource and field mappings: the interpreter
// behind scan, test and gen-go (section engine:), the Wazuh backend behind build (section
// wazuh:), and the values of %name% placeholders of the expand modifier (placeholders:),
// which all of them take. Errors name the profile's file:line:column in the profile's terms.
package profile

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"gopkg.in/yaml.v3"
)

//go:embed profile.schema.json
var schemaJSON []byte

// Schema returns the JSON Schema of the profile format.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// MaxSize bounds the size of a profile file.
const MaxSize = 4 << 20

// maxErrors bounds the problems reported for one profile.
const maxErrors = 20

// File is a parsed profile: its common keys, and the sections each consumer reads.
type File struct {
	// Path names the profile's file in messages.
	Path string
	// Name names the profile (Path when the file gives none).
	Name string
	// Extends is "default" (layered over the built-in profile) or "none".
	Extends string
	// Placeholders gives the values of %name% placeholders.
	Placeholders map[string][]string
	// Engine and Wazuh are the sections of those consumers (nil when absent).
	Engine, Wazuh *yaml.Node
}

// Load reads and parses a profile file.
func Load(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading profile: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: a profile must be a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading profile: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: profile larger than %d MiB", path, MaxSize>>20)
	}
	return Parse(data, path)
}

// Parse parses profile YAML; path names the source in errors. The document is checked
// against the schema: every problem is reported at its file:line:column.
func Parse(data []byte, path string) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, err)
	}
	f := &File{Path: path, Name: path, Extends: "default", Placeholders: map[string][]string{}}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return f, nil // an empty profile: the built-in one
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, f.Errorf(root, "a profile is a map of keys (name, extends, placeholders, engine, wazuh)")
	}
	if err := f.legacy(root); err != nil {
		return nil, err
	}
	c := &converter{nodes: map[string]*yaml.Node{}}
	v, err := c.value(root, nil, 0)
	if err != nil {
		return nil, f.Errorf(c.at, "%v", err)
	}
	sch, err := compiledSchema()
	if err != nil {
		return nil, fmt.Errorf("profile schema: %w", err)
	}
	if err := sch.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if !errors.As(err, &ve) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return nil, f.schemaErrors(c, ve)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i].Value, resolve(root.Content[i+1])
		switch k {
		case "name":
			f.Name = val.Value
		case "extends":
			f.Extends = val.Value
		case "engine":
			f.Engine = val
		case "wazuh":
			f.Wazuh = val
		case "placeholders":
			for j := 0; j+1 < len(val.Content); j += 2 {
				var vals []string
				for _, it := range resolve(val.Content[j+1]).Content {
					vals = append(vals, resolve(it).Value)
				}
				f.Placeholders[val.Content[j].Value] = vals
			}
		}
	}
	return f, nil
}

// Errorf is an error at node n of the profile: file:line:column: message.
func (f *File) Errorf(n *yaml.Node, format string, args ...any) error {
	if n == nil {
		return fmt.Errorf("%s: %s", f.Path, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s:%d:%d: %s", f.Path, n.Line, n.Column, fmt.Sprintf(format, args...))
}

// Key returns the value of key in mapping n (nil when n is not a mapping or lacks it).
func Key(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// yamlError turns the YAML library's "yaml: line N: ..." into file:N: invalid YAML: ....
func yamlError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			if _, err := strconv.Atoi(n); err == nil {
				return fmt.Errorf("%s:%s: invalid YAML: %s", path, n, tail)
			}
		}
	}
	return fmt.Errorf("%s: invalid YAML: %s", path, msg)
}

// legacy explains the layouts of the two profile formats rulec read before this one: an
// engine profile (logsources with match: at the top) and a Wazuh profile (levels,
// fieldsets, logsources with name: at the top).
func (f *File) legacy(root *yaml.Node) error {
	var errs []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		switch k.Value {
		case "levels", "fieldsets", "unavailable":
			errs = append(errs, f.Errorf(k, "%s belongs under wazuh: (the Wazuh backend's levels, fieldsets, logsources and unavailable entries are indented under a top-level wazuh: key)", k.Value).Error())
		case "logsources":
			section := "engine"
			if items := resolve(root.Content[i+1]); items.Kind == yaml.SequenceNode && len(items.Content) > 0 && Key(items.Content[0], "match") == nil {
				section = "wazuh"
			}
			errs = append(errs, f.Errorf(k, "logsources belongs under %s: (entries with match: go under engine:, for scan, test and gen-go; entries with name: and if_sid: under wazuh:, for build); indent this list under %s:", section, section).Error())
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

var (
	schemaOnce sync.Once
	schemaVal  *jsonschema.Schema
	schemaErr  error
	schemaDoc  map[string]any
)

func compiledSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
		if err != nil {
			schemaErr = err
			return
		}
		schemaDoc, _ = doc.(map[string]any)
		c := jsonschema.NewCompiler()
		if err := c.AddResource("profile.schema.json", doc); err != nil {
			schemaErr = err
			return
		}
		schemaVal, schemaErr = c.Compile("profile.schema.json")
	})
	return schemaVal, schemaErr
}

// converter turns YAML nodes into the JSON values the schema validates, remembering the
// node of each value (by its location) for positions.
type converter struct {
	nodes map[string]*yaml.Node
	// at is the node a conversion error is about.
	at *yaml.Node
}

func locKey(loc []string) string { return strings.Join(loc, "\x00") }

func (c *converter) value(n *yaml.Node, loc []string, depth int) (any, error) {
	n = resolve(n)
	c.at = n
	if depth > 64 {
		return nil, errors.New("nested more than 64 levels deep")
	}
	c.nodes[locKey(loc)] = n
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		if err := c.mapping(n, m, loc, depth); err != nil {
			return nil, err
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for i, it := range n.Content {
			v, err := c.value(it, append(loc[:len(loc):len(loc)], strconv.Itoa(i)), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, nil
		}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
	case "!!float":
		var x float64
		if err := n.Decode(&x); err == nil {
			return x, nil
		}
	}
	return n.Value, nil
}

// mapping adds the keys of n to m; merge keys (<<) add the keys of their maps not set here.
func (c *converter) mapping(n *yaml.Node, m map[string]any, loc []string, depth int) error {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), n.Content[i+1]
		if k.Tag == "!!merge" {
			merges = append(merges, resolve(v))
			continue
		}
		if k.Kind != yaml.ScalarNode {
			c.at = k
			return errors.New("keys must be plain names")
		}
		if _, dup := m[k.Value]; dup {
			c.at = k
			return fmt.Errorf("key %q is given twice", k.Value)
		}
		val, err := c.value(v, append(loc[:len(loc):len(loc)], k.Value), depth+1)
		if err != nil {
			return err
		}
		m[k.Value] = val
		c.nodes[locKey(loc)+"\x01"+k.Value] = k
	}
	for _, mn := range merges {
		srcs := []*yaml.Node{mn}
		if mn.Kind == yaml.SequenceNode {
			srcs = mn.Content
		}
		for _, s := range srcs {
			s = resolve(s)
			if s.Kind != yaml.MappingNode {
				c.at = s
				return errors.New("a merge key (<<) takes a map or a list of maps")
			}
			sub := map[string]any{}
			if err := c.mapping(s, sub, loc, depth+1); err != nil {
				return err
			}
			for k, v := range sub {
				if _, ok := m[k]; !ok {
					m[k] = v
				}
			}
		}
	}
	return nil
}

type problem struct {
	n   *yaml.Node
	msg string
}

// schemaErrors turns the validation errors into messages at positions, in the profile's terms.
func (f *File) schemaErrors(c *converter, ve *jsonschema.ValidationError) error {
	var ps []problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
		default:
			if len(e.Causes) > 0 {
				for _, x := range e.Causes {
					walk(x)
				}
				return
			}
		}
		ps = append(ps, f.describe(c, e)...)
	}
	walk(ve)
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].n.Line != ps[j].n.Line {
			return ps[i].n.Line < ps[j].n.Line
		}
		return ps[i].n.Column < ps[j].n.Column
	})
	var lines []string
	seen := map[string]bool{}
	for _, p := range ps {
		s := f.Errorf(p.n, "%s", p.msg).Error()
		if !seen[s] && len(lines) < maxErrors {
			seen[s] = true
			lines = append(lines, s)
		}
	}
	if len(ps) > len(lines) && len(lines) == maxErrors {
		lines = append(lines, fmt.Sprintf("%s: more problems not shown", f.Path))
	}
	return errors.New(strings.Join(lines, "\n"))
}

// where names a location in the profile: wazuh.logsources[2].fieldset.
func where(loc []string) string {
	if len(loc) == 0 {
		return "the profile"
	}
	var b strings.Builder
	for i, t := range loc {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

var typeWords = map[string]string{
	"object": "a map", "array": "a list", "string": "text", "integer": "a whole number",
	"number": "a number", "boolean": "true or false", "null": "empty",
}

// typeList names JSON types in the profile's words, in a fixed order: "text, a number or a list".
func typeList(ts []string) string {
	var out []string
	for _, t := range []string{"string", "integer", "number", "boolean", "null", "array", "object"} {
		if slices.Contains(ts, t) && !(t == "integer" && slices.Contains(ts, "number")) {
			out = append(out, typeWords[t])
		}
	}
	if len(out) == 0 {
		return strings.Join(ts, " or ")
	}
	if n := len(out); n > 1 {
		return strings.Join(out[:n-1], ", ") + " or " + out[n-1]
	}
	return out[0]
}

func (f *File) describe(c *converter, e *jsonschema.ValidationError) []problem {
	loc := e.InstanceLocation
	n := c.nodes[locKey(loc)]
	if n == nil {
		n = &yaml.Node{}
	}
	at := where(loc)
	one := func(format string, args ...any) []problem {
		return []problem{{n, fmt.Sprintf(format, args...)}}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out []problem
		known := schemaKeys(loc)
		for _, p := range k.Properties {
			kn := c.nodes[locKey(loc)+"\x01"+p]
			if kn == nil {
				kn = n
			}
			msg := fmt.Sprintf("unknown key %q in %s", p, at)
			if s := closest(p, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else if len(known) > 0 {
				msg += " (known: " + strings.Join(known, ", ") + ")"
			}
			out = append(out, problem{kn, msg})
		}
		return out
	case *kind.Type:
		return one("%s must be %s, found %s", at, typeList(k.Want), typeList([]string{k.Got}))
	case *kind.Required:
		return one("%s needs %s", at, strings.Join(k.Missing, " and "))
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, fmt.Sprintf("%q", w))
		}
		return one("%s must be one of %s, found %v", at, strings.Join(want, ", "), k.Got)
	case *kind.Minimum:
		return one("%s must be at least %s, found %s", at, k.Want.RatString(), k.Got.RatString())
	case *kind.Maximum:
		return one("%s must be at most %s, found %s", at, k.Want.RatString(), k.Got.RatString())
	case *kind.MinItems:
		return one("%s needs at least %d entries", at, k.Want)
	case *kind.MinLength:
		return one("%s must not be empty", at)
	case *kind.AnyOf, *kind.OneOf:
		var want []string
		got := ""
		var types func(x *jsonschema.ValidationError)
		types = func(x *jsonschema.ValidationError) {
			if t, ok := x.ErrorKind.(*kind.Type); ok {
				want = append(want, t.Want...)
				got = t.Got
			}
			for _, y := range x.Causes {
				types(y)
			}
		}
		types(e)
		if len(want) > 0 {
			return one("%s must be %s, found %s", at, typeList(want), typeList([]string{got}))
		}
		return one("%s is not valid here", at)
	}
	return one("%s is not valid (%s)", at, strings.Join(e.ErrorKind.KeywordPath(), "/"))
}

// schemaKeys lists the keys the schema allows in the object at loc (for suggestions).
func schemaKeys(loc []string) []string {
	s := schemaDoc
	defs, _ := schemaDoc["$defs"].(map[string]any)
	deref := func(x map[string]any) map[string]any {
		for x != nil {
			ref, ok := x["$ref"].(string)
			if !ok {
				return x
			}
			x, _ = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
		return x
	}
	s = deref(s)
	for _, t := range loc {
		if s == nil {
			return nil
		}
		if _, err := strconv.Atoi(t); err == nil {
			if it, ok := s["items"].(map[string]any); ok {
				s = deref(it)
				continue
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			if p, ok := props[t].(map[string]any); ok {
				s = deref(p)
				continue
			}
		}
		ap, _ := s["additionalProperties"].(map[string]any)
		s = deref(ap)
	}
	props, _ := s["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// closest returns the candidate within a third of s's length in edits (at least 1), or "".
func closest(s string, candidates []string) string {
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), c)
		if d <= max(1, len(c)/3) && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
