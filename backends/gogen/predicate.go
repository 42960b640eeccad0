package gogen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine/abi"
)

// predKind is the kind of a predicate: one detection value tested on one field,
// or one keyword tested on the whole event.
type predKind uint8

const (
	predStr      predKind = iota // string pattern of a simple shape
	predGlob                     // other string pattern, through engine.Pattern
	predNumber                   // number value
	predBool                     // boolean value
	predNull                     // null value
	predRegex                    // regular expression
	predCIDR                     // network
	predCompare                  // lt/lte/gt/gte (and number values under a time modifier)
	predExists                   // exists modifier
	predFieldRef                 // fieldref modifier
	predTime                     // time modifier with a number or comparison
	predKeyword                  // keyword search (text of any value)
)

// pred is one generated predicate function.
type pred struct {
	id    int
	kind  predKind
	field int32 // event field id (not for keywords)
	cased bool
	op    abi.StrOp
	a, b  string  // needles (lowered unless cased), or the CIDR/regex/glob source, or the fieldref mode
	n     float64 // number
	t1    string  // number texts
	t2    string
	cmp   ast.CompareOp
	bval  bool
	ref   int32  // fieldref field
	part  string // time part
	// keyword text matcher: kind predStr/predGlob/predRegex in kwKind
	kwKind predKind
	// global is the package-level variable the predicate uses (glob, regex, CIDR), if any.
	global string
	// guard lists lowered literals of which a regular expression's every match contains one:
	// checking them first skips most runs of the expression.
	guard []string
	// lits are the abi.Program.Literals of a contains test or of the guard.
	lits []int
	// users counts the distinct rules (and logsource alternatives) that call it.
	users    int
	lastUser int
	memo     int // memo slot, -1 when not memoized
}

// predTable interns predicates by their meaning.
type predTable struct {
	// literals are the contains needles of predicates, by (field, needle):
	// abi.Program.Literals, answered by the index scan when it runs.
	literals []literal
	litID    map[literal]int
	byKey    map[string]*pred
	list     []*pred
	globals  []string // package-level variable declarations
	nglobal  int
	user     int // current user id (rule or alternative), for sharing counts
	imports  map[string]bool
}

// literal is a lowered needle searched in a field.
type literal struct {
	field  int32
	needle string
}

func newPredTable() *predTable {
	return &predTable{byKey: map[string]*pred{}, imports: map[string]bool{}, litID: map[literal]int{}}
}

// literal returns the index of a contains needle in abi.Program.Literals.
func (t *predTable) literal(field int32, needle string) int {
	l := literal{field, needle}
	id, ok := t.litID[l]
	if !ok {
		id = len(t.literals)
		t.litID[l] = id
		t.literals = append(t.literals, l)
	}
	return id
}

func (t *predTable) intern(key string, p *pred) *pred {
	q, ok := t.byKey[key]
	if !ok {
		p.id = len(t.list)
		p.lastUser = -1
		p.memo = -1
		t.byKey[key] = p
		t.list = append(t.list, p)
		q = p
		switch p.kind {
		case predStr:
			if p.op == abi.OpContains && !p.cased {
				q.lits = []int{t.literal(p.field, p.a)}
			}
		case predGlob:
			q.global = t.global(fmt.Sprintf("abi.CompilePattern(%s, %v)", strconv.Quote(p.a), p.cased))
		case predRegex:
			q.global = t.global(fmt.Sprintf("regexp.MustCompile(%s)", strconv.Quote(p.a)))
			t.imports["regexp"] = true
			for _, g := range p.guard {
				q.lits = append(q.lits, t.literal(p.field, g))
			}
		case predCIDR:
			q.global = t.global(fmt.Sprintf("netip.MustParsePrefix(%s)", strconv.Quote(p.a)))
			t.imports["net/netip"] = true
		case predKeyword:
			switch p.kwKind {
			case predGlob:
				q.global = t.global(fmt.Sprintf("abi.CompilePattern(%s, %v)", strconv.Quote(p.a), p.cased))
			case predRegex:
				q.global = t.global(fmt.Sprintf("regexp.MustCompile(%s)", strconv.Quote(p.a)))
				t.imports["regexp"] = true
			}
		}
	}
	if q.lastUser != t.user {
		q.lastUser = t.user
		q.users++
	}
	return q
}

func (t *predTable) global(init string) string {
	name := fmt.Sprintf("v%d", t.nglobal)
	t.nglobal++
	t.globals = append(t.globals, fmt.Sprintf("%s = %s", name, init))
	return name
}

// floatLit renders a float64 as a Go expression of the same value.
func floatLit(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "math.Inf(1)"
	case math.IsInf(f, -1):
		return "math.Inf(-1)"
	case math.IsNaN(f):
		return "math.NaN()"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// cmpExpr renders `x op n` for a comparison operator.
func cmpExpr(op ast.CompareOp, n float64) string {
	sym := map[ast.CompareOp]string{ast.OpLT: "<", ast.OpLTE: "<=", ast.OpGT: ">", ast.OpGTE: ">=", ast.OpEQ: "==", ast.OpNEQ: "!="}[op]
	if sym == "" {
		return "false"
	}
	return "x " + sym + " " + floatLit(n)
}

// strOpExpr renders a string shape applied to the text variable v.
func strOpExpr(v string, op abi.StrOp, a, b string) string {
	qa, qb := strconv.Quote(a), strconv.Quote(b)
	switch op {
	case abi.OpEqual:
		return v + " == " + qa
	case abi.OpPrefix:
		return "strings.HasPrefix(" + v + ", " + qa + ")"
	case abi.OpSuffix:
		return "strings.HasSuffix(" + v + ", " + qa + ")"
	case abi.OpContains:
		return "strings.Contains(" + v + ", " + qa + ")"
	case abi.OpPrefixSuffix:
		return fmt.Sprintf("len(%s) >= %d && strings.HasPrefix(%s, %s) && strings.HasSuffix(%s, %s)", v, len(a)+len(b), v, qa, v, qb)
	}
	return "true"
}

// strMethods names the abi.State method of each string shape, case-insensitive and cased.
var strMethods = map[abi.StrOp][2]string{
	abi.OpEqual: {"Equal", "EqualCased"}, abi.OpPrefix: {"Prefix", "PrefixCased"},
	abi.OpSuffix: {"Suffix", "SuffixCased"}, abi.OpContains: {"Contains", "ContainsCased"},
	abi.OpPrefixSuffix: {"PrefixSuffix", "PrefixSuffixCased"}, abi.OpAnything: {"AnyScalar", "AnyScalar"},
}

// inline returns the Go expression evaluating the predicate (s is the
// *abi.State). Imports it needs are recorded in imports.
func (p *pred) inline(imports map[string]bool) string {
	var e string
	field := fmt.Sprintf("s.Field(%d)", p.field)
	switch p.kind {
	case predStr:
		m := strMethods[p.op][0]
		if p.cased {
			m = strMethods[p.op][1]
		}
		switch {
		case len(p.lits) == 1:
			e = fmt.Sprintf("s.ContainsLit(%d, %d, %s)", p.field, p.lits[0], strconv.Quote(p.a))
		case p.op == abi.OpAnything:
			e = fmt.Sprintf("s.%s(%d)", m, p.field)
		case p.op == abi.OpPrefixSuffix:
			e = fmt.Sprintf("s.%s(%d, %s, %s)", m, p.field, strconv.Quote(p.a), strconv.Quote(p.b))
		default:
			e = fmt.Sprintf("s.%s(%d, %s)", m, p.field, strconv.Quote(p.a))
		}
	case predGlob:
		e = fmt.Sprintf("s.Glob(%d, %s)", p.field, p.global)
	case predNumber:
		e = fmt.Sprintf("s.Number(%d, %s, %s, %s)", p.field, floatLit(p.n), strconv.Quote(p.t1), strconv.Quote(p.t2))
	case predBool:
		e = fmt.Sprintf("%s.MatchBool(%v)", field, p.bval)
	case predNull:
		e = field + ".MatchNull()"
	case predRegex:
		e = fmt.Sprintf("%s.MatchRegexp(%s)", field, p.global)
		if len(p.guard) > 0 {
			checks := make([]string, len(p.guard))
			for i, g := range p.guard {
				checks[i] = fmt.Sprintf("s.ContainsLit(%d, %d, %s)", p.field, p.lits[i], strconv.Quote(g))
			}
			e = "(" + strings.Join(checks, " || ") + ") && " + e
		}
	case predCIDR:
		e = fmt.Sprintf("%s.MatchCIDR(%s)", field, p.global)
	case predCompare:
		e = fmt.Sprintf("%s.AnyNumber(func(x float64) bool { return %s })", field, cmpExpr(p.cmp, p.n))
	case predExists:
		if p.bval {
			e = field + ".Exists()"
		} else {
			e = field + ".Missing()"
		}
	case predFieldRef:
		e = fmt.Sprintf("s.FieldRef(%s, s.Field(%d), %s, %v)", field, p.ref, strconv.Quote(p.a), p.cased)
	case predTime:
		e = fmt.Sprintf("%s.AnyTimePart(%s, func(x float64) bool { return %s })", field, strconv.Quote(p.part), cmpExpr(p.cmp, p.n))
	case predKeyword:
		text := "low"
		if p.cased {
			text = "raw"
		}
		var body string
		switch p.kwKind {
		case predStr:
			body = strOpExpr(text, p.op, p.a, p.b)
			if strings.Contains(body, "strings.") {
				imports["strings"] = true
			}
		case predGlob:
			body = fmt.Sprintf("%s.MatchLowered(%s)", p.global, text)
		case predRegex:
			body = fmt.Sprintf("%s.MatchString(raw)", p.global)
			if len(p.guard) > 0 {
				checks := make([]string, len(p.guard))
				for i, g := range p.guard {
					checks[i] = fmt.Sprintf("strings.Contains(low, %s)", strconv.Quote(g))
				}
				body = "(" + strings.Join(checks, " || ") + ") && " + body
				imports["strings"] = true
			}
		}
		e = fmt.Sprintf("s.AnyText(func(raw, low string) bool { return %s })", body)
	default:
		e = "false"
	}
	if strings.Contains(e, "math.") {
		imports["math"] = true
	}
	return e
}

// render writes the function of a memoized predicate.
func (p *pred) render(fields []string, imports map[string]bool) string {
	var b strings.Builder
	if p.kind == predKeyword {
		fmt.Fprintf(&b, "// p%d is a keyword searched in every value.\n", p.id)
	} else {
		fmt.Fprintf(&b, "// p%d tests field %s.\n", p.id, comment(fields[p.field]))
	}
	fmt.Fprintf(&b, "func p%d(s *abi.State) bool {\nif v, ok := s.Memo(%d); ok {\nreturn v\n}\nreturn s.SetMemo(%d, %s)\n}\n",
		p.id, p.memo, p.memo, p.inline(imports))
	return b.String()
}
