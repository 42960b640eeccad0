// Package condition parses Sigma detection conditions into a parse tree and
// lowers that tree into the simplified condition IR.
package condition

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/rulec/rulec/ast"
)

// The grammar, least to most binding: or, and, not, `x of`, parentheses.
type orExpr struct {
	Pos   lexer.Position
	Left  *andExpr   `parser:"@@"`
	Right []*andExpr `parser:"( \"or\" @@ )*"`
}

type andExpr struct {
	Pos   lexer.Position
	Left  *notExpr   `parser:"@@"`
	Right []*notExpr `parser:"( \"and\" @@ )*"`
}

type notExpr struct {
	Pos  lexer.Position
	Not  *notExpr `parser:"  \"not\" @@"`
	Atom *atom    `parser:"| @@"`
}

type atom struct {
	Pos   lexer.Position
	Paren *orExpr `parser:"  \"(\" @@ \")\""`
	Of    *ofExpr `parser:"| @@"`
	Ident string  `parser:"| @Ident"`
}

type ofExpr struct {
	Pos        lexer.Position
	Quantifier string `parser:"@( \"1\" | \"all\" | \"any\" ) \"of\""`
	Target     string `parser:"@Ident"`
}

var condLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Ident", Pattern: `[A-Za-z0-9_*.\-]+`},
	{Name: "Punct", Pattern: `[()]`},
	{Name: "Pipe", Pattern: `\|`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "Other", Pattern: `.`},
})

var parser = participle.MustBuild[orExpr](
	participle.Lexer(condLexer),
	participle.Elide("Whitespace"),
	participle.UseLookahead(3),
)

var legacyAggRe = regexp.MustCompile(`\b(count|min|max|avg|sum)\s*\(|\bnear\b`)

// keywords may not be used as search identifiers.
var keywords = map[string]bool{"and": true, "or": true, "not": true, "of": true, "them": true, "all": true, "any": true, "1": true}

// Error is a condition syntax error at a position inside the condition text.
type Error struct {
	// Offset is the byte offset in the condition text, Line and Col its 1-based line and column.
	Offset, Line, Col int
	Msg               string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Parse parses a condition. Positions in the tree are relative to the text
// (line 1, column 1 is its first byte) and are mapped with the given function.
func Parse(text string, mapPos func(line, col int) ast.Pos) (*ast.CondNode, error) {
	if i := strings.IndexByte(text, '|'); i >= 0 {
		l, c := lineCol(text, i)
		return nil, &Error{Offset: i, Line: l, Col: c, Msg: "aggregation expressions ('| count() ...') are Sigma 1.0 syntax that Sigma 2 replaced with correlation rules; rewrite this as a correlation rule"}
	}
	if loc := legacyAggRe.FindStringIndex(text); loc != nil {
		l, c := lineCol(text, loc[0])
		return nil, &Error{Offset: loc[0], Line: l, Col: c, Msg: "aggregation functions and 'near' are Sigma 1.0 syntax that Sigma 2 replaced with correlation rules; rewrite this as a correlation rule"}
	}
	if strings.TrimSpace(text) == "" {
		return nil, &Error{Line: 1, Col: 1, Msg: "empty condition"}
	}
	n, deep, ok := fastParse(text, mapPos)
	switch {
	case ok:
		return n, nil
	case deep != nil:
		return nil, &Error{Offset: deep.off, Line: deep.line, Col: deep.col, Msg: fmt.Sprintf("condition nested more than %d levels deep (parentheses and not)", maxNesting)}
	case nestingBound(text) > maxNesting:
		// Not for participle, which could recurse past its stack.
		return nil, &Error{Line: 1, Col: 1, Msg: fmt.Sprintf("invalid condition with more than %d parentheses and nots", maxNesting)}
	}
	return parseParticiple(text, mapPos)
}

// parseParticiple parses a condition with the participle grammar: the
// reference fastParse is compared with, and the parser of every condition
// fastParse refuses (for its errors).
func parseParticiple(text string, mapPos func(line, col int) ast.Pos) (*ast.CondNode, error) {
	tree, err := parser.ParseString("", text)
	if err != nil {
		var perr participle.Error
		if errors.As(err, &perr) {
			p := perr.Position()
			return nil, &Error{Offset: p.Offset, Line: p.Line, Col: p.Column, Msg: "invalid condition: " + perr.Message()}
		}
		return nil, &Error{Line: 1, Col: 1, Msg: "invalid condition: " + err.Error()}
	}
	c := converter{mapPos: mapPos}
	node := c.or(tree)
	if c.err != nil {
		return nil, c.err
	}
	return node, nil
}

func lineCol(text string, off int) (int, int) {
	line, col := 1, 1
	for i := 0; i < off && i < len(text); i++ {
		if text[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

type converter struct {
	mapPos func(line, col int) ast.Pos
	err    *Error
}

func (c *converter) pos(p lexer.Position) ast.Pos {
	if c.mapPos == nil {
		return ast.Pos{Line: p.Line, Col: p.Column}
	}
	return c.mapPos(p.Line, p.Column)
}

func (c *converter) or(e *orExpr) *ast.CondNode {
	first := c.and(e.Left)
	if len(e.Right) == 0 {
		return first
	}
	n := &ast.CondNode{Op: ast.CondOr, Pos: first.Pos, Args: []*ast.CondNode{first}}
	for _, r := range e.Right {
		n.Args = append(n.Args, c.and(r))
	}
	return n
}

func (c *converter) and(e *andExpr) *ast.CondNode {
	first := c.not(e.Left)
	if len(e.Right) == 0 {
		return first
	}
	n := &ast.CondNode{Op: ast.CondAnd, Pos: first.Pos, Args: []*ast.CondNode{first}}
	for _, r := range e.Right {
		n.Args = append(n.Args, c.not(r))
	}
	return n
}

func (c *converter) not(e *notExpr) *ast.CondNode {
	if e.Not != nil {
		return &ast.CondNode{Op: ast.CondNot, Pos: c.pos(e.Pos), Args: []*ast.CondNode{c.not(e.Not)}}
	}
	a := e.Atom
	switch {
	case a.Paren != nil:
		return &ast.CondNode{Op: ast.CondParen, Pos: c.pos(a.Pos), Args: []*ast.CondNode{c.or(a.Paren)}}
	case a.Of != nil:
		t := a.Of.Target
		if keywords[t] && t != "them" {
			c.fail(a.Of.Pos, fmt.Sprintf("%q is a keyword, not a search identifier pattern", t))
		}
		return &ast.CondNode{Op: ast.CondOf, Pos: c.pos(a.Of.Pos), Quantifier: a.Of.Quantifier, Name: t}
	}
	if keywords[a.Ident] {
		c.fail(a.Pos, fmt.Sprintf("unexpected keyword %q where a search identifier was expected", a.Ident))
	} else if strings.Contains(a.Ident, "*") {
		c.fail(a.Pos, fmt.Sprintf("wildcard identifier %q is only allowed after '1 of' or 'all of'", a.Ident))
	}
	return &ast.CondNode{Op: ast.CondIdent, Pos: c.pos(a.Pos), Name: a.Ident}
}

func (c *converter) fail(p lexer.Position, msg string) {
	if c.err == nil {
		c.err = &Error{Offset: p.Offset, Line: p.Line, Col: p.Column, Msg: msg}
	}
}

// Lower turns a parse tree into the simplified IR, expanding `x of` over the
// search identifiers (in source order). It reports references to undefined
// identifiers and patterns that match none through problem. As in pySigma, a
// pattern that matches nothing drops out of the expression around it; a
// condition left with nothing matches nothing.
func Lower(n *ast.CondNode, searches []string, problem func(pos ast.Pos, code, msg string)) *ast.Expr {
	if e := lower(n, searches, problem); e != nil {
		return e
	}
	return ast.Const(false)
}

func lower(n *ast.CondNode, searches []string, problem func(pos ast.Pos, code, msg string)) *ast.Expr {
	switch n.Op {
	case ast.CondOr, ast.CondAnd:
		var args []*ast.Expr
		for _, a := range n.Args {
			if e := lower(a, searches, problem); e != nil {
				args = append(args, e)
			}
		}
		if len(args) == 0 {
			return nil
		}
		if n.Op == ast.CondOr {
			return ast.Or(args...)
		}
		return ast.And(args...)
	case ast.CondNot:
		if e := lower(n.Args[0], searches, problem); e != nil {
			return ast.Not(e)
		}
		return nil
	case ast.CondParen:
		return lower(n.Args[0], searches, problem)
	case ast.CondOf:
		var refs []*ast.Expr
		for _, s := range searches {
			if ast.MatchPattern(n.Name, s) {
				refs = append(refs, ast.Ref(s))
			}
		}
		if len(refs) == 0 {
			problem(n.Pos, "dangling-pattern", fmt.Sprintf("'%s of %s' matches no search identifier and drops out of the condition", n.Quantifier, n.Name))
			return nil
		}
		if n.Quantifier == "all" {
			return ast.And(refs...)
		}
		return ast.Or(refs...)
	}
	for _, s := range searches {
		if s == n.Name {
			return ast.Ref(n.Name)
		}
	}
	problem(n.Pos, "undefined-identifier", fmt.Sprintf("condition references undefined search identifier %q", n.Name))
	return ast.Const(false)
}

// Format prints a parse tree back as condition text.
func Format(n *ast.CondNode) string {
	switch n.Op {
	case ast.CondOr, ast.CondAnd:
		parts := make([]string, len(n.Args))
		for i, a := range n.Args {
			parts[i] = Format(a)
		}
		return strings.Join(parts, " "+string(n.Op)+" ")
	case ast.CondNot:
		return "not " + Format(n.Args[0])
	case ast.CondParen:
		return "(" + Format(n.Args[0]) + ")"
	case ast.CondOf:
		return n.Quantifier + " of " + n.Name
	}
	return n.Name
}
