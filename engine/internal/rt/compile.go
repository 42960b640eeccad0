package rt

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/rulec/rulec/ast"
)

// This file is the one compiler of detections: it turns a rule's detection
// section (and a logsource's conditions) into an Expr over the Program's
// Tests, deciding once which test each value form becomes. The interpreter
// walks the Expr; gen-go renders it as Go calling State.Test.

// maxGuard bounds the literals checked before a regular expression runs.
const maxGuard = 4

// compiler turns AST matchers into expressions over interned tests.
type compiler struct {
	fields       *fieldTable
	placeholders map[string][]string
	tests        *testTable
	// warnings collects non-fatal problems of the rule being compiled.
	warnings ast.Diagnostics
}

// testTable interns tests by their meaning and the contains needles the index may answer.
type testTable struct {
	list     []Test
	byKey    map[string]int32
	users    []int // per test: distinct users (rules, logsource alternatives)
	lastUser []int // per test: last user counted
	user     int   // current user
	literals []Literal
	litID    map[Literal]int32
}

func newTestTable() *testTable {
	return &testTable{byKey: map[string]int32{}, litID: map[Literal]int32{}}
}

// literal returns the index of a contains needle in Program.Literals.
func (t *testTable) literal(field int32, needle string) int32 {
	l := Literal{Field: field, Needle: needle}
	id, ok := t.litID[l]
	if !ok {
		id = int32(len(t.literals))
		t.litID[l] = id
		t.literals = append(t.literals, l)
	}
	return id
}

// intern returns the expression testing x, adding x to the table when new.
func (t *testTable) intern(x Test) *Expr {
	key := fmt.Sprintf("%d|%d|%v|%d|%q|%q|%v|%q|%v|%d|%q|%q", x.Kind, x.Field, x.Cased, x.Op, x.A, x.B, x.N, x.Cmp, x.Bool, x.Ref, x.Part, x.Guard)
	id, ok := t.byKey[key]
	if !ok {
		id = int32(len(t.list))
		t.byKey[key] = id
		x.Memo = -1
		switch {
		case x.Kind == TestString && x.Op == OpContains && !x.Cased:
			x.Lits = []int32{t.literal(x.Field, x.A)}
		case x.Kind == TestRegex:
			for _, g := range x.Guard {
				x.Lits = append(x.Lits, t.literal(x.Field, g))
			}
		}
		t.list = append(t.list, x)
		t.users = append(t.users, 0)
		t.lastUser = append(t.lastUser, -1)
	}
	if t.lastUser[id] != t.user {
		t.lastUser[id] = t.user
		t.users[id]++
	}
	return &Expr{Op: ExprTest, Test: id}
}

func (cp *compiler) detection(d *ast.Detection) (*Expr, error) {
	if d == nil || d.Condition == nil {
		return nil, &CompileError{Msg: "rule has no detection condition"}
	}
	index := map[string]*Expr{}
	for _, s := range d.Searches {
		n, err := cp.matcher(s.Body)
		if err != nil {
			return nil, err
		}
		index[s.Name] = n
	}
	return cp.cond(d.Condition, index, d.Pos)
}

func (cp *compiler) cond(e *ast.Expr, index map[string]*Expr, pos ast.Pos) (*Expr, error) {
	switch e.Op {
	case ast.ExprRef:
		s, ok := index[e.Name]
		if !ok {
			return nil, &CompileError{Pos: pos, Msg: fmt.Sprintf("condition references unknown search %q", e.Name)}
		}
		return s, nil
	case ast.ExprConst:
		return constExpr(e.Value), nil
	case ast.ExprAnd, ast.ExprOr, ast.ExprNot:
		args := make([]*Expr, 0, len(e.Args))
		for _, a := range e.Args {
			ca, err := cp.cond(a, index, pos)
			if err != nil {
				return nil, err
			}
			args = append(args, ca)
		}
		switch e.Op {
		case ast.ExprNot:
			if len(args) != 1 {
				return nil, &CompileError{Pos: pos, Msg: "malformed not in condition"}
			}
			return notExpr(args[0]), nil
		case ast.ExprAnd:
			return naryExpr(ExprAnd, args), nil
		}
		return naryExpr(ExprOr, args), nil
	}
	return nil, &CompileError{Pos: pos, Msg: fmt.Sprintf("unknown condition operator %q", e.Op)}
}

func (cp *compiler) matcher(m *ast.Matcher) (*Expr, error) {
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
		args := make([]*Expr, 0, len(m.Items))
		for _, it := range m.Items {
			n, err := cp.matcher(it)
			if err != nil {
				return nil, err
			}
			args = append(args, n)
		}
		if m.Op == ast.MatchAll {
			return naryExpr(ExprAnd, args), nil
		}
		return naryExpr(ExprOr, args), nil
	}
	return nil, &CompileError{Pos: m.Pos, Msg: fmt.Sprintf("unknown matcher %q", m.Op)}
}

// fieldMatch compiles one detection item: its values OR-ed (AND-ed with all), optionally negated.
func (cp *compiler) fieldMatch(f *ast.FieldMatch) (*Expr, error) {
	args := make([]*Expr, 0, len(f.Values))
	for i := range f.Values {
		var a *Expr
		var err error
		if f.IsKeyword() {
			a, err = cp.keyword(&f.Values[i], f.Cased)
		} else {
			a, err = cp.value(&f.Values[i], f, cp.fields.id(f.Field))
		}
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	e := naryExpr(ExprOr, args)
	if f.All {
		e = naryExpr(ExprAnd, args)
	}
	if f.Negate {
		e = notExpr(e)
	}
	return e, nil
}

// value compiles one typed value of a field item on field fid.
func (cp *compiler) value(v *ast.Value, f *ast.FieldMatch, fid int32) (*Expr, error) {
	t := cp.tests
	if f.TimePart != "" {
		op := ast.OpEQ
		switch v.Kind {
		case ast.ValNumber:
		case ast.ValCompare:
			op = v.Op
		default:
			return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("time modifier %s needs a number, found %s", f.TimePart, v.Kind)}
		}
		return t.intern(Test{Kind: TestTime, Field: fid, Part: f.TimePart, Cmp: op, N: v.Number}), nil
	}
	switch v.Kind {
	case ast.ValString:
		variants := cp.expandPlaceholders(v)
		alts := make([]*Expr, len(variants))
		for i, parts := range variants {
			alts[i] = t.intern(patternTest(TestString, TestGlob, fid, parts, f.Cased))
		}
		return naryExpr(ExprOr, alts), nil
	case ast.ValNumber:
		t1, t2 := numberTexts(v.Number, v.Raw)
		return t.intern(Test{Kind: TestNumber, Field: fid, N: v.Number, A: t1, B: t2}), nil
	case ast.ValBool:
		return t.intern(Test{Kind: TestBool, Field: fid, Bool: v.Bool}), nil
	case ast.ValNull:
		return t.intern(Test{Kind: TestNull, Field: fid}), nil
	case ast.ValRegex:
		if _, err := compileRegex(v); err != nil {
			return nil, err
		}
		src := regexSource(v)
		return t.intern(Test{Kind: TestRegex, Field: fid, A: src, Guard: RegexGuard(src)}), nil
	case ast.ValCIDR:
		p, err := netip.ParsePrefix(v.CIDR)
		if err != nil {
			return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("invalid CIDR network %q: %v", v.CIDR, err)}
		}
		return t.intern(Test{Kind: TestCIDR, Field: fid, A: p.Masked().String()}), nil
	case ast.ValCompare:
		return t.intern(Test{Kind: TestCompare, Field: fid, Cmp: v.Op, N: v.Number}), nil
	case ast.ValExists:
		return t.intern(Test{Kind: TestExists, Field: fid, Bool: v.Bool}), nil
	case ast.ValFieldRef:
		return t.intern(Test{Kind: TestFieldRef, Field: fid, Ref: cp.fields.id(v.Ref), A: v.RefMatch, Cased: f.Cased}), nil
	case ast.ValExpansion:
		alts := make([]*Expr, 0, len(v.Variants))
		for i := range v.Variants {
			m, err := cp.value(&v.Variants[i], f, fid)
			if err != nil {
				return nil, err
			}
			alts = append(alts, m)
		}
		return naryExpr(ExprOr, alts), nil
	}
	return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("unsupported value kind %q", v.Kind)}
}

// keyword compiles one keyword value: found anywhere in a value (an implicit contains).
func (cp *compiler) keyword(v *ast.Value, cased bool) (*Expr, error) {
	t := cp.tests
	switch v.Kind {
	case ast.ValString:
		variants := cp.expandPlaceholders(v)
		alts := make([]*Expr, len(variants))
		for i, parts := range variants {
			alts[i] = t.intern(patternTest(TestKeyword, TestKeywordGlob, AnyField, ContainsParts(parts), cased))
		}
		return naryExpr(ExprOr, alts), nil
	case ast.ValNumber, ast.ValBool:
		parts := ContainsParts([]ast.StringPart{{Kind: ast.PartLit, Text: v.String()}})
		return t.intern(patternTest(TestKeyword, TestKeywordGlob, AnyField, parts, cased)), nil
	case ast.ValRegex:
		if _, err := compileRegex(v); err != nil {
			return nil, err
		}
		src := regexSource(v)
		return t.intern(Test{Kind: TestKeywordRegex, Field: AnyField, A: src, Guard: RegexGuard(src)}), nil
	case ast.ValExpansion:
		alts := make([]*Expr, 0, len(v.Variants))
		for i := range v.Variants {
			a, err := cp.keyword(&v.Variants[i], cased)
			if err != nil {
				return nil, err
			}
			alts = append(alts, a)
		}
		return naryExpr(ExprOr, alts), nil
	}
	return nil, &CompileError{Pos: v.Pos, Msg: fmt.Sprintf("a keyword cannot be a %s value", v.Kind)}
}

// patternTest is the test of a string pattern: a shape with lowered needles
// (simple), else the pattern in Sigma notation (glob), compiled once by NewProgram.
func patternTest(simple, glob TestKind, fid int32, parts []ast.StringPart, cased bool) Test {
	op, a, b, isGlob := PatternShape(NormalizePattern(parts, cased))
	if isGlob {
		return Test{Kind: glob, Field: fid, Cased: cased, A: sigmaString(parts)}
	}
	return Test{Kind: simple, Field: fid, Cased: cased, Op: op, A: a, B: b}
}

// sigmaString renders parts in Sigma notation that ParseSigmaString reads
// back exactly: every backslash, `*` and `?` of a literal is escaped.
func sigmaString(parts []ast.StringPart) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ast.PartLit:
			for i := 0; i < len(p.Text); i++ {
				if ch := p.Text[i]; ch == '\\' || ch == '*' || ch == '?' {
					b.WriteByte('\\')
				}
				b.WriteByte(p.Text[i])
			}
		case ast.PartQuestion:
			b.WriteByte('?')
		default: // star, and placeholders left unresolved
			b.WriteByte('*')
		}
	}
	return b.String()
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
