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
// Nesting deeper than maxNesting levels (parentheses and not) is refused:
// deep is then the token that went past it.
func fastParse(text string, mapPos func(line, col int) ast.Pos) (n *ast.CondNode, deep *fastTok, ok bool) {
	p := fastParser{text: text, mapPos: mapPos, line: 1}
	p.advance()
	n, ok = p.or()
	if !ok || p.has || p.bad {
		return nil, p.deep, false
	}
	return n, nil, true
}

// maxNesting bounds the nesting of a condition (parentheses and not): the
// participle parser recurses once per level and overflowed the stack (a
// fatal error, not a panic) on a few hundred thousand parentheses.
const maxNesting = 1000

// nestingBound is an upper bound of a condition's nesting: its parentheses and nots.
func nestingBound(text string) int {
	n := strings.Count(text, "(")
	for i := strings.Index(text, "not"); i >= 0; {
		end := i + 3
		if (i == 0 || !identByte(text[i-1])) && (end == len(text) || !identByte(text[end])) {
			n++
		}
		j := strings.Index(text[end:], "not")
		if j < 0 {
			break
		}
		i = end + j
	}
	return n
}

type fastTok struct {
	text      string // "(" or ")" for parentheses
	off       int
	line, col int
}

// fastParser reads the tokens one at a time (memory in the nesting, not the
// length); cur is the next token when has.
type fastParser struct {
	text      string
	mapPos    func(line, col int) ast.Pos
	at        int // the lexer's offset
	line      int
	lineStart int
	cur       fastTok
	has       bool
	bad       bool // a byte outside the grammar's tokens
	depth     int
	deep      *fastTok
}

// enter counts a nesting level opened by t; false past maxNesting.
func (p *fastParser) enter(t fastTok) bool {
	p.depth++
	if p.depth > maxNesting {
		if p.deep == nil {
			p.deep = &t
		}
		return false
	}
	return true
}

// identByte reports whether c may be part of an identifier token ([A-Za-z0-9_*.\-]).
func identByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '*' || c == '.' || c == '-'
}

// advance reads the next token as condLexer does (has false at the end or
// at a byte it does not take as an identifier, a parenthesis or white space).
func (p *fastParser) advance() {
	s := p.text
	p.has = false
	for p.at < len(s) {
		i := p.at
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			p.at++
		case c == '\n':
			p.at++
			p.line, p.lineStart = p.line+1, p.at
		case c == '(' || c == ')':
			p.cur, p.has = fastTok{s[i : i+1], i, p.line, i - p.lineStart + 1}, true
			p.at++
			return
		case identByte(c):
			j := i + 1
			for j < len(s) && identByte(s[j]) {
				j++
			}
			p.cur, p.has = fastTok{s[i:j], i, p.line, i - p.lineStart + 1}, true
			p.at = j
			return
		default:
			p.bad = true
			return
		}
	}
}

func (p *fastParser) peek(text string) bool { return p.has && p.cur.text == text }

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
		p.advance()
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
		t := p.cur
		p.advance()
		if !p.enter(t) {
			return nil, false
		}
		a, ok := p.not()
		p.depth--
		if !ok {
			return nil, false
		}
		return &ast.CondNode{Op: ast.CondNot, Pos: p.pos(t), Args: []*ast.CondNode{a}}, true
	}
	return p.atom()
}

func (p *fastParser) atom() (*ast.CondNode, bool) {
	if !p.has {
		return nil, false
	}
	t := p.cur
	p.advance()
	switch {
	case t.text == "(":
		if !p.enter(t) {
			return nil, false
		}
		a, ok := p.or()
		p.depth--
		if !ok || !p.peek(")") {
			return nil, false
		}
		p.advance()
		return &ast.CondNode{Op: ast.CondParen, Pos: p.pos(t), Args: []*ast.CondNode{a}}, true
	case t.text == ")":
		return nil, false
	case (t.text == "1" || t.text == "all" || t.text == "any") && p.peek("of"):
		p.advance()
		if !p.has {
			return nil, false
		}
		target := p.cur.text
		p.advance()
		if target == "(" || target == ")" || keywords[target] && target != "them" {
			return nil, false
		}
		return &ast.CondNode{Op: ast.CondOf, Pos: p.pos(t), Quantifier: t.text, Name: target}, true
	case keywords[t.text] || strings.Contains(t.text, "*"):
		return nil, false
	}
	return &ast.CondNode{Op: ast.CondIdent, Pos: p.pos(t), Name: t.text}, true
}
