package ast

import (
	"path"
	"strings"
)

// CondOp is the kind of a condition parse-tree node.
type CondOp string

// Condition parse-tree node kinds.
const (
	CondAnd   CondOp = "and"
	CondOr    CondOp = "or"
	CondNot   CondOp = "not"
	CondParen CondOp = "paren"
	CondIdent CondOp = "ident"
	CondOf    CondOp = "of"
)

// CondNode is a node of a condition as written: it keeps quantifiers and patterns for linting.
type CondNode struct {
	Op   CondOp      `json:"op"`
	Pos  Pos         `json:"pos"`
	Args []*CondNode `json:"args,omitempty"`
	// Name is the identifier (CondIdent) or the pattern, or "them" (CondOf).
	Name string `json:"name,omitempty"`
	// Quantifier is "1", "any" or "all" (CondOf).
	Quantifier string `json:"quantifier,omitempty"`
}

// IsThem reports whether an `of` node ranges over all search identifiers.
func (n *CondNode) IsThem() bool { return n.Op == CondOf && n.Name == "them" }

// MatchPattern reports whether a search identifier matches an `x of pattern` pattern
// (`*` matches any run of characters). As in pySigma, `them` and patterns that do not
// start with `_` skip identifiers starting with `_`.
func MatchPattern(pattern, ident string) bool {
	if pattern == "them" {
		return !strings.HasPrefix(ident, "_")
	}
	if strings.HasPrefix(ident, "_") && !strings.HasPrefix(pattern, "_") {
		return false
	}
	// path.Match treats only *, ? and [ specially; identifiers never contain / and we escape ? and [.
	p := patternEscaper.Replace(pattern)
	ok, err := path.Match(p, ident)
	return err == nil && ok
}

// patternEscaper makes `?`, `[` and `\` literal for path.Match.
var patternEscaper = strings.NewReplacer(`\`, `\\`, `?`, `\?`, `[`, `\[`)

// ExprOp is the kind of a condition IR node.
type ExprOp string

// Condition IR node kinds.
const (
	ExprAnd   ExprOp = "and"
	ExprOr    ExprOp = "or"
	ExprNot   ExprOp = "not"
	ExprRef   ExprOp = "ref"
	ExprConst ExprOp = "const"
)

// Expr is a node of the simplified condition IR: and/or are n-ary and flat,
// `x of` quantifiers are expanded into references, double negations are removed.
type Expr struct {
	Op   ExprOp  `json:"op"`
	Args []*Expr `json:"args,omitempty"`
	// Name is the referenced search identifier (ExprRef).
	Name string `json:"name,omitempty"`
	// Value is the constant (ExprConst).
	Value bool `json:"value,omitempty"`
}

// Ref returns a reference to a search identifier.
func Ref(name string) *Expr { return &Expr{Op: ExprRef, Name: name} }

// Const returns a constant.
func Const(v bool) *Expr { return &Expr{Op: ExprConst, Value: v} }

// And returns the simplified conjunction of args.
func And(args ...*Expr) *Expr { return nary(ExprAnd, args) }

// Or returns the simplified disjunction of args.
func Or(args ...*Expr) *Expr { return nary(ExprOr, args) }

// Not returns the simplified negation of e.
func Not(e *Expr) *Expr {
	switch e.Op {
	case ExprNot:
		return e.Args[0]
	case ExprConst:
		return Const(!e.Value)
	}
	return &Expr{Op: ExprNot, Args: []*Expr{e}}
}

// nary flattens nested nodes of the same op and folds constants.
func nary(op ExprOp, args []*Expr) *Expr {
	identity := op == ExprAnd // true for and, false for or
	out := make([]*Expr, 0, len(args))
	for _, a := range args {
		switch {
		case a.Op == op:
			out = append(out, a.Args...)
		case a.Op == ExprConst && a.Value == identity:
			// neutral element: drop
		case a.Op == ExprConst:
			return Const(!identity) // absorbing element
		default:
			out = append(out, a)
		}
	}
	switch len(out) {
	case 0:
		return Const(identity)
	case 1:
		return out[0]
	}
	return &Expr{Op: op, Args: out}
}

// Refs returns the distinct search identifiers the expression references, in first-use order.
func (e *Expr) Refs() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*Expr)
	walk = func(x *Expr) {
		if x.Op == ExprRef && !seen[x.Name] {
			seen[x.Name] = true
			out = append(out, x.Name)
		}
		for _, a := range x.Args {
			walk(a)
		}
	}
	walk(e)
	return out
}

// String prints the expression back as a Sigma condition.
func (e *Expr) String() string {
	var b strings.Builder
	e.write(&b, 0)
	return b.String()
}

// precedence levels: or < and < not < atom.
func (e *Expr) prec() int {
	switch e.Op {
	case ExprOr:
		return 1
	case ExprAnd:
		return 2
	case ExprNot:
		return 3
	}
	return 4
}

func (e *Expr) write(b *strings.Builder, parent int) {
	p := e.prec()
	if p < parent {
		b.WriteByte('(')
		defer b.WriteByte(')')
	}
	switch e.Op {
	case ExprRef:
		b.WriteString(e.Name)
	case ExprConst:
		if e.Value {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case ExprNot:
		b.WriteString("not ")
		e.Args[0].write(b, p)
	default:
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(" " + string(e.Op) + " ")
			}
			a.write(b, p+1)
		}
	}
}

// Eval evaluates the expression with a function that decides each search identifier.
func (e *Expr) Eval(search func(name string) bool) bool {
	switch e.Op {
	case ExprRef:
		return search(e.Name)
	case ExprConst:
		return e.Value
	case ExprNot:
		return !e.Args[0].Eval(search)
	case ExprAnd:
		for _, a := range e.Args {
			if !a.Eval(search) {
				return false
			}
		}
		return true
	case ExprOr:
		for _, a := range e.Args {
			if a.Eval(search) {
				return true
			}
		}
	}
	return false
}
