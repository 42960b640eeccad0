package pipeline

import (
	"fmt"
	"unicode"
)

// condExpr is a pySigma condition expression (rule_cond_expr, detection_item_cond_expr,
// field_name_cond_expr): identifiers of the named conditions linked with not, and, or
// and parentheses; not binds tightest, then and, then or.
type condExpr struct {
	op   string // "id", "not", "and", "or"
	id   string
	args []*condExpr
}

func (e *condExpr) eval(f func(id string) bool) bool {
	switch e.op {
	case "id":
		return f(e.id)
	case "not":
		return !e.args[0].eval(f)
	case "and":
		return e.args[0].eval(f) && e.args[1].eval(f)
	}
	return e.args[0].eval(f) || e.args[1].eval(f)
}

func (e *condExpr) ids(out map[string]bool) {
	if e.op == "id" {
		out[e.id] = true
	}
	for _, a := range e.args {
		a.ids(out)
	}
}

type exprToken struct {
	text string
	off  int
}

// exprError is a parse error at a byte offset of the expression.
type exprError struct {
	off int
	msg string
}

func (e *exprError) Error() string { return e.msg }

func parseCondExpr(s string) (*condExpr, error) {
	var toks []exprToken
	isIdent := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' }
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, exprToken{string(c), i})
			i++
		case isIdent(c):
			j := i
			for j < len(s) && isIdent(rune(s[j])) {
				j++
			}
			toks = append(toks, exprToken{s[i:j], i})
			i = j
		default:
			return nil, &exprError{i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	p := &exprParser{toks: toks, end: len(s)}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, &exprError{t.off, fmt.Sprintf("unexpected %q", t.text)}
	}
	return e, nil
}

type exprParser struct {
	toks []exprToken
	i    int
	end  int
}

func (p *exprParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].text
	}
	return ""
}

func (p *exprParser) or() (*condExpr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peek() == "or" {
		p.i++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &condExpr{op: "or", args: []*condExpr{l, r}}
	}
	return l, nil
}

func (p *exprParser) and() (*condExpr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peek() == "and" {
		p.i++
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &condExpr{op: "and", args: []*condExpr{l, r}}
	}
	return l, nil
}

func (p *exprParser) unary() (*condExpr, error) {
	if p.i >= len(p.toks) {
		return nil, &exprError{p.end, "unexpected end of the expression"}
	}
	t := p.toks[p.i]
	switch t.text {
	case "not":
		p.i++
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &condExpr{op: "not", args: []*condExpr{e}}, nil
	case "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			off := p.end
			if p.i < len(p.toks) {
				off = p.toks[p.i].off
			}
			return nil, &exprError{off, "missing )"}
		}
		p.i++
		return e, nil
	case ")", "and", "or":
		return nil, &exprError{t.off, fmt.Sprintf("unexpected %q", t.text)}
	}
	p.i++
	return &condExpr{op: "id", id: t.text}, nil
}
