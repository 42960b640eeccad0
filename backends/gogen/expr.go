package gogen

import (
	"fmt"
	"strings"
)

// expr is a boolean expression of generated code: calls of generated
// functions combined with and, or, not.
type expr struct {
	op   byte // 'c' call or predicate, '!' not, '&' and, '|' or, 'T' true, 'F' false
	call string
	pred *pred // the predicate of a 'c' node without call
	args []*expr
}

var (
	exprTrue  = &expr{op: 'T'}
	exprFalse = &expr{op: 'F'}
)

func callExpr(name string) *expr { return &expr{op: 'c', call: name} }

func constExpr(v bool) *expr {
	if v {
		return exprTrue
	}
	return exprFalse
}

func notExpr(e *expr) *expr {
	switch e.op {
	case '!':
		return e.args[0]
	case 'T':
		return exprFalse
	case 'F':
		return exprTrue
	}
	return &expr{op: '!', args: []*expr{e}}
}

func andExpr(args ...*expr) *expr { return naryExpr('&', args) }

func orExpr(args ...*expr) *expr { return naryExpr('|', args) }

// naryExpr flattens nested nodes of the same operator and folds constants.
func naryExpr(op byte, args []*expr) *expr {
	identity, absorbing := byte('T'), byte('F')
	if op == '|' {
		identity, absorbing = 'F', 'T'
	}
	out := make([]*expr, 0, len(args))
	for _, a := range args {
		switch {
		case a.op == op:
			out = append(out, a.args...)
		case a.op == identity:
		case a.op == absorbing:
			return a
		default:
			out = append(out, a)
		}
	}
	switch len(out) {
	case 0:
		return &expr{op: identity}
	case 1:
		return out[0]
	}
	return &expr{op: op, args: out}
}

// maxInline is the longest and/or list written as one Go expression; longer
// lists become helper functions so that no expression grows without bound.
const maxInline = 16

// funcWriter renders expressions, spilling long lists into helper functions.
type funcWriter struct {
	prefix  string // helper name prefix, e.g. "r12h"
	helpers []string
	n       int
	imports map[string]bool
}

// render returns the Go expression for e (s is the *abi.State parameter).
func (w *funcWriter) render(e *expr) string {
	switch e.op {
	case 'T':
		return "true"
	case 'F':
		return "false"
	case 'c':
		if e.pred == nil {
			return e.call + "(s)"
		}
		if e.pred.memo >= 0 {
			return fmt.Sprintf("p%d(s)", e.pred.id)
		}
		return e.pred.inline(w.imports)
	case '!':
		inner := w.atom(e.args[0])
		if strings.HasPrefix(inner, "!") {
			return "!(" + inner + ")"
		}
		return "!" + inner
	}
	if len(e.args) > maxInline {
		return w.helper(e) + "(s)"
	}
	sep := " && "
	if e.op == '|' {
		sep = " || "
	}
	parts := make([]string, len(e.args))
	for i, a := range e.args {
		parts[i] = w.atom(a)
	}
	return strings.Join(parts, sep)
}

// atom renders e parenthesised when it is an and/or list.
func (w *funcWriter) atom(e *expr) string {
	s := w.render(e)
	if (e.op == '&' || e.op == '|') && len(e.args) <= maxInline {
		return "(" + s + ")"
	}
	return s
}

// helper writes a function evaluating a long and/or list statement by statement.
func (w *funcWriter) helper(e *expr) string {
	name := fmt.Sprintf("%s%d", w.prefix, w.n)
	w.n++
	var b strings.Builder
	fmt.Fprintf(&b, "func %s(s *abi.State) bool {\n", name)
	for _, a := range e.args {
		if e.op == '|' {
			fmt.Fprintf(&b, "if %s {\nreturn true\n}\n", w.render(a))
		} else {
			fmt.Fprintf(&b, "if !%s {\nreturn false\n}\n", w.atom(a))
		}
	}
	fmt.Fprintf(&b, "return %v\n}\n", e.op == '&')
	w.helpers = append(w.helpers, b.String())
	return name
}
