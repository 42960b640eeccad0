// Package pipeline reads pySigma processing pipelines (the YAML files given to
// `sigma convert -p`) and applies them to loaded rules, after the front end and
// before every consumer: backends, lint, scan, test and gen-go all see the
// processed rule.
//
// Parsing works on yaml.v3 nodes, so every problem is reported at
// file:line:col. A transformation, condition or key that rulec does not
// implement is refused with its name, never ignored.
package pipeline

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// Pipeline is one processing pipeline file.
type Pipeline struct {
	File     string
	Pos      ast.Pos
	Name     string
	Priority int
	// Vars are the pipeline's variables (used by value_placeholders).
	Vars map[string][]any
	// AllowedBackends is kept for information; rulec has no pySigma backends.
	AllowedBackends []string
	Items           []*Item
}

// Item is one processing item: a transformation and its conditions.
type Item struct {
	// ID is the item's id; empty when the file gives none.
	ID   string
	Type string
	Pos  ast.Pos

	rule  condSet[ruleCond]
	det   condSet[detCond]
	field condSet[fieldCond]
	t     transformation
}

// Ref names the item for records and messages: its id, else type@file:line:col.
func (it *Item) Ref() string {
	if it.ID != "" {
		return it.ID
	}
	return it.Type + "@" + it.Pos.String()
}

// condSet is a list of conditions linked with and/or, optionally negated.
type condSet[T any] struct {
	conds []T
	or    bool
	not   bool
	// expr, when set, links the conditions named in names (*_cond_expr).
	expr  *condExpr
	names map[string]int
}

func (s condSet[T]) eval(f func(T) bool) bool {
	if s.expr != nil {
		res := s.expr.eval(func(id string) bool { return f(s.conds[s.names[id]]) })
		return res != s.not
	}
	res := !s.or // all([]) is true, any([]) is false
	for _, c := range s.conds {
		v := f(c)
		if s.or && v {
			res = true
			break
		}
		if !s.or && !v {
			res = false
			break
		}
	}
	if s.not {
		res = !res
	}
	return res
}

type parser struct {
	file  string
	diags ast.Diagnostics
}

func (p *parser) pos(n *yaml.Node) ast.Pos {
	if n == nil {
		return ast.Pos{File: p.file}
	}
	return ast.Pos{File: p.file, Line: n.Line, Col: n.Column}
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	p.diags = append(p.diags, ast.Diagnostic{Pos: p.pos(n), Severity: ast.SeverityError, Code: "pipeline", Message: fmt.Sprintf(format, args...)})
}

// ParseFile reads and parses a pipeline file.
func ParseFile(path string) (*Pipeline, ast.Diagnostics) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ast.Diagnostics{{Pos: ast.Pos{File: path}, Severity: ast.SeverityError, Code: "io", Message: fmt.Sprintf("cannot read pipeline: %v", err)}}
	}
	return Parse(path, data)
}

// Parse parses a pipeline from YAML; name is used in positions.
func Parse(name string, data []byte) (pl *Pipeline, diags ast.Diagnostics) {
	p := &parser{file: name}
	if len(data) > 4<<20 {
		return nil, ast.Diagnostics{{Pos: ast.Pos{File: name}, Severity: ast.SeverityError, Code: "pipeline", Message: "pipeline file over 4 MiB"}}
	}
	defer func() {
		if r := recover(); r != nil {
			pl = nil
			diags = append(p.diags, ast.Diagnostic{Pos: ast.Pos{File: name}, Severity: ast.SeverityError, Code: "pipeline", Message: fmt.Sprintf("internal error parsing pipeline: %v", r)})
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		line := 0
		if i := strings.Index(msg, "line "); i >= 0 {
			fmt.Sscanf(msg[i+5:], "%d", &line)
		}
		return nil, ast.Diagnostics{{Pos: ast.Pos{File: name, Line: line, Col: 1}, Severity: ast.SeverityError, Code: "yaml", Message: strings.TrimPrefix(msg, "yaml: ")}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, ast.Diagnostics{{Pos: ast.Pos{File: name}, Severity: ast.SeverityError, Code: "pipeline", Message: "pipeline file is empty"}}
	}
	root, err := expandAliases(doc.Content[0])
	if err != nil {
		return nil, ast.Diagnostics{{Pos: ast.Pos{File: name, Line: doc.Content[0].Line, Col: doc.Content[0].Column}, Severity: ast.SeverityError, Code: "pipeline", Message: err.Error()}}
	}
	pl = p.pipeline(root)
	if len(p.diags) > 0 {
		return nil, p.diags
	}
	return pl, nil
}

// Limits on what a pipeline file may build through YAML aliases.
const (
	maxNodes = 200_000
	maxDepth = 100
)

// expandAliases copies the tree with every alias replaced by a copy of its anchor's
// node, so the parser and the add_condition encoder never follow aliases; a file that
// would expand past maxNodes nodes or nest deeper than maxDepth (a self-referencing
// anchor) is refused.
func expandAliases(n *yaml.Node) (*yaml.Node, error) {
	count := 0
	var walk func(n *yaml.Node, depth int) (*yaml.Node, error)
	walk = func(n *yaml.Node, depth int) (*yaml.Node, error) {
		if depth > maxDepth {
			return nil, fmt.Errorf("the pipeline nests deeper than %d levels (a YAML anchor that contains its own alias?)", maxDepth)
		}
		count++
		if count > maxNodes {
			return nil, fmt.Errorf("the pipeline expands into more than %d YAML nodes through aliases", maxNodes)
		}
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			cp, err := walk(n.Alias, depth+1)
			if err != nil {
				return nil, err
			}
			at := *cp
			at.Line, at.Column, at.Anchor = n.Line, n.Column, ""
			return &at, nil
		}
		cp := *n
		cp.Anchor = ""
		if n.Content != nil {
			cp.Content = make([]*yaml.Node, len(n.Content))
			for i, c := range n.Content {
				x, err := walk(c, depth+1)
				if err != nil {
					return nil, err
				}
				cp.Content[i] = x
			}
		}
		return &cp, nil
	}
	return walk(n, 0)
}

func (p *parser) pairs(n *yaml.Node, what string) [][2]*yaml.Node {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a map, found %s", what, kind(n))
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		if seen[k.Value] {
			p.errf(k, "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, v})
	}
	return out
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar"
	}
	return "an alias"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.errf(n, "%s must be a string, found %s", what, kind(n))
		return "", false
	}
	return n.Value, true
}

// optStr accepts a string or null (null gives "").
func (p *parser) optStr(n *yaml.Node, what string) string {
	if isNull(n) {
		return ""
	}
	s, _ := p.str(n, what)
	return s
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		return b
	}
	p.errf(n, "%s must be true or false, found %q", what, n.Value)
	return false
}

func (p *parser) integer(n *yaml.Node, what string) int {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		i, err := strconv.Atoi(n.Value)
		if err == nil {
			return i
		}
	}
	p.errf(n, "%s must be an integer, found %q", what, n.Value)
	return 0
}

// strList accepts a string or a list of strings.
func (p *parser) strList(n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode {
		if s, ok := p.str(n, what); ok {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s must be a string or a list of strings, found %s", what, kind(n))
		return nil
	}
	var out []string
	for _, it := range n.Content {
		if s, ok := p.str(it, what+" item"); ok {
			out = append(out, s)
		}
	}
	return out
}

// scalar decodes a plain scalar into string, int64 (as float64 when fractional), bool or nil.
func (p *parser) scalar(n *yaml.Node, what string) (any, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, "%s must be a scalar, found %s", what, kind(n))
		return nil, false
	}
	switch n.Tag {
	case "!!null":
		return nil, true
	case "!!bool":
		b, _ := strconv.ParseBool(strings.ToLower(n.Value))
		return b, true
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i), true
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f, true
		}
	}
	return n.Value, true
}

var topKeys = map[string]bool{"name": true, "priority": true, "vars": true, "transformations": true, "postprocessing": true, "finalizers": true, "allowed_backends": true}

func (p *parser) pipeline(n *yaml.Node) *Pipeline {
	pl := &Pipeline{File: p.file, Pos: p.pos(n), Vars: map[string][]any{}}
	if isNull(n) {
		return pl
	}
	for _, kv := range p.pairs(n, "a pipeline") {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "name":
			pl.Name = p.optStr(v, "name")
		case "priority":
			pl.Priority = p.integer(v, "priority")
		case "allowed_backends":
			if !isNull(v) {
				pl.AllowedBackends = p.strList(v, "allowed_backends")
			}
		case "vars":
			if isNull(v) {
				continue
			}
			for _, vv := range p.pairs(v, "vars") {
				var vals []any
				if vv[1].Kind == yaml.SequenceNode {
					for _, it := range vv[1].Content {
						if x, ok := p.scalar(it, "variable value"); ok {
							vals = append(vals, x)
						}
					}
				} else if x, ok := p.scalar(vv[1], "variable value"); ok {
					vals = []any{x}
				}
				pl.Vars[vv[0].Value] = vals
			}
		case "transformations":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.SequenceNode {
				p.errf(v, "transformations must be a list, found %s", kind(v))
				continue
			}
			for _, it := range v.Content {
				if item := p.item(it); item != nil {
					pl.Items = append(pl.Items, item)
				}
			}
		case "postprocessing", "finalizers":
			if isNull(v) || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
				continue
			}
			p.errf(k, "%s is not supported: it rewrites a pySigma backend's query text, and rulec has no such backend", k.Value)
		default:
			p.errf(k, "unknown pipeline key %q (known: allowed_backends, finalizers, name, postprocessing, priority, transformations, vars)", k.Value)
		}
	}
	return pl
}

var itemKeys = map[string]bool{
	"id": true, "type": true,
	"rule_conditions": true, "rule_cond_op": true, "rule_cond_not": true, "rule_cond_expr": true,
	"detection_item_conditions": true, "detection_item_cond_op": true, "detection_item_cond_not": true, "detection_item_cond_expr": true,
	"field_name_conditions": true, "field_name_cond_op": true, "field_name_cond_not": true, "field_name_cond_expr": true,
}

// params holds a transformation's or condition's parameters, consumed by name.
type params struct {
	p     *parser
	owner string
	at    *yaml.Node
	kv    map[string][2]*yaml.Node
	order []string
	used  map[string]bool
}

func (p *parser) newParams(owner string, at *yaml.Node, pairs [][2]*yaml.Node, skip map[string]bool) *params {
	ps := &params{p: p, owner: owner, at: at, kv: map[string][2]*yaml.Node{}, used: map[string]bool{}}
	for _, kv := range pairs {
		if skip[kv[0].Value] {
			continue
		}
		ps.kv[kv[0].Value] = kv
		ps.order = append(ps.order, kv[0].Value)
	}
	return ps
}

// get returns the value node of a parameter, or nil.
func (ps *params) get(name string) *yaml.Node {
	kv, ok := ps.kv[name]
	if !ok {
		return nil
	}
	ps.used[name] = true
	return kv[1]
}

// need returns a required parameter's node, reporting its absence.
func (ps *params) need(name string) *yaml.Node {
	n := ps.get(name)
	if n == nil {
		ps.p.errf(ps.at, "%s needs the parameter %q", ps.owner, name)
	}
	return n
}

// done reports parameters the owner does not take.
func (ps *params) done() {
	var names []string
	for _, k := range ps.order {
		if !ps.used[k] {
			names = append(names, k)
		}
	}
	for _, k := range names {
		ps.p.errf(ps.kv[k][0], "%s has no parameter %q", ps.owner, k)
	}
}

func (p *parser) item(n *yaml.Node) *Item {
	pairs := p.pairs(n, "a processing item")
	if pairs == nil {
		return nil
	}
	it := &Item{Pos: p.pos(n)}
	m := map[string]*yaml.Node{}
	keys := map[string]*yaml.Node{}
	for _, kv := range pairs {
		m[kv[0].Value] = kv[1]
		keys[kv[0].Value] = kv[0]
	}
	if v := m["id"]; v != nil {
		it.ID = p.optStr(v, "id")
	}
	tn := m["type"]
	if tn == nil {
		p.errf(n, "processing item has no transformation type")
		return nil
	}
	typ, ok := p.str(tn, "type")
	if !ok {
		return nil
	}
	it.Type = typ
	it.rule = parseCondSet(p, m, keys, "rule", parseRuleCond)
	it.det = parseCondSet(p, m, keys, "detection_item", parseDetCond)
	it.field = parseCondSet(p, m, keys, "field_name", parseFieldCond)
	ps := p.newParams("transformation "+typ, tn, pairs, itemKeys)
	t := p.transformation(typ, tn, ps)
	if t == nil {
		return nil
	}
	ps.done()
	it.t = t
	return it
}

func parseCondSet[T any](p *parser, m map[string]*yaml.Node, keys map[string]*yaml.Node, prefix string, parse func(*parser, string, *yaml.Node, *params) (T, bool)) condSet[T] {
	var s condSet[T]
	if v := m[prefix+"_cond_op"]; v != nil {
		switch op := p.optStr(v, prefix+"_cond_op"); op {
		case "and", "":
		case "or":
			s.or = true
		default:
			p.errf(v, "%s_cond_op must be and or or, found %q", prefix, op)
		}
	}
	if v := m[prefix+"_cond_not"]; v != nil {
		s.not = p.boolean(v, prefix+"_cond_not")
	}
	v := m[prefix+"_conditions"]
	exprNode := m[prefix+"_cond_expr"]
	if exprNode != nil && isNull(exprNode) {
		exprNode = nil
	}
	if exprNode != nil {
		if m[prefix+"_cond_op"] != nil {
			p.errf(keys[prefix+"_cond_op"], "%s_cond_op and %s_cond_expr are mutually exclusive", prefix, prefix)
			return s
		}
		if v == nil || v.Kind != yaml.MappingNode {
			p.errf(exprNode, "%s_cond_expr needs %s_conditions as a map from identifiers to conditions", prefix, prefix)
			return s
		}
	}
	if v == nil || isNull(v) {
		return s
	}
	var defs []*yaml.Node
	var ids []string
	switch v.Kind {
	case yaml.SequenceNode:
		defs = v.Content
	case yaml.MappingNode:
		for _, kv := range p.pairs(v, prefix+"_conditions") {
			defs = append(defs, kv[1])
			ids = append(ids, kv[0].Value)
		}
	default:
		p.errf(v, "%s_conditions must be a list or a map, found %s", prefix, kind(v))
		return s
	}
	for i, d := range defs {
		pairs := p.pairs(d, "a condition")
		if pairs == nil {
			continue
		}
		var tn *yaml.Node
		for _, kv := range pairs {
			if kv[0].Value == "type" {
				tn = kv[1]
			}
		}
		if tn == nil {
			p.errf(d, "%s condition has no type", strings.ReplaceAll(prefix, "_", " "))
			continue
		}
		typ, ok := p.str(tn, "condition type")
		if !ok {
			continue
		}
		ps := p.newParams(strings.ReplaceAll(prefix, "_", " ")+" condition "+typ, tn, pairs, map[string]bool{"type": true})
		c, ok := parse(p, typ, tn, ps)
		if !ok {
			continue
		}
		ps.done()
		if ids != nil {
			if s.names == nil {
				s.names = map[string]int{}
			}
			s.names[ids[i]] = len(s.conds)
		}
		s.conds = append(s.conds, c)
	}
	if exprNode != nil {
		p.condExpr(&s.expr, s.names, exprNode, prefix)
	}
	return s
}

// condExpr parses a *_cond_expr and checks that it names exactly the defined conditions.
func (p *parser) condExpr(dst **condExpr, names map[string]int, n *yaml.Node, prefix string) {
	text, ok := p.str(n, prefix+"_cond_expr")
	if !ok {
		return
	}
	e, err := parseCondExpr(text)
	if err != nil {
		at := *n
		if n.Line > 0 && !strings.Contains(text, "\n") {
			at.Column += err.(*exprError).off
			if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
				at.Column++
			}
		}
		p.errf(&at, "%s_cond_expr: %v", prefix, err)
		return
	}
	used := map[string]bool{}
	e.ids(used)
	for id := range used {
		if _, ok := names[id]; !ok {
			p.errf(n, "%s_cond_expr: condition identifier %q not found", prefix, id)
			return
		}
	}
	unused := map[string]bool{}
	for id := range names {
		if !used[id] {
			unused[id] = true
		}
	}
	if len(unused) > 0 {
		p.errf(n, "%s_cond_expr: unreferenced condition items: %s", prefix, strings.Join(slices.Sorted(maps.Keys(unused)), ", "))
		return
	}
	*dst = e
}

// Chain is the ordered list of processing items of several pipelines, merged as
// pySigma's resolver merges them: by priority (lowest first), then by file name.
type Chain struct {
	Pipelines []*Pipeline
	Items     []*Item
	Vars      map[string][]any
}

// Resolve orders pipelines by (priority, file) and concatenates their items; later
// pipelines' variables override earlier ones.
func Resolve(pls []*Pipeline) *Chain {
	sorted := append([]*Pipeline(nil), pls...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Priority != sorted[j].Priority {
			return sorted[i].Priority < sorted[j].Priority
		}
		return sorted[i].File < sorted[j].File
	})
	c := &Chain{Pipelines: sorted, Vars: map[string][]any{}}
	for _, pl := range sorted {
		c.Items = append(c.Items, pl.Items...)
		for k, v := range pl.Vars {
			c.Vars[k] = v
		}
	}
	return c
}

// LoadFiles parses pipeline files and resolves them into a chain.
func LoadFiles(paths []string) (*Chain, ast.Diagnostics) {
	var pls []*Pipeline
	var diags ast.Diagnostics
	for _, path := range paths {
		pl, ds := ParseFile(path)
		diags = append(diags, ds...)
		if pl != nil {
			pls = append(pls, pl)
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return Resolve(pls), diags
}
