package gogen

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
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
	op    engine.StrOp
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
	// users counts the distinct rules (and logsource alternatives) that call it.
	users    int
	lastUser int
	memo     int // memo slot, -1 when not memoized
}

// predTable interns predicates by their meaning.
type predTable struct {
	byKey   map[string]*pred
	list    []*pred
	globals []string // package-level variable declarations
	nglobal int
	user    int // current user id (rule or alternative), for sharing counts
	imports map[string]bool
}

func newPredTable() *predTable {
	return &predTable{byKey: map[string]*pred{}, imports: map[string]bool{}}
}

func (t *predTable) intern(key string, p *pred) string {
	q, ok := t.byKey[key]
	if !ok {
		p.id = len(t.list)
		p.lastUser = -1
		p.memo = -1
		t.byKey[key] = p
		t.list = append(t.list, p)
		q = p
		switch p.kind {
		case predGlob:
			q.global = t.global(fmt.Sprintf("engine.CompilePattern(engine.ParseSigmaString(%s), %v)", strconv.Quote(p.a), p.cased))
		case predRegex:
			q.global = t.global(fmt.Sprintf("regexp.MustCompile(%s)", strconv.Quote(p.a)))
			t.imports["regexp"] = true
		case predCIDR:
			q.global = t.global(fmt.Sprintf("netip.MustParsePrefix(%s)", strconv.Quote(p.a)))
			t.imports["net/netip"] = true
		case predKeyword:
			switch p.kwKind {
			case predGlob:
				q.global = t.global(fmt.Sprintf("engine.CompilePattern(engine.ParseSigmaString(%s), %v)", strconv.Quote(p.a), p.cased))
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
	return fmt.Sprintf("p%d", q.id)
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
func strOpExpr(v string, op engine.StrOp, a, b string) string {
	qa, qb := strconv.Quote(a), strconv.Quote(b)
	switch op {
	case engine.OpEqual:
		return v + " == " + qa
	case engine.OpPrefix:
		return "strings.HasPrefix(" + v + ", " + qa + ")"
	case engine.OpSuffix:
		return "strings.HasSuffix(" + v + ", " + qa + ")"
	case engine.OpContains:
		return "strings.Contains(" + v + ", " + qa + ")"
	case engine.OpPrefixSuffix:
		return fmt.Sprintf("len(%s) >= %d && strings.HasPrefix(%s, %s) && strings.HasSuffix(%s, %s)", v, len(a)+len(b), v, qa, v, qb)
	}
	return "true"
}

var opNames = map[engine.StrOp]string{
	engine.OpEqual: "engine.OpEqual", engine.OpPrefix: "engine.OpPrefix", engine.OpSuffix: "engine.OpSuffix",
	engine.OpContains: "engine.OpContains", engine.OpPrefixSuffix: "engine.OpPrefixSuffix", engine.OpAnything: "engine.OpAnything",
}

// render writes the predicate's function. Imports it needs are recorded in imports.
func (p *pred) render(fields []string, imports map[string]bool) string {
	var b strings.Builder
	if p.kind == predKeyword {
		fmt.Fprintf(&b, "// p%d is a keyword searched in every value.\n", p.id)
	} else {
		fmt.Fprintf(&b, "// p%d tests field %s.\n", p.id, comment(fields[p.field]))
	}
	fmt.Fprintf(&b, "func p%d(s *engine.GenState) bool {\n", p.id)
	if p.memo >= 0 {
		fmt.Fprintf(&b, "if v, ok := s.Memo(%d); ok {\nreturn v\n}\n", p.memo)
	}
	result := func(e string) {
		if p.memo >= 0 {
			fmt.Fprintf(&b, "return s.SetMemo(%d, %s)\n}\n", p.memo, e)
		} else {
			fmt.Fprintf(&b, "return %s\n}\n", e)
		}
	}
	field := fmt.Sprintf("s.Field(%d)", p.field)
	switch p.kind {
	case predStr:
		if p.op == engine.OpAnything {
			// Any scalar, or any array with a scalar element.
			result(fmt.Sprintf("s.AnyStr(%s, %v, engine.OpAnything, \"\", \"\")", field, p.cased))
			return b.String()
		}
		test := strOpExpr("t", p.op, p.a, p.b)
		if strings.Contains(test, "strings.") {
			imports["strings"] = true
		}
		get := "s.Lowered(f)"
		if p.cased {
			get = "f.Text()"
		}
		fmt.Fprintf(&b, "f := %s\nvar r bool\nif t, ok := %s; ok {\nr = %s\n} else {\nr = s.AnyStr(f, %v, %s, %s, %s)\n}\n",
			field, get, test, p.cased, opNames[p.op], strconv.Quote(p.a), strconv.Quote(p.b))
		result("r")
	case predGlob:
		result(fmt.Sprintf("s.AnyPattern(%s, %s)", field, p.global))
	case predNumber:
		result(fmt.Sprintf("s.MatchNumber(%s, %s, %s, %s)", field, floatLit(p.n), strconv.Quote(p.t1), strconv.Quote(p.t2)))
	case predBool:
		result(fmt.Sprintf("%s.MatchBool(%v)", field, p.bval))
	case predNull:
		result(field + ".MatchNull()")
	case predRegex:
		result(fmt.Sprintf("%s.MatchRegexp(%s)", field, p.global))
	case predCIDR:
		result(fmt.Sprintf("%s.MatchCIDR(%s)", field, p.global))
	case predCompare:
		result(fmt.Sprintf("%s.AnyNumber(func(x float64) bool { return %s })", field, cmpExpr(p.cmp, p.n)))
	case predExists:
		if p.bval {
			result(field + ".Exists()")
		} else {
			result("!" + field + ".Exists()")
		}
	case predFieldRef:
		result(fmt.Sprintf("s.FieldRef(%s, s.Field(%d), %s, %v)", field, p.ref, strconv.Quote(p.a), p.cased))
	case predTime:
		result(fmt.Sprintf("%s.AnyTimePart(%s, func(x float64) bool { return %s })", field, strconv.Quote(p.part), cmpExpr(p.cmp, p.n)))
	case predKeyword:
		var body string
		switch p.kwKind {
		case predStr:
			text := "low"
			if p.cased {
				text = "raw"
			}
			body = strOpExpr(text, p.op, p.a, p.b)
			if strings.Contains(body, "strings.") {
				imports["strings"] = true
			}
		case predGlob:
			text := "low"
			if p.cased {
				text = "raw"
			}
			body = fmt.Sprintf("%s.MatchLowered(%s)", p.global, text)
		case predRegex:
			body = fmt.Sprintf("%s.MatchString(raw)", p.global)
		}
		result(fmt.Sprintf("s.AnyText(func(raw, low string) bool { return %s })", body))
	default:
		result("false")
	}
	if strings.Contains(b.String(), "math.") {
		imports["math"] = true
	}
	return b.String()
}
