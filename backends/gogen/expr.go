package gogen

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rulec/rulec/engine/abi"
)

// maxInline is the longest and/or list written as one Go expression; longer
// lists become helper functions so that no expression grows without bound.
const maxInline = 16

// minTable is the shortest run of tests in an and/or list written as a table
// (State.AnyTest, State.AllTest) instead of one call per test.
const minTable = 6

// funcWriter renders the engine's compiled expressions (abi.Expr) as Go: the
// condition's structure becomes Go's && || !, each test a call of
// abi.State.Test, long runs of tests a table of test ids. Long lists spill
// into helper functions.
type funcWriter struct {
	prefix  string // helper and table name prefix, e.g. "r12"
	helpers []string
	tables  []string
	n       int
}

// render returns the Go expression for e (s is the *abi.State parameter).
func (w *funcWriter) render(e *abi.Expr) string {
	s, _ := w.expr(e)
	return s
}

// expr renders e; compound reports a top-level && or || list.
func (w *funcWriter) expr(e *abi.Expr) (s string, compound bool) {
	switch e.Op {
	case abi.ExprTrue:
		return "true", false
	case abi.ExprFalse:
		return "false", false
	case abi.ExprTest:
		return fmt.Sprintf("s.Test(%d)", e.Test), false
	case abi.ExprNot:
		inner := w.atom(e.Args[0])
		if strings.HasPrefix(inner, "!") {
			return "!(" + inner + ")", false
		}
		return "!" + inner, false
	case abi.ExprAnd, abi.ExprOr:
	default:
		return "false", false
	}
	parts := w.segments(e)
	if len(parts) == 1 {
		return parts[0], false
	}
	if len(parts) > maxInline {
		return w.helper(e.Op, parts) + "(s)", false
	}
	sep := " && "
	if e.Op == abi.ExprOr {
		sep = " || "
	}
	return strings.Join(parts, sep), true
}

// segments renders the operands of an and/or list in order, each run of at
// least minTable tests as one table call.
func (w *funcWriter) segments(e *abi.Expr) []string {
	var out []string
	for i := 0; i < len(e.Args); {
		j := i
		for j < len(e.Args) && e.Args[j].Op == abi.ExprTest {
			j++
		}
		if j-i >= minTable {
			out = append(out, w.table(e.Op, e.Args[i:j]))
			i = j
			continue
		}
		out = append(out, w.atom(e.Args[i]))
		i++
	}
	return out
}

// table writes the test ids of a run as a package-level table and returns its call.
func (w *funcWriter) table(op abi.ExprOp, run []*abi.Expr) string {
	name := fmt.Sprintf("%st%d", w.prefix, w.n)
	w.n++
	var b strings.Builder
	fmt.Fprintf(&b, "var %s = []int32{", name)
	for k, a := range run {
		if k%16 == 0 {
			b.WriteString("\n")
		}
		b.WriteString(strconv.Itoa(int(a.Test)) + ", ")
	}
	b.WriteString("\n}\n")
	w.tables = append(w.tables, b.String())
	if op == abi.ExprOr {
		return "s.AnyTest(" + name + ")"
	}
	return "s.AllTest(" + name + ")"
}

// atom renders e parenthesised when it is an and/or list written inline.
func (w *funcWriter) atom(e *abi.Expr) string {
	s, compound := w.expr(e)
	if compound {
		return "(" + s + ")"
	}
	return s
}

// helper writes a function evaluating a long and/or list statement by statement.
func (w *funcWriter) helper(op abi.ExprOp, parts []string) string {
	name := fmt.Sprintf("%sh%d", w.prefix, w.n)
	w.n++
	var b strings.Builder
	fmt.Fprintf(&b, "func %s(s *abi.State) bool {\n", name)
	for _, p := range parts {
		if op == abi.ExprOr {
			fmt.Fprintf(&b, "if %s {\nreturn true\n}\n", p)
		} else {
			fmt.Fprintf(&b, "if !%s {\nreturn false\n}\n", p)
		}
	}
	fmt.Fprintf(&b, "return %v\n}\n", op == abi.ExprAnd)
	w.helpers = append(w.helpers, b.String())
	return name
}
