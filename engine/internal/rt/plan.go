package rt

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/rulec/rulec/ast"
)

// TestKind is what a Test decides: one detection value on one field, or one
// keyword on every value of the event.
type TestKind uint8

// Test kinds.
const (
	TestString       TestKind = iota // string pattern of a simple shape: Op with needles A, B (lowered unless Cased)
	TestGlob                         // other string pattern: A in Sigma notation (see ParseSigmaString)
	TestNumber                       // number N; A and B are its canonical text and its text as written ("" when the same)
	TestBool                         // boolean Bool
	TestNull                         // null
	TestRegex                        // regular expression A (flags included); Guard lists literals one of which every match contains
	TestCIDR                         // network A
	TestCompare                      // numeric comparison Cmp with N
	TestExists                       // field present (Bool) or missing
	TestFieldRef                     // field compared with field Ref: equal, or A (contains, startswith, endswith); lowered unless Cased
	TestTime                         // time part Part compared (Cmp) with N
	TestKeyword                      // keyword of a simple shape (as TestString) on every value of the event
	TestKeywordGlob                  // keyword pattern (as TestGlob) on every value of the event
	TestKeywordRegex                 // keyword regular expression (as TestRegex) on every value of the event
	testKinds
)

// Test is one test of a compiled program: what the compiler decided a value
// form means, evaluated by State.Test for the interpreter and generated code alike.
type Test struct {
	Kind TestKind
	// Field is the rule field tested (AnyField for keywords).
	Field int32
	Cased bool
	Op    StrOp
	A, B  string
	N     float64
	Cmp   ast.CompareOp
	Bool  bool
	Ref   int32
	Part  string
	Guard []string
	// Lits are the Program.Literals of a contains needle or of the guard:
	// when the index scanned the field, its scan answers them.
	Lits []int32
	// Memo is the test's slot in the per-event memo (tests several rules or
	// logsource alternatives share), -1 when not memoized.
	Memo int32
}

// ExprOp is the operator of an Expr.
type ExprOp uint8

// Expression operators.
const (
	ExprFalse ExprOp = iota
	ExprTrue
	ExprTest // Test
	ExprNot  // Args[0]
	ExprAnd  // Args, short-circuit
	ExprOr   // Args, short-circuit
)

// Expr is a boolean expression over a program's tests: a rule's detection
// (its searches inlined into its condition) or a logsource alternative's conditions.
type Expr struct {
	Op   ExprOp
	Test int32
	Args []*Expr
}

func constExpr(v bool) *Expr {
	if v {
		return &Expr{Op: ExprTrue}
	}
	return &Expr{Op: ExprFalse}
}

func notExpr(e *Expr) *Expr {
	switch e.Op {
	case ExprNot:
		return e.Args[0]
	case ExprTrue:
		return constExpr(false)
	case ExprFalse:
		return constExpr(true)
	}
	return &Expr{Op: ExprNot, Args: []*Expr{e}}
}

// naryExpr flattens nested nodes of the same operator and folds constants.
func naryExpr(op ExprOp, args []*Expr) *Expr {
	identity, absorbing := ExprTrue, ExprFalse
	if op == ExprOr {
		identity, absorbing = ExprFalse, ExprTrue
	}
	out := make([]*Expr, 0, len(args))
	for _, a := range args {
		switch {
		case a.Op == op:
			out = append(out, a.Args...)
		case a.Op == identity:
		case a.Op == absorbing:
			return a
		default:
			out = append(out, a)
		}
	}
	switch len(out) {
	case 0:
		return &Expr{Op: identity}
	case 1:
		return out[0]
	}
	return &Expr{Op: op, Args: out}
}

// Eval evaluates an expression on the current event.
func (s *State) Eval(e *Expr) bool {
	switch e.Op {
	case ExprTrue:
		return true
	case ExprTest:
		return s.Test(e.Test)
	case ExprNot:
		return !s.Eval(e.Args[0])
	case ExprAnd:
		for _, a := range e.Args {
			if !s.Eval(a) {
				return false
			}
		}
		return true
	case ExprOr:
		for _, a := range e.Args {
			if s.Eval(a) {
				return true
			}
		}
	}
	return false
}

// testCode is the run-time form of a test: its pattern, expression or
// network compiled once by NewProgram.
type testCode struct {
	pat  *Pattern
	re   *regexp.Regexp
	run  *classRun // a run of byte classes every match of re contains, if selective (see regexRun)
	cidr netip.Prefix
}

// compileTests checks a program's tests and compiles their patterns,
// expressions and networks; it panics on an inconsistent table.
func compileTests(p *Program) []testCode {
	out := make([]testCode, len(p.Tests))
	nf := int32(len(p.Fields))
	for i := range p.Tests {
		t := &p.Tests[i]
		keyword := t.Kind >= TestKeyword
		if t.Kind >= testKinds || (keyword && t.Field != AnyField) || (!keyword && (t.Field < 0 || t.Field >= nf)) ||
			(t.Kind == TestFieldRef && (t.Ref < 0 || t.Ref >= nf)) || int(t.Memo) >= p.Memo {
			panic(fmt.Sprintf("engine: program: bad test %d", i))
		}
		for _, l := range t.Lits {
			if l < 0 || int(l) >= len(p.Literals) {
				panic(fmt.Sprintf("engine: program: test %d: unknown literal %d", i, l))
			}
		}
		if (t.Kind == TestRegex && len(t.Lits) != len(t.Guard)) || (t.Kind == TestString && len(t.Lits) > 1) {
			panic(fmt.Sprintf("engine: program: test %d: literals do not match", i))
		}
		switch t.Kind {
		case TestGlob, TestKeywordGlob:
			out[i].pat = CompilePattern(ParseSigmaString(t.A), t.Cased)
		case TestRegex, TestKeywordRegex:
			re, err := regexp.Compile(t.A)
			if err != nil {
				panic(fmt.Sprintf("engine: program: test %d: %v", i, err))
			}
			out[i].re = re
			if t.Kind == TestRegex {
				out[i].run = regexRun(t.A)
			}
		case TestCIDR:
			n, err := netip.ParsePrefix(t.A)
			if err != nil {
				panic(fmt.Sprintf("engine: program: test %d: %v", i, err))
			}
			out[i].cidr = n
		}
	}
	return out
}

// Test evaluates test i of the program on the current event (memoized when
// the program says so).
func (s *State) Test(i int32) bool {
	t := &s.prog.Tests[i]
	if t.Memo < 0 {
		return s.test(t, &s.b.tests[i])
	}
	if v, ok := s.Memo(int(t.Memo)); ok {
		return v
	}
	return s.SetMemo(int(t.Memo), s.test(t, &s.b.tests[i]))
}

func (s *State) test(t *Test, c *testCode) bool {
	switch t.Kind {
	case TestString:
		if len(t.Lits) == 1 {
			return s.ContainsLit(t.Field, t.Lits[0], t.A)
		}
		return s.anyStr(s.field(t.Field), t.Cased, t.Op, t.A, t.B)
	case TestGlob:
		return s.anyPattern(s.field(t.Field), c.pat)
	case TestNumber:
		return s.matchNumber(s.field(t.Field), t.N, t.A, t.B)
	case TestBool:
		return s.field(t.Field).MatchBool(t.Bool)
	case TestNull:
		return s.field(t.Field).MatchNull()
	case TestRegex:
		if len(t.Lits) > 0 && !s.anyLit(t) {
			return false
		}
		return s.field(t.Field).matchRegexp(c.re, c.run)
	case TestCIDR:
		return s.field(t.Field).MatchCIDR(c.cidr)
	case TestCompare:
		return s.field(t.Field).AnyNumber(func(x float64) bool { return t.Cmp.Holds(x, t.N) })
	case TestExists:
		return s.field(t.Field).ok == t.Bool
	case TestFieldRef:
		return s.fieldRef(s.field(t.Field), s.field(t.Ref), t.A, t.Cased)
	case TestTime:
		return s.field(t.Field).AnyTimePart(t.Part, func(x float64) bool { return t.Cmp.Holds(x, t.N) })
	}
	raw, low := s.values()
	for i := range raw {
		text := low[i]
		if t.Cased {
			text = raw[i]
		}
		switch t.Kind {
		case TestKeyword:
			if MatchStrOp(t.Op, text, t.A, t.B) {
				return true
			}
		case TestKeywordGlob:
			if c.pat.MatchLowered(text) {
				return true
			}
		case TestKeywordRegex:
			if (len(t.Guard) == 0 || containsAny(low[i], t.Guard)) && c.re.MatchString(raw[i]) {
				return true
			}
		}
	}
	return false
}

// anyLit reports whether the field holds one of a regular expression's guard literals.
func (s *State) anyLit(t *Test) bool {
	for k, l := range t.Lits {
		if s.ContainsLit(t.Field, l, t.Guard[k]) {
			return true
		}
	}
	return false
}

// containsAny reports whether s contains one of the needles.
func containsAny(s string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// planFuncs makes the detections and logsource conditions given only as
// plans evaluate them.
func planFuncs(p *Program) {
	for r := range p.Rules {
		if rule := &p.Rules[r]; rule.Detect == nil && rule.Plan != nil {
			plan := rule.Plan
			rule.Detect = func(s *State) bool { return s.Eval(plan) }
		}
	}
	for g := range p.Groups {
		for a := range p.Groups[g].Alts {
			if alt := &p.Groups[g].Alts[a]; alt.Where == nil && alt.WherePlan != nil {
				plan := alt.WherePlan
				alt.Where = func(s *State) bool { return s.Eval(plan) }
			}
		}
	}
}

// AnyTest reports whether one of the tests holds, evaluated in order up to the
// first that does: a long OR of tests in generated code.
func (s *State) AnyTest(ids []int32) bool {
	for _, i := range ids {
		if s.Test(i) {
			return true
		}
	}
	return false
}

// AllTest reports whether every test holds, evaluated in order up to the
// first that does not: a long AND of tests in generated code.
func (s *State) AllTest(ids []int32) bool {
	for _, i := range ids {
		if !s.Test(i) {
			return false
		}
	}
	return true
}
