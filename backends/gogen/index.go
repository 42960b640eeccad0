package gogen

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
)

// The literal index. For each rule we derive a clause from the condition IR: a
// set of atoms of which at least one holds on every event the rule matches.
// An atom says that the lowered text of a field equals, starts with, ends with
// or contains a needle. At run time one Aho-Corasick pass over each indexed
// field finds every needle at once, so an event is checked only against the
// rules of its logsource with an atom that holds (plus the rules without a
// clause). Unlike the interpreter's index, contains/startswith/endswith and
// wildcard patterns are indexed too.

type atom struct {
	field  string
	op     engine.AtomOp
	needle string
}

// clause is a disjunction of atoms; top means "no information" (always a candidate).
// A non-top clause without atoms means the rule never matches.
type clause struct {
	top   bool
	atoms []atom
}

var topClause = clause{top: true}

// weakFields are fields whose values most events of a logsource share: a
// clause on them selects little, so other clauses are preferred (as the engine).
var weakFields = map[string]bool{
	"EventID": true, "Channel": true, "Provider_Name": true, "EventType": true,
	"Level": true, "Task": true, "Opcode": true, "Keywords": true,
}

func (c clause) score() int {
	if c.top {
		return 1 << 30
	}
	s := 0
	for _, a := range c.atoms {
		switch {
		case weakFields[a.field]:
			s += 1000
		case len(a.needle) <= 1:
			s += 100
		case len(a.needle) == 2:
			s += 30
		case len(a.needle) == 3:
			s += 5
		default:
			s++
		}
	}
	return s
}

// best returns the most selective of several clauses (for a conjunction).
func best(cs []clause) clause {
	out := topClause
	for _, c := range cs {
		if c.score() < out.score() {
			out = c
		}
	}
	return out
}

// union returns the disjunction of clauses.
func union(cs []clause) clause {
	out := clause{atoms: []atom{}}
	for _, c := range cs {
		if c.top {
			return topClause
		}
		out.atoms = append(out.atoms, c.atoms...)
	}
	return out
}

// ruleClause returns a necessary clause of a detection.
func ruleClause(d *ast.Detection) clause {
	byName := map[string]*ast.Search{}
	for _, s := range d.Searches {
		byName[s.Name] = s
	}
	return exprClause(d.Condition, byName)
}

func exprClause(e *ast.Expr, byName map[string]*ast.Search) clause {
	switch e.Op {
	case ast.ExprRef:
		if s := byName[e.Name]; s != nil {
			return matcherClause(s.Body)
		}
	case ast.ExprConst:
		if !e.Value {
			return clause{atoms: []atom{}}
		}
	case ast.ExprAnd, ast.ExprOr:
		cs := make([]clause, len(e.Args))
		for i, a := range e.Args {
			cs[i] = exprClause(a, byName)
		}
		if e.Op == ast.ExprAnd {
			return best(cs)
		}
		return union(cs)
	}
	return topClause
}

func matcherClause(m *ast.Matcher) clause {
	if m == nil {
		return topClause
	}
	switch m.Op {
	case ast.MatchField:
		if m.Field != nil {
			return fieldClause(m.Field)
		}
	case ast.MatchAll, ast.MatchAny:
		cs := make([]clause, len(m.Items))
		for i, it := range m.Items {
			cs[i] = matcherClause(it)
		}
		if m.Op == ast.MatchAll {
			return best(cs)
		}
		return union(cs)
	}
	return topClause
}

func fieldClause(f *ast.FieldMatch) clause {
	if f.IsKeyword() || f.Negate || f.TimePart != "" || len(f.Values) == 0 {
		return topClause
	}
	cs := make([]clause, len(f.Values))
	for i := range f.Values {
		cs[i] = valueClause(&f.Values[i], f.Field, f.Cased)
	}
	if f.All {
		return best(cs)
	}
	return union(cs)
}

func valueClause(v *ast.Value, field string, cased bool) clause {
	switch v.Kind {
	case ast.ValString:
		return stringClause(v.Parts, field, cased)
	case ast.ValNumber:
		canon := strconv.FormatFloat(v.Number, 'f', -1, 64)
		c := clause{atoms: []atom{{field: field, op: engine.AtomEqual, needle: canon}}}
		if raw := engine.Lower(strings.TrimSpace(v.Raw)); raw != "" && raw != canon {
			c.atoms = append(c.atoms, atom{field: field, op: engine.AtomEqual, needle: raw})
		}
		return c
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = valueClause(&v.Variants[i], field, cased)
		}
		return union(cs)
	}
	return topClause
}

// stringClause picks the most selective literal of a pattern: the whole value,
// an anchored prefix or suffix, or the longest literal run as a substring.
// Needles are lowered: the index reads lowered text. A case-sensitive pattern
// is indexed only when its literals are valid UTF-8, so that lowering the
// value maps the literal's characters one to one.
func stringClause(parts []ast.StringPart, field string, cased bool) clause {
	type elem struct {
		kind byte // 'l', '*', '?'
		text string
	}
	var norm []elem
	for _, p := range parts {
		switch p.Kind {
		case ast.PartLit:
			if p.Text == "" {
				continue
			}
			if cased && !utf8.ValidString(p.Text) {
				return topClause
			}
			if n := len(norm); n > 0 && norm[n-1].kind == 'l' {
				norm[n-1].text += p.Text
				continue
			}
			norm = append(norm, elem{'l', p.Text})
		case ast.PartStar:
			if n := len(norm); n > 0 && norm[n-1].kind == '*' {
				continue
			}
			norm = append(norm, elem{kind: '*'})
		case ast.PartQuestion:
			norm = append(norm, elem{kind: '?'})
		default:
			return topClause // placeholders: values come from the profile
		}
	}
	one := func(op engine.AtomOp, text string) clause {
		return clause{atoms: []atom{{field: field, op: op, needle: engine.Lower(text)}}}
	}
	switch len(norm) {
	case 0:
		return one(engine.AtomEqual, "")
	case 1:
		if norm[0].kind == 'l' {
			return one(engine.AtomEqual, norm[0].text)
		}
		return topClause
	}
	bestI := -1
	for i, e := range norm {
		if e.kind == 'l' && (bestI < 0 || len(e.text) > len(norm[bestI].text)) {
			bestI = i
		}
	}
	if bestI < 0 {
		return topClause
	}
	switch {
	case bestI == 0:
		return one(engine.AtomPrefix, norm[0].text)
	case bestI == len(norm)-1:
		return one(engine.AtomSuffix, norm[bestI].text)
	}
	return one(engine.AtomContains, norm[bestI].text)
}
