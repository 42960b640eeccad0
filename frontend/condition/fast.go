package condition

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// fastParse parses a condition of the grammar participle reads (or, and, not,
// `x of`, parentheses, identifiers) by recursive descent, giving the tree the
// participle parse and its conversion give. It accepts only conditions both
// parse without error: anything else (a syntax error, a keyword or a wildcard
// where an identifier is expected, a byte outside the grammar's tokens) gives
// ok false, and Parse then asks participle, whose errors it reports.
func fastParse(text string, mapPos func(line, col int) ast.Pos) (n *ast.CondNode, ok bool) {
	p := fastParser{text: text, mapPos: mapPos, line: 1, col: 1}
	if !p.lex() {
		return nil, false
	}
	n, ok = p.or()
	if !ok || p.i != len(p.toks) {
		return nil, false
	}
	return n, true
}

type fastTok struct {
	text      string // "(" or ")" for parentheses
	line, col int
}

type fastParser struct {
	text      string
	mapPos    func(line, col int) ast.Pos
	toks      []fastTok
	i         int
	line, col int
}

// identByte reports whether c may be part of an identifier token ([A-Za-z0-9_*.\-]).
func identByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '*' || c == '.' || c == '-'
}

// lex splits the text into tokens as condLexer does; false for a byte it
// does not take as an identifier, a parenthesis or white space.
func (p *fastParser) lex() bool {
	s := p.text
	line, lineStart := 1, 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '\n':
			i++
			line, lineStart = line+1, i
		case c == '(' || c == ')':
			p.toks = append(p.toks, fastTok{s[i : i+1], line, i - lineStart + 1})
			i++
		case identByte(c):
			j := i + 1
			for j < len(s) && identByte(s[j]) {
				j++
			}
			p.toks = append(p.toks, fastTok{s[i:j], line, i - lineStart + 1})
			i = j
		default:
			return false
		}
	}
	return len(p.toks) > 0
}

func (p *fastParser) peek(text string) bool {
	return p.i < len(p.toks) && p.toks[p.i].text == text
}

func (p *fastParser) pos(t fastTok) ast.Pos {
	if p.mapPos == nil {
		return ast.Pos{Line: t.line, Col: t.col}
	}
	return p.mapPos(t.line, t.col)
}

// or and and read a chain of their operands; one operand is itself.
func (p *fastParser) or() (*ast.CondNode, bool)  { return p.chain("or", ast.CondOr, p.and) }
func (p *fastParser) and() (*ast.CondNode, bool) { return p.chain("and", ast.CondAnd, p.not) }

func (p *fastParser) chain(word string, op ast.CondOp, operand func() (*ast.CondNode, bool)) (*ast.CondNode, bool) {
	first, ok := operand()
	if !ok || !p.peek(word) {
		return first, ok
	}
	n := &ast.CondNode{Op: op, Pos: first.Pos, Args: []*ast.CondNode{first}}
	for p.peek(word) {
		p.i++
		a, ok := operand()
		if !ok {
			return nil, false
		}
		n.Args = append(n.Args, a)
	}
	return n, true
}

func (p *fastParser) not() (*ast.CondNode, bool) {
	if p.peek("not") {
		t := p.toks[p.i]
		p.i++
		a, ok := p.not()
		if !ok {
			return nil, false
		}
		return &ast.CondNode{Op: ast.CondNot, Pos: p.pos(t), Args: []*ast.CondNode{a}}, true
	}
	return p.atom()
}

func (p *fastParser) atom() (*ast.CondNode, bool) {
	if p.i >= len(p.toks) {
		return nil, false
	}
	t := p.toks[p.i]
	p.i++
	switch {
	case t.text == "(":
		a, ok := p.or()
		if !ok || !p.peek(")") {
			return nil, false
		}
		p.i++
		return &ast.CondNode{Op: ast.CondParen, Pos: p.pos(t), Args: []*ast.CondNode{a}}, true
	case t.text == ")":
		return nil, false
	case (t.text == "1" || t.text == "all" || t.text == "any") && p.peek("of"):
		p.i++
		if p.i >= len(p.toks) {
			return nil, false
		}
		target := p.toks[p.i].text
		p.i++
		if target == "(" || target == ")" || keywords[target] && target != "them" {
			return nil, false
		}
		return &ast.CondNode{Op: ast.CondOf, Pos: p.pos(t), Quantifier: t.text, Name: target}, true
	case keywords[t.text] || strings.Contains(t.text, "*"):
		return nil, false
	}
	return &ast.CondNode{Op: ast.CondIdent, Pos: p.pos(t), Name: t.text}, true
}
