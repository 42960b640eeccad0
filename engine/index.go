package engine

import (
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// The candidate index. For each rule we look for a clause: a set of literals of
// which at least one holds on every event the rule matches (a necessary
// condition derived from the condition IR). Literals are equalities of a field
// with a value, or equalities of the file name part of a field (the text after
// its last backslash) with the file name of an `endswith: '\name.exe'` pattern.
// An event is checked only against the rules of its logsource whose clause has
// a literal the event satisfies, plus the rules without a clause.

// clause is a disjunction of atoms; top means "no information" (always candidate).
type clause struct {
	top   bool
	atoms []atom
}

var topClause = clause{top: true}

// weakFields are fields whose values are shared by most events of a logsource:
// a clause on them selects little, so other clauses are preferred.
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
		if weakFields[a.field] {
			s += 1000
		} else {
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
	var out clause
	for _, c := range cs {
		if c.top {
			return topClause
		}
		out.atoms = append(out.atoms, c.atoms...)
	}
	if out.atoms == nil {
		out.atoms = []atom{}
	}
	return out
}

// ruleClause returns a necessary clause of a detection, or nil when there is none.
func ruleClause(d *ast.Detection) []atom {
	if d == nil || d.Condition == nil {
		return nil
	}
	byName := map[string]*ast.Search{}
	for _, s := range d.Searches {
		byName[s.Name] = s
	}
	c := exprClause(d.Condition, byName)
	if c.top {
		return nil
	}
	if c.atoms == nil {
		return []atom{}
	}
	return c.atoms
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
		cs[i] = valueClause(&f.Values[i], f.Field)
	}
	if f.All {
		return best(cs)
	}
	return union(cs)
}

func valueClause(v *ast.Value, field string) clause {
	switch v.Kind {
	case ast.ValString:
		var lits []string
		shape := make([]byte, 0, len(v.Parts))
		for _, p := range v.Parts {
			switch p.Kind {
			case ast.PartLit:
				if n := len(shape); n > 0 && shape[n-1] == 'l' {
					lits[len(lits)-1] += p.Text
					continue
				}
				shape = append(shape, 'l')
				lits = append(lits, p.Text)
			case ast.PartStar:
				if n := len(shape); n > 0 && shape[n-1] == '*' {
					continue
				}
				shape = append(shape, '*')
			default:
				return topClause
			}
		}
		switch string(shape) {
		case "":
			return clause{atoms: []atom{{field: field, key: ""}}}
		case "l":
			return clause{atoms: []atom{{field: field, key: Lower(lits[0])}}}
		case "*l":
			l := Lower(lits[0])
			if i := strings.LastIndexByte(l, '\\'); i >= 0 && i < len(l)-1 {
				return clause{atoms: []atom{{field: field, base: true, key: l[i+1:]}}}
			}
		}
	case ast.ValNumber:
		canon := strconv.FormatFloat(v.Number, 'f', -1, 64)
		c := clause{atoms: []atom{{field: field, key: canon}}}
		if raw := Lower(strings.TrimSpace(v.Raw)); raw != "" && raw != canon {
			c.atoms = append(c.atoms, atom{field: field, key: raw})
		}
		return c
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = valueClause(&v.Variants[i], field)
		}
		return union(cs)
	}
	return topClause
}
