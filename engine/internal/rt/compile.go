package rt

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/rulec/rulec/ast"
)

// node is a compiled matcher tree node.
type node interface {
	eval(c *evalCtx) bool
}

type allNode []node

func (n allNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if !x.eval(c) {
			return false
		}
	}
	return true
}

type anyNode []node

func (n anyNode) eval(c *evalCtx) bool {
	for _, x := range n {
		if x.eval(c) {
			return true
		}
	}
	return false
}

type constNode bool

func (n constNode) eval(*evalCtx) bool { return bool(n) }

// fieldNode is one detection item on a field: its values OR-ed (AND-ed with all), optionally negated.
type fieldNode struct {
	field  int32
	vals   []valueMatcher
	all    bool
	negate bool
}

func (n *fieldNode) eval(c *evalCtx) bool {
	s := c.field(n.field)
	r := n.all
	for _, v := range n.vals {
		if v.match(c, s) != n.all {
			r = !n.all
			break
		}
	}
	return r != n.negate
}

// keywordNode is a keyword search: each value must be found in some scalar value of the event.
type keywordNode struct {
	vals   []textMatcher
	all    bool
	negate bool
}

// textMatcher decides a keyword against one scalar value of the event (raw and lowered text).
type textMatcher interface {
	matchText(raw, lowered string) bool
}

type patText struct{ p *Pattern }

func (m patText) matchText(raw, lowered string) bool {
	if m.p.cased {
		return m.p.MatchLowered(raw)
	}
	return m.p.MatchLowered(lowered)
}

// regexText is a regular expression keyword; a value whose lowered text has
// none of the guard literals (see RegexGuard) cannot match and is not searched.
type regexText struct {
	re    *regexp.Regexp
	guard []string
}

func (m regexText) matchText(raw, lowered string) bool {
	return (len(m.guard) == 0 || containsAny(lowered, m.guard)) && m.re.MatchString(raw)
}

// maxGuard bounds the literals checked before a regular expression runs.
const maxGuard = 4

// containsAny reports whether s contains one of the needles.
func containsAny(s string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

type anyText []textMatcher

func (m anyText) matchText(raw, lowered string) bool {
	for _, x := range m {
		if x.matchText(raw, lowered) {
			return true
		}
	}
	return false
}

func (n *keywordNode) eval(c *evalCtx) bool {
	raw, low := c.values()
	r := n.all
	for _, v := range n.vals {
		found := false
		for i := range raw {
			if v.matchText(raw[i], low[i]) {
				found = true
				break
			}
		}
		if found != n.all {
			r = !n.all
			break
		}
	}
	return r != n.negate
}

// cond is the compiled condition IR: search references are indices.
type cond struct {
	op     ast.ExprOp
	args   []cond
	search int
	value  bool
}

func (e *cond) eval(c *evalCtx, searches []node) bool {
	switch e.op {
	case ast.ExprRef:
		return searches[e.search].eval(c)
	case ast.ExprConst:
		return e.value
	case ast.ExprNot:
		return !e.args[0].eval(c, searches)
	case ast.ExprAnd:
		for i := range e.args {
			if !e.args[i].eval(c, searches) {
				return false
			}
		}
		return true
	case ast.ExprOr:
		for i := range e.args {
			if e.args[i].eval(c, searches) {
				return true
			}
		}
	}
	return false
}

// detection is a compiled detection section.
type detection struct {
	searches []node
	cond     cond
}

func (d *detection) eval(c *evalCtx) bool { return d.cond.eval(c, d.searches) }

// compiler turns AST matchers into nodes over an interned field table.
type compiler struct {
	fields       *fieldTable
	placeholders map[string][]string
	// warnings collects non-fatal problems of the rule being compiled.
	warnings ast.Diagnostics
	// literals are the contains needles of case-insensitive values, by
	// field: Program.Literals, answered by the index scan when it runs.
	literals []Literal
	litID    map[Literal]int32
}

// literal returns the index of a lowered contains needle of a field in Program.Literals.
func (cp *compiler) literal(field int32, needle string) int32 {
	l := Literal{Field: field, Needle: needle}
	id, ok := cp.litID[l]
	if !ok {
		if cp.litID == nil {
			cp.litID = map[Literal]int32{}
		}
		id = int32(len(cp.literals))
		cp.litID[l] = id
		cp.literals = append(cp.literals, l)
	}
	return id
}

// strValue compiles a string pattern of a field; a case-insensitive contains
// is answered by the field's index scan when it ran (State.ContainsLit).
func (cp *compiler) strValue(parts []ast.StringPart, f *ast.FieldMatch) valueMatcher {
	p := CompilePattern(parts, f.Cased)
	if p.kind == patContains && !p.cased && p.a != "" {
		id := cp.fields.id(f.Field)
		return &litMatcher{field: id, lit: cp.literal(id, p.a), a: p.a}
	}
	return &strMatcher{p: p}
}

func (cp *compiler) detection(d *ast.Detection) (*detection, error) {
	if d == nil || d.Condition == nil {
		return nil, &CompileError{Msg: "rule has no detection condition"}
	}
	out := &detection{}
	index := map[string]int{}
	for _, s := range d.Searches {
		n, err := cp.matcher(s.Body)
		if err != nil {
			return nil, err
		}
		index[s.Name] = len(out.searches)
		out.searches = append(out.searches, n)
	}
	c, err := cp.cond(d.Condition, index, d.Pos)
	if err != nil {
		return nil, err
	}
	out.cond = c
	return out, nil
}

func (cp *compiler) cond(e *ast.Expr, index map[string]int, pos ast.Pos) (cond, error) {
	out := cond{op: e.Op, value: e.Value}
	switch e.Op {
	case ast.ExprRef:
		i, ok := index[e.Name]
		if !ok {
			return out, &CompileError{Pos: pos, Msg: fmt.Sprintf("condition references unknown search %q", e.Name)}
		}
		out.search = i
	case ast.ExprConst:
	case ast.ExprAnd, ast.ExprOr, ast.ExprNot:
		for _, a := range e.Args {
			ca, err := cp.cond(a, index, pos)
			if err != nil {
				return out, err
			}
			out.args = append(out.args, ca)
		}
		if e.Op == ast.ExprNot && len(out.args) != 1 {
			return out, &CompileError{Pos: pos, Msg: "malformed not in condition"}
		}
	default:
		return out, &CompileError{Pos: pos, Msg: fmt.Sprintf("unknown condition operator %q", e.Op)}
	}
	return out, nil
}

func (cp *compiler) matcher(m *ast.Matcher) (node, error) {
	if m == nil {
		return nil, &CompileError{Msg: "empty search"}
	}
	switch m.Op {
	case ast.MatchField:
		if m.Field == nil {
			return nil, &CompileError{Pos: m.Pos, Msg: "field matcher without item"}
		}
		return cp.fieldMatch(m.Field)
	case ast.MatchAll, ast.MatchAny:
		nodes := make([]node, 0, len(m.Items))
		for _, it := range m.Items {
			n, err := cp.matcher(it)
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
		}
		if len(nodes) == 1 {
			return nodes[0], nil
		}
		if m.Op == ast.MatchAll {
			if len(nodes) == 0 {
				return constNode(true), nil
			}
			return allNode(nodes), nil
		}
		if len(nodes) == 0 {
			return constNode(false), nil
		}
		return anyNode(nodes), nil
	}
	return nil, &CompileError{Pos: m.Pos, Msg: fmt.Sprintf("unknown matcher %q", m.Op)}
}

func (cp *compiler) fieldMatch(f *ast.FieldMatch) (node, error) {
	if f.IsKeyword() {
		n := &keywordNode{all: f.All, negate: f.Negate}
		for i := range f.Values {
			t, err := cp.keyword(&f.Values[i], f.Cased)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, t)
		}
		return n, nil
	}
	n := &fieldNode{field: cp.fields.id(f.Field), all: f.All, negate: f.Negate}
	for i := range f.Values {
		v, err := cp.value(&f.Values[i], f)
		if err != nil {
			return nil, err
		}
		n.vals = append(n.vals, v)
	}
	return n, nil
}

// value compiles one typed value of a field item.
func (cp *compiler) value(v *ast.Value, f *ast.FieldMatch) (valueMatcher, error) {
	if f.TimePart != "" {
		switch v.Kind {
		case ast.ValNumber:
			return &timeMatcher{part: f.TimePart, op: ast.OpEQ, n: v.Number}, nil
		case ast.ValCompare:
			return &timeMatcher{part: f.TimePart, op: v.Op, n: v.Number}, nil
		}
		return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("time modifier %s needs a number, found %s", f.TimePart, v.Kind)}
	}
	switch v.Kind {
	case ast.ValString:
		variants := cp.expandPlaceholders(v)
		if len(variants) == 1 {
			return cp.strValue(variants[0], f), nil
		}
		alts := make(anyMatcher, len(variants))
		for i, parts := range variants {
			alts[i] = cp.strValue(parts, f)
		}
		return alts, nil
	case ast.ValNumber:
		m := &numMatcher{n: v.Number}
		m.t1, m.t2 = numberTexts(v.Number, v.Raw)
		return m, nil
	case ast.ValBool:
		return &boolMatcher{b: v.Bool}, nil
	case ast.ValNull:
		return nullMatcher{}, nil
	case ast.ValRegex:
		re, err := compileRegex(v)
		if err != nil {
			return nil, err
		}
		m := &regexMatcher{re: re, guard: RegexGuard(regexSource(v)), field: cp.fields.id(f.Field), run: regexRun(regexSource(v))}
		for _, g := range m.guard {
			m.lits = append(m.lits, cp.literal(m.field, g))
		}
		return m, nil
	case ast.ValCIDR:
		p, err := netip.ParsePrefix(v.CIDR)
		if err != nil {
			return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("invalid CIDR network %q: %v", v.CIDR, err)}
		}
		return &cidrMatcher{p: p.Masked()}, nil
	case ast.ValCompare:
		return &compareMatcher{op: v.Op, n: v.Number}, nil
	case ast.ValExists:
		return &existsMatcher{want: v.Bool}, nil
	case ast.ValFieldRef:
		return &fieldrefMatcher{ref: cp.fields.id(v.Ref), mode: v.RefMatch, cased: f.Cased}, nil
	case ast.ValExpansion:
		alts := make(anyMatcher, 0, len(v.Variants))
		for i := range v.Variants {
			m, err := cp.value(&v.Variants[i], f)
			if err != nil {
				return nil, err
			}
			alts = append(alts, m)
		}
		return alts, nil
	}
	return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("unsupported value kind %q", v.Kind)}
}

// keyword compiles one keyword value: found anywhere in a value (an implicit contains).
func (cp *compiler) keyword(v *ast.Value, cased bool) (textMatcher, error) {
	switch v.Kind {
	case ast.ValString:
		variants := cp.expandPlaceholders(v)
		alts := make(anyText, len(variants))
		for i, parts := range variants {
			alts[i] = patText{p: CompilePattern(ContainsParts(parts), cased)}
		}
		if len(alts) == 1 {
			return alts[0], nil
		}
		return alts, nil
	case ast.ValNumber, ast.ValBool:
		return patText{p: CompilePattern(ContainsParts([]ast.StringPart{{Kind: ast.PartLit, Text: v.String()}}), cased)}, nil
	case ast.ValRegex:
		re, err := compileRegex(v)
		if err != nil {
			return nil, err
		}
		return regexText{re: re, guard: RegexGuard(regexSource(v))}, nil
	case ast.ValExpansion:
		alts := make(anyText, 0, len(v.Variants))
		for i := range v.Variants {
			t, err := cp.keyword(&v.Variants[i], cased)
			if err != nil {
				return nil, err
			}
			alts = append(alts, t)
		}
		return alts, nil
	}
	return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("a keyword cannot be a %s value", v.Kind)}
}

// ContainsParts surrounds a pattern with `*` unless already there: a keyword
// is found anywhere in a value. The interpreter and generated code share it.
func ContainsParts(parts []ast.StringPart) []ast.StringPart {
	out := make([]ast.StringPart, 0, len(parts)+2)
	if len(parts) == 0 || parts[0].Kind != ast.PartStar {
		out = append(out, ast.StringPart{Kind: ast.PartStar})
	}
	out = append(out, parts...)
	if len(parts) == 0 || parts[len(parts)-1].Kind != ast.PartStar {
		out = append(out, ast.StringPart{Kind: ast.PartStar})
	}
	return out
}

// compileRegex compiles a regular expression value with its i/m/s flags.
func compileRegex(v *ast.Value) (*regexp.Regexp, error) {
	re, err := regexp.Compile(regexSource(v))
	if err != nil {
		return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("regular expression %q is not supported by the Go (RE2) engine: %v", v.Regex, err)}
	}
	return re, nil
}

// MaxPlaceholderVariants bounds the expansion of placeholder values in one value.
const MaxPlaceholderVariants = 4096

// ExpandPlaceholders replaces %name% placeholders by the given values for them
// (each a Sigma string pattern), returning every variant. It returns no variant,
// with a reason, when a placeholder has no values or the variants exceed
// MaxPlaceholderVariants: such a value matches nothing. The interpreter and
// generated code share it.
func ExpandPlaceholders(parts []ast.StringPart, values map[string][]string) ([][]ast.StringPart, string) {
	has := false
	for _, p := range parts {
		has = has || p.Kind == ast.PartPlaceholder
	}
	if !has {
		return [][]ast.StringPart{parts}, ""
	}
	out := [][]ast.StringPart{nil}
	for _, p := range parts {
		if p.Kind != ast.PartPlaceholder {
			for i := range out {
				out[i] = append(out[i], p)
			}
			continue
		}
		vals := values[p.Text]
		if len(vals) == 0 {
			return nil, fmt.Sprintf("placeholder %%%s%% has no values in the logsource profile: the value matches nothing (give values under placeholders: in a profile)", p.Text)
		}
		if len(out)*len(vals) > MaxPlaceholderVariants {
			return nil, fmt.Sprintf("placeholders expand to more than %d variants: the value matches nothing", MaxPlaceholderVariants)
		}
		next := make([][]ast.StringPart, 0, len(out)*len(vals))
		for _, prefix := range out {
			for _, val := range vals {
				next = append(next, append(append([]ast.StringPart(nil), prefix...), ParseSigmaString(val)...))
			}
		}
		out = next
	}
	return out, ""
}

// expandPlaceholders is ExpandPlaceholders with the profile's values, recording a warning when the value matches nothing.
func (cp *compiler) expandPlaceholders(v *ast.Value) [][]ast.StringPart {
	out, why := ExpandPlaceholders(v.Parts, cp.placeholders)
	if why != "" {
		cp.warnings = append(cp.warnings, ast.Diagnostic{Pos: v.Pos, Severity: ast.SeverityWarning, Code: "placeholder", Message: why})
	}
	return out
}

// ParseSigmaString parses a Sigma string pattern (`*`, `?`, `\` escapes) as found
// in configuration such as placeholder values.
func ParseSigmaString(s string) []ast.StringPart { return ast.ParseString(s, false) }
