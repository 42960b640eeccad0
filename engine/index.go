package engine

import (
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// The candidate index. For each rule we look for clauses: sets of literals of
// which at least one holds on every event the rule matches (necessary
// conditions derived from the condition IR). Literals are
//   - eq:   the lowered field value equals a key,
//   - base: the part of the lowered field value after its last backslash equals
//           the file name of an `endswith: '\name.exe'` pattern,
//   - sub:  the lowered field value contains a key (the longest literal of a
//           wildcard pattern), found for all rules at once by Aho-Corasick; for
//           keywords (field ""), some value of the event contains it.
// A rule gets up to two clauses that come from different parts of an AND; an
// event is checked only against the rules of its logsource whose every clause
// has a literal the event satisfies, plus the rules without a clause.

// atomKind is the kind of an indexable literal.
type atomKind uint8

const (
	atomEq atomKind = iota
	atomBase
	atomSub
)

// clause is a disjunction of atoms; top means "no information" (always candidate).
type clause struct {
	top   bool
	atoms []atom
}

var topClause = clause{top: true}

// maxClauses bounds the clauses a rule is indexed by.
const maxClauses = 2

// WeakField reports whether most events of a logsource share the field's
// values (EventID, Channel, ...): an index clause on it selects little, so
// other clauses are preferred. The interpreter's and generated code's
// indexes share the list.
func WeakField(name string) bool {
	switch name {
	case "EventID", "Channel", "Provider_Name", "EventType", "Level", "Task", "Opcode", "Keywords":
		return true
	}
	return false
}

// score estimates how often a clause holds: lower is more selective.
func (c clause) score() int {
	if c.top {
		return 1 << 30
	}
	s := 0
	for _, a := range c.atoms {
		switch {
		case WeakField(a.field):
			s += 1000
		case a.kind == atomSub && len(a.key) < 3:
			s += 200
		case a.kind == atomSub && len(a.key) < 5:
			s += 4
		case a.kind == atomSub:
			s += 2
		default:
			s++
		}
	}
	return s
}

// best returns the most selective of several clauses.
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

// cnf is a conjunction of clauses, all necessary; empty means no information.
type cnf []clause

// disjoin returns a clause implied by any of several conjunctions: the union of
// the best clause of each.
func disjoin(cs []cnf) clause {
	parts := make([]clause, len(cs))
	for i, c := range cs {
		parts[i] = best(c)
	}
	return union(parts)
}

// ruleClauses returns up to maxClauses necessary clauses of a detection, most
// selective first; nil when there is none (the rule is always a candidate).
func ruleClauses(d *ast.Detection) []clause {
	if d == nil || d.Condition == nil {
		return nil
	}
	byName := map[string]*ast.Search{}
	for _, s := range d.Searches {
		byName[s.Name] = s
	}
	var out []clause
	for _, c := range exprCNF(d.Condition, byName) {
		if !c.top {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score() < out[j].score() })
	// A clause that can never hold (a false condition) is kept alone.
	for _, c := range out {
		if len(c.atoms) == 0 {
			return []clause{c}
		}
	}
	if len(out) > maxClauses {
		out = out[:maxClauses]
	}
	return out
}

func exprCNF(e *ast.Expr, byName map[string]*ast.Search) cnf {
	switch e.Op {
	case ast.ExprRef:
		if s := byName[e.Name]; s != nil {
			return matcherCNF(s.Body)
		}
	case ast.ExprConst:
		if !e.Value {
			return cnf{{atoms: []atom{}}}
		}
	case ast.ExprAnd:
		var out cnf
		for _, a := range e.Args {
			out = append(out, exprCNF(a, byName)...)
		}
		return out
	case ast.ExprOr:
		parts := make([]cnf, len(e.Args))
		for i, a := range e.Args {
			parts[i] = exprCNF(a, byName)
		}
		return cnf{disjoin(parts)}
	}
	return nil
}

func matcherCNF(m *ast.Matcher) cnf {
	if m == nil {
		return nil
	}
	switch m.Op {
	case ast.MatchField:
		if m.Field != nil {
			return fieldCNF(m.Field)
		}
	case ast.MatchAll:
		var out cnf
		for _, it := range m.Items {
			out = append(out, matcherCNF(it)...)
		}
		return out
	case ast.MatchAny:
		parts := make([]cnf, len(m.Items))
		for i, it := range m.Items {
			parts[i] = matcherCNF(it)
		}
		return cnf{disjoin(parts)}
	}
	return nil
}

func fieldCNF(f *ast.FieldMatch) cnf {
	if f.Negate || f.TimePart != "" || len(f.Values) == 0 {
		return nil
	}
	cs := make([]clause, len(f.Values))
	for i := range f.Values {
		if f.IsKeyword() {
			cs[i] = keywordClause(&f.Values[i])
		} else {
			cs[i] = valueClause(&f.Values[i], f.Field)
		}
	}
	if f.All {
		return cnf(cs)
	}
	return cnf{union(cs)}
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
				return clause{atoms: []atom{{field: field, kind: atomBase, key: l[i+1:]}}}
			}
		}
		// Any match contains the longest literal of the pattern.
		longest := ""
		for _, l := range lits {
			if len(l) > len(longest) {
				longest = l
			}
		}
		if longest != "" {
			return clause{atoms: []atom{{field: field, kind: atomSub, key: Lower(longest)}}}
		}
	case ast.ValNumber:
		canon := strconv.FormatFloat(v.Number, 'f', -1, 64)
		c := clause{atoms: []atom{{field: field, key: canon}}}
		if raw := Lower(strings.TrimSpace(v.Raw)); raw != "" && raw != canon {
			c.atoms = append(c.atoms, atom{field: field, key: raw})
		}
		return c
	case ast.ValRegex:
		return regexClause(v, field)
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = valueClause(&v.Variants[i], field)
		}
		return union(cs)
	}
	return topClause
}

// keywordClause returns the clause of a keyword: some value of the event
// contains its longest literal (atoms on the field "", which stands for every value).
func keywordClause(v *ast.Value) clause {
	switch v.Kind {
	case ast.ValString:
		longest := ""
		for _, p := range v.Parts {
			switch {
			case p.Kind == ast.PartPlaceholder:
				return topClause
			case p.Kind == ast.PartLit && len(p.Text) > len(longest):
				longest = p.Text
			}
		}
		if longest != "" {
			return clause{atoms: []atom{{kind: atomSub, key: Lower(longest)}}}
		}
	case ast.ValNumber, ast.ValBool:
		return clause{atoms: []atom{{kind: atomSub, key: Lower(v.String())}}}
	case ast.ValRegex:
		return regexClause(v, "")
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = keywordClause(&v.Variants[i])
		}
		return union(cs)
	}
	return topClause
}

// regexClause returns a clause of substrings one of which every match of the
// regular expression contains, found from its syntax tree.
func regexClause(v *ast.Value, field string) clause {
	expr := v.Regex
	if v.Flags != "" {
		expr = "(?" + v.Flags + ")" + expr
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return topClause
	}
	lits := regexLiterals(re.Simplify())
	if len(lits) == 0 {
		return topClause
	}
	c := clause{}
	for _, l := range lits {
		c.atoms = append(c.atoms, atom{field: field, kind: atomSub, key: l})
	}
	return c
}

// regexLiterals returns lowered strings of which every match contains one, or nil.
func regexLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if l := literalText(re); l != "" {
			return []string{l}
		}
	case syntax.OpCapture:
		return regexLiterals(re.Sub[0])
	case syntax.OpPlus:
		return regexLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return regexLiterals(re.Sub[0])
		}
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			ls := regexLiterals(s)
			if ls == nil {
				return nil
			}
			out = append(out, ls...)
		}
		return out
	case syntax.OpConcat:
		// Candidates: each child's set, and runs of adjacent case-sensitive literals joined.
		var bestSet []string
		better := func(set []string) {
			if minLen(set) > minLen(bestSet) {
				bestSet = set
			}
		}
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				better([]string{Lower(run.String())})
				run.Reset()
			}
		}
		for _, s := range re.Sub {
			if s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0 {
				run.WriteString(string(s.Rune))
				continue
			}
			flush()
			if ls := regexLiterals(s); ls != nil {
				better(ls)
			}
		}
		flush()
		return bestSet
	}
	return nil
}

// literalText returns the lowered text a literal node requires. A case-folded
// literal only keeps its longest piece without letters whose case variants
// lower differently (s/ſ, k/K, Greek sigma, non-ASCII).
func literalText(re *syntax.Regexp) string {
	s := string(re.Rune)
	if re.Flags&syntax.FoldCase == 0 {
		return Lower(s)
	}
	best, cur := "", strings.Builder{}
	for _, r := range s {
		if r >= 0x80 || r == 's' || r == 'S' || r == 'k' || r == 'K' {
			if cur.Len() > len(best) {
				best = cur.String()
			}
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > len(best) {
		best = cur.String()
	}
	return Lower(best)
}

func minLen(set []string) int {
	if len(set) == 0 {
		return 0
	}
	m := len(set[0])
	for _, s := range set[1:] {
		if len(s) < m {
			m = len(s)
		}
	}
	return m
}
