package pipeline

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

type transformation interface {
	apply(st *state, it *Item, r *ast.Rule) error
}

// TransformationNames returns the transformation types rulec implements (a fresh slice).
func TransformationNames() []string {
	return []string{
		"add_condition", "add_field", "case", "change_logsource", "detection_item_failure", "drop_detection_item", "extract_fields",
		"convert_type", "field_name_mapping", "field_name_prefix", "field_name_prefix_mapping", "field_name_suffix",
		"hashes_fields", "map_string", "nest", "regex", "remove_field", "replace_string", "rule_failure", "set_custom_attribute", "set_field", "set_state",
		"set_value", "strict_field_mapping_failure", "value_placeholders", "wildcard_placeholders",
	}
}

// refusedTransformations are pySigma transformations rulec knows and refuses, with the reason.
var refusedTransformations = map[string]string{
	"field_name_transform":          "it takes a Python function",
	"query_expression_placeholders": "it inserts backend query text, and rulec has no text-query backend",
	"file_placeholders":             "external sources are off, as in pySigma without allow_external_sources, and rulec has no switch to allow them",
	"http_placeholders":             "external sources are off, as in pySigma without allow_external_sources, and rulec has no switch to allow them",
	"command_placeholders":          "external sources are off, as in pySigma without allow_external_sources, and rulec has no switch to allow them",
}

func (p *parser) transformation(typ string, at *yaml.Node, ps *params) transformation {
	switch typ {
	case "field_name_mapping", "field_name_prefix_mapping":
		return p.parseFieldMapping(typ, ps)
	case "field_name_prefix", "field_name_suffix":
		name := strings.TrimPrefix(typ, "field_name_")
		n := ps.need(name)
		if n == nil {
			return nil
		}
		s, _ := p.str(n, name)
		if typ == "field_name_prefix" {
			return &fieldMapping{addPrefix: s}
		}
		return &fieldMapping{addSuffix: s}
	case "drop_detection_item":
		return dropItem{}
	case "add_condition":
		return p.addCondition(at, ps)
	case "change_logsource":
		return p.parseChangeLogsource(ps)
	case "replace_string":
		return p.replaceString(ps)
	case "set_state":
		return p.parseSetState(ps)
	case "rule_failure", "detection_item_failure":
		n := ps.need("message")
		if n == nil {
			return nil
		}
		m, _ := p.str(n, "message")
		return failure{msg: m, item: typ == "detection_item_failure"}
	case "add_field", "remove_field":
		n := ps.need("field")
		if n == nil {
			return nil
		}
		return fieldList{op: typ, fields: p.strList(n, "field")}
	case "set_field":
		n := ps.need("fields")
		if n == nil {
			return nil
		}
		return fieldList{op: typ, fields: p.strList(n, "fields")}
	case "set_custom_attribute":
		return p.parseCustomAttr(ps)
	case "map_string":
		return p.mapString(ps)
	case "set_value":
		return p.setValue(ps)
	case "convert_type":
		return p.convertType(ps)
	case "extract_fields":
		return p.extractFields(ps)
	case "hashes_fields":
		return p.hashesFields(ps)
	case "nest":
		return p.nest(ps)
	case "case":
		return p.parseCase(at, ps)
	case "regex":
		return p.parseToRegex(at, ps)
	case "strict_field_mapping_failure":
		return strictMapping{}
	case "wildcard_placeholders", "value_placeholders":
		return p.parsePlaceholders(typ, at, ps)
	}
	if why, ok := refusedTransformations[typ]; ok {
		p.errf(at, "transformation %q is not supported by rulec: %s (supported: %s)", typ, why, strings.Join(TransformationNames(), ", "))
		return nil
	}
	p.errf(at, "unknown transformation type %q (supported: %s)", typ, strings.Join(TransformationNames(), ", "))
	return nil
}

// parseFieldMapping is field_name_mapping and field_name_prefix_mapping.
func (p *parser) parseFieldMapping(typ string, ps *params) transformation {
	n := ps.need("mapping")
	if n == nil {
		return nil
	}
	fm := &fieldMapping{prefix: typ == "field_name_prefix_mapping"}
	for _, kv := range p.pairs(n, "mapping") {
		dests := p.strList(kv[1], "mapping target")
		if isNull(kv[0]) {
			// pySigma's None key: keyword searches become searches of these fields.
			if fm.prefix {
				p.errf(kv[0], "%s: null is not a valid prefix", typ)
				continue
			}
			fm.keyword = dests
			continue
		}
		fm.src = append(fm.src, kv[0].Value)
		fm.dst = append(fm.dst, dests)
	}
	return fm
}

// parseChangeLogsource is change_logsource.
func (p *parser) parseChangeLogsource(ps *params) transformation {
	var ls ast.Logsource
	for _, k := range []string{"category", "product", "service"} {
		if v := ps.get(k); v != nil {
			s := p.optStr(v, k)
			switch k {
			case "category":
				ls.Category = s
			case "product":
				ls.Product = s
			case "service":
				ls.Service = s
			}
		}
	}
	return changeLogsource{ls}
}

// parseSetState is set_state.
func (p *parser) parseSetState(ps *params) transformation {
	k, v, ok := p.namedValue(ps, "key", "val")
	if !ok {
		return nil
	}
	return setState{k, v}
}

// parseCustomAttr is set_custom_attribute.
func (p *parser) parseCustomAttr(ps *params) transformation {
	a, v, ok := p.namedValue(ps, "attribute", "value")
	if !ok {
		return nil
	}
	return customAttr{a, v}
}

// namedValue reads the two required parameters of a transformation that
// sets a value under a name: the name (a string) and the value (a scalar).
func (p *parser) namedValue(ps *params, name, value string) (string, any, bool) {
	nn, vn := ps.need(name), ps.need(value)
	if nn == nil || vn == nil {
		return "", nil, false
	}
	n, _ := p.str(nn, name)
	v, ok := p.scalar(vn, value)
	return n, v, ok
}

// parseCase is case (method lower, upper or snake_case).
func (p *parser) parseCase(at *yaml.Node, ps *params) transformation {
	if m, ok := p.method(at, ps, "case", "lower", "lower", "upper", "snake_case"); ok {
		return caseValues{method: m}
	}
	return nil
}

// parseToRegex is regex (method plain, ignore_case_flag or ignore_case_brackets).
func (p *parser) parseToRegex(at *yaml.Node, ps *params) transformation {
	if m, ok := p.method(at, ps, "regex", "ignore_case_brackets", "plain", "ignore_case_flag", "ignore_case_brackets"); ok {
		return toRegex{m}
	}
	return nil
}

// method reads the method parameter of transformation typ (def when
// absent), one of allowed.
func (p *parser) method(at *yaml.Node, ps *params, typ, def string, allowed ...string) (string, bool) {
	m := def
	if n := ps.get("method"); n != nil {
		m, _ = p.str(n, "method")
	}
	if slices.Contains(allowed, m) {
		return m, true
	}
	p.errf(at, "invalid method %q for %s (%s)", m, typ, strings.Join(allowed, ", "))
	return "", false
}

// parsePlaceholders is wildcard_placeholders and value_placeholders.
func (p *parser) parsePlaceholders(typ string, at *yaml.Node, ps *params) transformation {
	ph := &placeholders{wildcard: typ == "wildcard_placeholders"}
	inc, exc := ps.get("include"), ps.get("exclude")
	if inc != nil && !isNull(inc) {
		ph.include = p.strList(inc, "include")
		ph.hasInclude = true
	}
	if exc != nil && !isNull(exc) {
		ph.exclude = p.strList(exc, "exclude")
		ph.hasExclude = true
	}
	if ph.hasInclude && ph.hasExclude {
		p.errf(at, "placeholder transformation include and exclude lists can only be used exclusively")
		return nil
	}
	return ph
}

// fieldMapping is field_name_mapping, field_name_prefix_mapping, field_name_prefix and field_name_suffix.
type fieldMapping struct {
	prefix    bool
	keyword   []string // the fields a keyword search maps to (a null key)
	src       []string
	dst       [][]string
	addPrefix string
	addSuffix string
}

// mapName is pySigma's apply_field_name: nil when the field is not mapped.
func (f *fieldMapping) mapName(field string) []string {
	if field == "" {
		return f.keyword
	}
	switch {
	case f.addPrefix != "":
		return []string{f.addPrefix + field}
	case f.addSuffix != "":
		return []string{field + f.addSuffix}
	case f.prefix:
		for i, s := range f.src {
			if strings.HasPrefix(field, s) {
				out := make([]string, len(f.dst[i]))
				for j, d := range f.dst[i] {
					out[j] = d + field[len(s):]
				}
				return out
			}
		}
		return nil
	}
	if i := slices.Index(f.src, field); i >= 0 {
		return f.dst[i]
	}
	return nil
}

// applyName is pySigma's _apply_field_name: mapped names when the field name conditions hold.
func (f *fieldMapping) applyName(st *state, it *Item, field string) []string {
	m := f.mapName(field)
	if m != nil && it.matchField(st, field) {
		st.trackField(field, m, it.Ref())
		return m
	}
	return []string{field}
}

func (f *fieldMapping) applyOne(st *state, it *Item, field, what string) (string, error) {
	m := f.applyName(st, it, field)
	if len(m) != 1 {
		return "", fmt.Errorf("field name mapping can't be applied to the correlation %s %q because it results in %d field names", what, field, len(m))
	}
	return m[0], nil
}

func (f *fieldMapping) apply(st *state, it *Item, r *ast.Rule) error {
	var fields []string
	for _, x := range r.Fields {
		fields = append(fields, f.applyName(st, it, x)...)
	}
	if r.Fields != nil {
		r.Fields = fields
	}
	if c := r.Correlation; c != nil {
		cp := *c
		r.Correlation = &cp
		return f.applyCorrelation(st, it, &cp)
	}
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) { return f.applyMatch(st, it, fm) })
}

// applyCorrelation maps a correlation's (own copy) alias fields, its
// group-by fields that are not aliases, and its condition fields.
func (f *fieldMapping) applyCorrelation(st *state, it *Item, c *ast.Correlation) error {
	if len(c.GroupBy) > 0 {
		aliases := map[string]bool{}
		c.Aliases = slices.Clone(c.Aliases)
		for i, a := range c.Aliases {
			aliases[a.Name] = true
			a.Fields = slices.Clone(a.Fields)
			for j := range a.Fields {
				m, err := f.applyOne(st, it, a.Fields[j].Field, "alias mapping")
				if err != nil {
					return err
				}
				a.Fields[j].Field = m
			}
			c.Aliases[i] = a
		}
		var gb []string
		var gbPos []ast.Pos
		for i, g := range c.GroupBy {
			ms := []string{g}
			if !aliases[g] {
				ms = f.applyName(st, it, g)
			}
			gb = append(gb, ms...)
			for range ms {
				if i < len(c.GroupByPos) {
					gbPos = append(gbPos, c.GroupByPos[i])
				}
			}
		}
		c.GroupBy, c.GroupByPos = gb, gbPos
	}
	c.Field = slices.Clone(c.Field)
	for i := range c.Field {
		m, err := f.applyOne(st, it, c.Field[i], "condition field")
		if err != nil {
			return err
		}
		c.Field[i] = m
	}
	return nil
}

// applyMatch maps one field match: field references among its values, then
// its field (several targets become an OR of copies).
func (f *fieldMapping) applyMatch(st *state, it *Item, fm *ast.FieldMatch) (result, error) {
	var res result
	// field references in values
	var vals []ast.Value
	refMatch := false
	for _, v := range fm.Values {
		if v.Kind == ast.ValFieldRef && it.matchFieldRef(st, v.Ref) {
			for _, m := range f.applyName(st, it, v.Ref) {
				nv := v
				nv.Ref = m
				vals = append(vals, nv)
			}
			refMatch = true
		} else {
			vals = append(vals, v)
		}
	}
	if refMatch {
		fm.Values = vals
		res.changed = true
	}
	m := f.mapName(fm.Field)
	if refMatch && m != nil {
		st.addMapping(fm.Field, m)
	}
	if m == nil || !it.matchField(st, fm.Field) {
		return res, nil
	}
	if !refMatch {
		st.addMapping(fm.Field, m)
	}
	res.changed = true
	if fm.Field == "" {
		fm.Values = keywordWildcards(fm.Values)
	}
	if len(m) == 1 {
		*fm = *withField(fm, m[0])
		return res, nil
	}
	or := &ast.Matcher{Op: ast.MatchAny, Pos: fm.Pos}
	for _, name := range m {
		cp := withField(fm, name)
		or.Items = append(or.Items, &ast.Matcher{Op: ast.MatchField, Pos: cp.Pos, Field: cp})
	}
	res.replace = or
	return res, nil
}

// keywordWildcards returns a keyword search's values with a wildcard at
// both ends: a keyword matches anywhere in a value, and keeps doing so once
// mapped to fields, as pySigma does.
func keywordWildcards(values []ast.Value) []ast.Value {
	vals := slices.Clone(values)
	for i, v := range vals {
		if v.Kind != ast.ValString {
			continue
		}
		parts := slices.Clone(v.Parts)
		if len(parts) == 0 || parts[0].Kind != ast.PartStar {
			parts = append([]ast.StringPart{{Kind: ast.PartStar}}, parts...)
		}
		if parts[len(parts)-1].Kind != ast.PartStar {
			parts = append(parts, ast.StringPart{Kind: ast.PartStar})
		}
		vals[i].Parts = parts
	}
	return vals
}

type dropItem struct{}

func (dropItem) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(*ast.FieldMatch) (result, error) { return result{drop: true}, nil })
}

type changeLogsource struct{ ls ast.Logsource }

func (c changeLogsource) apply(st *state, it *Item, r *ast.Rule) error {
	if r.Kind == ast.KindDetection {
		ls := c.ls
		ls.Pos = r.Logsource.Pos
		r.Logsource = ls
	}
	return nil
}

type setState struct {
	key string
	val any
}

func (s setState) apply(st *state, it *Item, r *ast.Rule) error {
	st.vals[s.key] = s.val
	return nil
}

type failure struct {
	msg  string
	item bool
}

func (f failure) apply(st *state, it *Item, r *ast.Rule) error {
	if !f.item {
		return errors.New(f.msg)
	}
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		return result{}, fmt.Errorf("%s: %s", fm.Pos, f.msg)
	})
}

type fieldList struct {
	op     string
	fields []string
}

func (f fieldList) apply(st *state, it *Item, r *ast.Rule) error {
	switch f.op {
	case "add_field":
		r.Fields = append(r.Fields, f.fields...)
	case "remove_field":
		for _, x := range f.fields {
			if i := slices.Index(r.Fields, x); i >= 0 {
				r.Fields = slices.Delete(r.Fields, i, i+1)
			}
		}
	case "set_field":
		r.Fields = slices.Clone(f.fields)
	}
	return nil
}

type customAttr struct {
	attr string
	val  any
}

func (c customAttr) apply(st *state, it *Item, r *ast.Rule) error {
	for i := range r.Extra {
		if r.Extra[i].Key == c.attr {
			r.Extra[i].Value = c.val
			return nil
		}
	}
	r.Extra = append(r.Extra, ast.Extra{Key: c.attr, Value: c.val, Pos: it.Pos})
	return nil
}

// addCondition is add_condition: a search built from `conditions`, AND-ed (or its
// negation, with negated) in front of the rule's condition.
type addCondition struct {
	name     string
	node     *yaml.Node
	template bool
	negated  bool
	pos      ast.Pos
	body     *ast.Matcher // built at parse time unless template
}

func (p *parser) addCondition(at *yaml.Node, ps *params) transformation {
	n := ps.need("conditions")
	if n == nil {
		return nil
	}
	ac := &addCondition{node: n, pos: p.pos(at)}
	if v := ps.get("name"); v != nil {
		ac.name, _ = p.str(v, "name")
	}
	if v := ps.get("template"); v != nil {
		ac.template = p.boolean(v, "template")
	}
	if v := ps.get("negated"); v != nil {
		ac.negated = p.boolean(v, "negated")
	}
	if ac.name == "" {
		ac.name = fmt.Sprintf("_cond_%d_%d", at.Line, at.Column)
	}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "add_condition: conditions must be a map of field: value, found %s", kind(n))
		return nil
	}
	if !ac.template {
		body, err := ac.build(n, p.file)
		if err != nil {
			p.errf(n, "add_condition: %v", err)
			return nil
		}
		ac.body = body
	} else if _, err := ac.build(n, p.file); err != nil {
		p.errf(n, "add_condition: %v", err)
		return nil
	}
	return ac
}

// build decodes the conditions map with the front end, as pySigma's SigmaDetection.from_definition does.
func (ac *addCondition) build(n *yaml.Node, file string) (*ast.Matcher, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "title"}, {Kind: yaml.ScalarNode, Value: "add_condition"},
		{Kind: yaml.ScalarNode, Value: "logsource"}, {Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "category"}, {Kind: yaml.ScalarNode, Value: "x"}}},
		{Kind: yaml.ScalarNode, Value: "detection"}, {Kind: yaml.MappingNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: "sel"}, n,
			{Kind: yaml.ScalarNode, Value: "condition"}, {Kind: yaml.ScalarNode, Value: "sel"},
		}},
	}}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	res := frontend.LoadBytes("add_condition", data)
	for _, d := range res.Diagnostics {
		if d.Severity == ast.SeverityError {
			return nil, errors.New(d.Message)
		}
	}
	if len(res.Rules) != 1 || res.Rules[0].Detection == nil || res.Rules[0].Detection.Search("sel") == nil {
		return nil, errors.New("conditions do not make a search")
	}
	body := res.Rules[0].Detection.Search("sel").Body
	at := ast.Pos{File: file, Line: n.Line, Col: n.Column}
	var fix func(m *ast.Matcher)
	fix = func(m *ast.Matcher) {
		m.Pos = at
		if m.Field != nil {
			m.Field.Pos = at
			for i := range m.Field.Values {
				m.Field.Values[i].Pos = at
			}
			for i := range m.Field.Modifiers {
				m.Field.Modifiers[i].Pos = at
			}
		}
		for _, it := range m.Items {
			fix(it)
		}
	}
	fix(body)
	return body, nil
}

func substituteNode(n *yaml.Node, ls ast.Logsource) *yaml.Node {
	cp := *n
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" && strings.Contains(n.Value, "$") {
		cp.Value = pyTemplate(n.Value, map[string]string{"category": ls.Category, "product": ls.Product, "service": ls.Service})
		cp.Tag = "!!str"
		cp.Style = yaml.DoubleQuotedStyle
	}
	if n.Content != nil {
		cp.Content = make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				cp.Content[i] = c // keys are not templated
				continue
			}
			cp.Content[i] = substituteNode(c, ls)
		}
	}
	return &cp
}

var templateVar = regexp.MustCompile(`\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\})`)

// pyTemplate is Python's string.Template.safe_substitute for $name, ${name} and $$.
// pySigma substitutes None for an unset logsource field, which prints as "None".
func pyTemplate(s string, vars map[string]string) string {
	re := templateVar
	return re.ReplaceAllStringFunc(s, func(m string) string {
		sm := re.FindStringSubmatch(m)
		if sm[1] != "" {
			return "$"
		}
		name := sm[2] + sm[3]
		v, ok := vars[name]
		if !ok {
			return m
		}
		if v == "" {
			return "None"
		}
		return v
	})
}

func (ac *addCondition) apply(st *state, it *Item, r *ast.Rule) error {
	if r.Kind != ast.KindDetection || r.Detection == nil {
		return nil
	}
	body := ac.body
	if ac.template {
		b, err := ac.build(substituteNode(ac.node, r.Logsource), ac.pos.File)
		if err != nil {
			return fmt.Errorf("add_condition: %v", err)
		}
		body = b
	} else {
		body = cloneMatcher(body)
	}
	d := r.Detection
	s := &ast.Search{Name: ac.name, Pos: ac.pos, Body: body}
	if old := slices.IndexFunc(d.Searches, func(x *ast.Search) bool { return x.Name == ac.name }); old >= 0 {
		d.Searches[old] = s // pySigma assigns detections[name]: an existing search is replaced
	} else {
		d.Searches = append(d.Searches, s)
	}
	body.Walk(func(fm *ast.FieldMatch) { st.markItem(fm, it.Ref()) })
	ref := ast.Ref(ac.name)
	refNode := &ast.CondNode{Op: ast.CondIdent, Pos: ac.pos, Name: ac.name}
	prefix := ""
	if ac.negated {
		ref = ast.Not(ref)
		refNode = &ast.CondNode{Op: ast.CondNot, Pos: ac.pos, Args: []*ast.CondNode{refNode}}
		prefix = "not "
	}
	d.Condition = ast.And(ref, d.Condition)
	for i, c := range d.Conditions {
		nc := *c
		nc.Text = prefix + ac.name + " and (" + c.Text + ")"
		nc.Tree = &ast.CondNode{Op: ast.CondAnd, Pos: ac.pos, Args: []*ast.CondNode{refNode, {Op: ast.CondParen, Pos: c.Pos, Args: []*ast.CondNode{c.Tree}}}}
		d.Conditions[i] = &nc
	}
	return nil
}

// replaceString is replace_string: a regular expression substitution on string
// values (and numbers, as strings), on the Sigma notation of the value.
type replaceString struct {
	re               *regexp.Regexp
	repl             string
	skipSpecial      bool
	interpretSpecial bool
}

func (p *parser) replaceString(ps *params) transformation {
	rn, pn := ps.need("regex"), ps.need("replacement")
	if rn == nil || pn == nil {
		return nil
	}
	rs, _ := p.str(rn, "regex")
	repl := ""
	if !isNull(pn) {
		repl, _ = p.str(pn, "replacement")
	}
	t := &replaceString{}
	if v := ps.get("skip_special"); v != nil {
		t.skipSpecial = p.boolean(v, "skip_special")
	}
	if v := ps.get("interpret_special"); v != nil {
		t.interpretSpecial = p.boolean(v, "interpret_special")
	}
	re, err := regexp.Compile(rs)
	if err != nil {
		p.errf(rn, "replace_string: regular expression %q is invalid or uses a feature Go's RE2 lacks: %v", rs, err)
		return nil
	}
	t.re = re
	gr, err := pyReplacement(repl)
	if err != nil {
		p.errf(pn, "replace_string: %v", err)
		return nil
	}
	t.repl = gr
	return t
}

// pyReplacement turns a Python re.sub replacement (\1, \g<1>, \g<name>, \n, \\) into Go's Expand syntax.
func pyReplacement(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(s):
			n := s[i+1]
			switch {
			case n >= '0' && n <= '9':
				j := i + 1
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				b.WriteString("${" + s[i+1:j] + "}")
				i = j - 1
			case n == 'g':
				end := strings.IndexByte(s[i:], '>')
				if i+2 >= len(s) || s[i+2] != '<' || end < 0 {
					return "", fmt.Errorf("bad group reference in replacement %q", s)
				}
				b.WriteString("${" + s[i+3:i+end] + "}")
				i += end
			case n == 'n':
				b.WriteByte('\n')
				i++
			case n == 't':
				b.WriteByte('\t')
				i++
			case n == '\\':
				b.WriteByte('\\')
				i++
			case (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z'):
				return "", fmt.Errorf("bad escape \\%c in replacement %q", n, s)
			default:
				b.WriteByte('\\')
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// doubleBackslashes doubles every backslash not followed by * or ?, as pySigma's
// re.sub(r"\\(?![*?])", r"\\\\", ...) does.
func doubleBackslashes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '\\' && (i+1 == len(s) || (s[i+1] != '*' && s[i+1] != '?')) {
			b.WriteByte('\\')
		}
	}
	return b.String()
}

func (t *replaceString) value(v ast.Value) (ast.Value, bool) {
	switch v.Kind {
	case ast.ValNumber:
		s := v.Raw
		if s == "" {
			s = strconv.FormatFloat(v.Number, 'f', -1, 64)
		}
		v = ast.Value{Kind: ast.ValString, Pos: v.Pos, Raw: s, Parts: []ast.StringPart{{Kind: ast.PartLit, Text: s}}}
	case ast.ValString:
	default:
		return v, false
	}
	hadPlaceholder := slices.ContainsFunc(v.Parts, func(p ast.StringPart) bool { return p.Kind == ast.PartPlaceholder })
	if t.skipSpecial {
		var parts []ast.StringPart
		for _, p := range v.Parts {
			if p.Kind != ast.PartLit {
				parts = append(parts, p)
				continue
			}
			out := t.re.ReplaceAllString(p.Text, t.repl)
			if t.interpretSpecial {
				parts = append(parts, ast.ParseString(out, false)...)
			} else if out != "" {
				parts = append(parts, ast.StringPart{Kind: ast.PartLit, Text: out})
			}
		}
		v.Parts = mergeLits(parts)
	} else {
		out := t.re.ReplaceAllString(v.Pattern(), t.repl)
		// pySigma doubles every backslash that does not escape a wildcard before re-parsing.
		out = doubleBackslashes(out)
		v.Parts = ast.ParseString(out, hadPlaceholder)
	}
	v.Raw = v.Pattern()
	return v, true
}

func mergeLits(parts []ast.StringPart) []ast.StringPart {
	var out []ast.StringPart
	for _, p := range parts {
		if p.Kind == ast.PartLit && len(out) > 0 && out[len(out)-1].Kind == ast.PartLit {
			out[len(out)-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

func (t *replaceString) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		changed := false
		vals := slices.Clone(fm.Values)
		for i, v := range vals {
			if nv, ok := t.value(v); ok {
				vals[i] = nv
				changed = true
			}
		}
		if changed {
			fm.Values = vals
		}
		return result{changed: changed}, nil
	})
}

// placeholders is wildcard_placeholders and value_placeholders on %name% placeholders (the expand modifier).
type placeholders struct {
	wildcard               bool
	include, exclude       []string
	hasInclude, hasExclude bool
}

func (ph *placeholders) handled(name string) bool {
	return (!ph.hasInclude && !ph.hasExclude) ||
		(ph.hasInclude && slices.Contains(ph.include, name)) ||
		(ph.hasExclude && !slices.Contains(ph.exclude, name))
}

func (ph *placeholders) expand(st *state, parts []ast.StringPart) ([][]ast.StringPart, error) {
	out := [][]ast.StringPart{nil}
	for _, p := range parts {
		var alts [][]ast.StringPart
		switch {
		case p.Kind != ast.PartPlaceholder || !ph.handled(p.Text):
			alts = [][]ast.StringPart{{p}}
		case ph.wildcard:
			alts = [][]ast.StringPart{{{Kind: ast.PartStar}}}
		default:
			vals, ok := st.chain.Vars[p.Text]
			if !ok {
				return nil, fmt.Errorf("placeholder replacement variable %q doesn't exist", p.Text)
			}
			for _, v := range vals {
				var s string
				switch x := v.(type) {
				case string:
					s = x
				case float64:
					s = strconv.FormatFloat(x, 'f', -1, 64)
				default:
					return nil, fmt.Errorf("replacement variable %q contains a value which is not a string or number", p.Text)
				}
				alts = append(alts, ast.ParseString(s, false))
			}
		}
		var next [][]ast.StringPart
		for _, pre := range out {
			for _, a := range alts {
				next = append(next, append(slices.Clone(pre), a...))
			}
		}
		out = next
		if len(out) > 4096 {
			return nil, fmt.Errorf("placeholder expansion gives over 4,096 values")
		}
	}
	for i := range out {
		out[i] = mergeLits(out[i])
	}
	return out, nil
}

func (ph *placeholders) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		changed := false
		var vals []ast.Value
		for _, v := range fm.Values {
			if v.Kind != ast.ValString || !slices.ContainsFunc(v.Parts, func(p ast.StringPart) bool { return p.Kind == ast.PartPlaceholder && ph.handled(p.Text) }) {
				vals = append(vals, v)
				continue
			}
			alts, err := ph.expand(st, v.Parts)
			if err != nil {
				return result{}, fmt.Errorf("%s: %v", v.Pos, err)
			}
			for _, a := range alts {
				nv := v
				nv.Parts = a
				vals = append(vals, nv)
			}
			changed = true
		}
		if changed {
			fm.Values = vals
		}
		return result{changed: changed}, nil
	})
}

// strictMapping is strict_field_mapping_failure: the rule fails when one of its fields was
// neither mapped nor produced by a field name mapping of the detection items so far.
type strictMapping struct{}

func (strictMapping) apply(st *state, it *Item, r *ast.Rule) error {
	if r.Kind != ast.KindDetection {
		return nil
	}
	var unmapped []string
	seen := map[string]bool{}
	eachField(r, func(fm *ast.FieldMatch) {
		if fm.Field != "" && !st.mapped[fm.Field] && !seen[fm.Field] {
			seen[fm.Field] = true
			unmapped = append(unmapped, fm.Field)
		}
	})
	if len(unmapped) > 0 {
		return fmt.Errorf("the following fields are not mapped: %s", strings.Join(unmapped, ", "))
	}
	return nil
}
