package rt

import (
	"math"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/ast"
)

// The literal index. For each rule we derive a clause from the condition IR: a
// set of atoms of which at least one holds on every event the rule matches.
// An atom says that the lowered text of a field equals, starts with, ends with
// or contains a needle. At run time one Aho-Corasick pass over each indexed
// field finds every needle at once, so an event is checked only against the
// rules of its logsource with an atom that holds (plus the rules without a
// clause). The interpreter and generated code run the same index (see
// Program): NewRuleset derives the clauses, generated code carries them as
// Atom tables.

// atom is an indexable literal: the lowered text of field (every value of the
// event for "") equals, starts with, ends with or contains needle.
type atom struct {
	field  string
	op     AtomOp
	needle string
}

// clause is a disjunction of atoms; top means "no information" (always a candidate).
// A non-top clause without atoms means the rule never matches.
type clause struct {
	top   bool
	atoms []atom
}

var topClause = clause{top: true}

// WeakField reports whether most events of a logsource share the field's
// values (EventID, Channel, ...): an index clause on it selects little, so
// other clauses are preferred.
func WeakField(name string) bool {
	switch name {
	case "EventID", "Channel", "Provider_Name", "EventType", "Level", "Task", "Opcode", "Keywords":
		return true
	}
	return false
}

// indexer derives clauses; popularity counts the rules that test each
// (field, needle): needles many rules share (\cmd.exe as a parent image, .exe)
// are common in events too, so they select less.
type indexer struct {
	popularity map[[2]string]int
}

// probability estimates how often an atom holds on an event of its logsource.
func (ix *indexer) probability(a atom) float64 {
	if WeakField(a.field) {
		return 0.5
	}
	var p float64
	switch n := len(a.needle); {
	case n <= 1:
		p = 0.9
	case n == 2:
		p = 0.5
	case n == 3:
		p = 0.2
	case n == 4:
		p = 0.08
	case n == 5:
		p = 0.04
	case n == 6:
		p = 0.02
	case n <= 9:
		p = 0.01
	default:
		p = 0.004
	}
	switch a.op {
	case AtomPrefix, AtomSuffix:
		p *= 0.5
	case AtomEqual:
		p *= 0.2
	}
	p *= 1 + float64(ix.popularity[[2]string{a.field, a.needle}])/4
	return min(p, 1)
}

// score is the estimated probability that a clause holds (lower selects better).
func (ix *indexer) score(c clause) float64 {
	if c.top {
		return math.Inf(1)
	}
	s := 0.0
	for _, a := range c.atoms {
		s += ix.probability(a)
	}
	return s
}

// best returns the most selective of several clauses (for a conjunction).
func (ix *indexer) best(cs []clause) clause {
	out, score := topClause, math.Inf(1)
	for _, c := range cs {
		if sc := ix.score(c); sc < score {
			out, score = c, sc
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

// countPopularity counts, for each (field, needle) of the rules' string values, the rules that test it.
func (ix *indexer) countPopularity(rules []*ast.Rule) {
	ix.popularity = map[[2]string]int{}
	for _, r := range rules {
		seen := map[[2]string]bool{}
		for _, s := range r.Detection.Searches {
			s.Body.Walk(func(fm *ast.FieldMatch) {
				if fm.IsKeyword() {
					return
				}
				for i := range fm.Values {
					for _, a := range valueClause(ix, &fm.Values[i], fm.Field, fm.Cased).atoms {
						k := [2]string{a.field, a.needle}
						if !seen[k] {
							seen[k] = true
							ix.popularity[k]++
						}
					}
				}
			})
		}
	}
}

// ruleClause returns a necessary clause of a detection.
func (ix *indexer) ruleClause(d *ast.Detection) clause {
	byName := map[string]*ast.Search{}
	for _, s := range d.Searches {
		byName[s.Name] = s
	}
	return ix.exprClause(d.Condition, byName)
}

func (ix *indexer) exprClause(e *ast.Expr, byName map[string]*ast.Search) clause {
	switch e.Op {
	case ast.ExprRef:
		if s := byName[e.Name]; s != nil {
			return ix.matcherClause(s.Body)
		}
	case ast.ExprConst:
		if !e.Value {
			return clause{atoms: []atom{}}
		}
	case ast.ExprAnd, ast.ExprOr:
		cs := make([]clause, len(e.Args))
		for i, a := range e.Args {
			cs[i] = ix.exprClause(a, byName)
		}
		if e.Op == ast.ExprAnd {
			return ix.best(cs)
		}
		return union(cs)
	}
	return topClause
}

func (ix *indexer) matcherClause(m *ast.Matcher) clause {
	if m == nil {
		return topClause
	}
	switch m.Op {
	case ast.MatchField:
		if m.Field != nil {
			return ix.fieldClause(m.Field)
		}
	case ast.MatchAll, ast.MatchAny:
		cs := make([]clause, len(m.Items))
		for i, it := range m.Items {
			cs[i] = ix.matcherClause(it)
		}
		if m.Op == ast.MatchAll {
			return ix.best(cs)
		}
		return union(cs)
	}
	return topClause
}

func (ix *indexer) fieldClause(f *ast.FieldMatch) clause {
	if f.Negate || f.TimePart != "" || len(f.Values) == 0 {
		return topClause
	}
	cs := make([]clause, len(f.Values))
	for i := range f.Values {
		if f.IsKeyword() {
			cs[i] = keywordClause(ix, &f.Values[i], f.Cased)
		} else {
			cs[i] = valueClause(ix, &f.Values[i], f.Field, f.Cased)
		}
	}
	if f.All {
		return ix.best(cs)
	}
	return union(cs)
}

func valueClause(ix *indexer, v *ast.Value, field string, cased bool) clause {
	switch v.Kind {
	case ast.ValString:
		return stringClause(v.Parts, field, cased)
	case ast.ValRegex:
		src := regexSource(v)
		return regexClause(ix, src, field)
	case ast.ValNumber:
		canon := strconv.FormatFloat(v.Number, 'f', -1, 64)
		c := clause{atoms: []atom{{field: field, op: AtomEqual, needle: canon}}}
		if raw := Lower(strings.TrimSpace(v.Raw)); raw != "" && raw != canon {
			c.atoms = append(c.atoms, atom{field: field, op: AtomEqual, needle: raw})
		}
		return c
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = valueClause(ix, &v.Variants[i], field, cased)
		}
		return union(cs)
	}
	return topClause
}

// keywordClause is the clause of a keyword: atoms on every value of the event
// (field ""), as the keyword is searched as a substring of each.
func keywordClause(ix *indexer, v *ast.Value, cased bool) clause {
	switch v.Kind {
	case ast.ValString:
		return stringClause(ContainsParts(v.Parts), "", cased)
	case ast.ValNumber, ast.ValBool:
		return stringClause(ContainsParts([]ast.StringPart{{Kind: ast.PartLit, Text: v.String()}}), "", cased)
	case ast.ValRegex:
		src := regexSource(v)
		return regexClause(ix, src, "")
	case ast.ValExpansion:
		cs := make([]clause, len(v.Variants))
		for i := range v.Variants {
			cs[i] = keywordClause(ix, &v.Variants[i], cased)
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
	one := func(op AtomOp, text string) clause {
		return clause{atoms: []atom{{field: field, op: op, needle: Lower(text)}}}
	}
	switch len(norm) {
	case 0:
		return one(AtomEqual, "")
	case 1:
		if norm[0].kind == 'l' {
			return one(AtomEqual, norm[0].text)
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
		return one(AtomPrefix, norm[0].text)
	case bestI == len(norm)-1:
		return one(AtomSuffix, norm[bestI].text)
	}
	return one(AtomContains, norm[bestI].text)
}

// regexClause derives the literals of which a regular expression's every match
// contains one. A literal under case folding is kept only where each
// character's case variants all lower to the same character (not s: the long
// s folds with it), so that the lowered text contains the lowered literal.
func regexClause(ix *indexer, src, field string) clause {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return topClause
	}
	return reClause(ix, re.Simplify(), field)
}

func reClause(ix *indexer, re *syntax.Regexp, field string) clause {
	switch re.Op {
	case syntax.OpLiteral:
		return literalClause(re.Rune, re.Flags&syntax.FoldCase != 0, field)
	case syntax.OpCapture, syntax.OpPlus:
		return reClause(ix, re.Sub[0], field)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return reClause(ix, re.Sub[0], field)
		}
	case syntax.OpAlternate:
		cs := make([]clause, len(re.Sub))
		for i, sub := range re.Sub {
			cs[i] = reClause(ix, sub, field)
		}
		return union(cs)
	case syntax.OpConcat:
		// Adjacent literals with the same case folding form one longer literal.
		var cs []clause
		var run []rune
		fold := false
		flush := func() {
			if len(run) > 0 {
				cs = append(cs, literalClause(run, fold, field))
				run = nil
			}
		}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				f := sub.Flags&syntax.FoldCase != 0
				if len(run) > 0 && f != fold {
					flush()
				}
				fold = f
				run = append(run, sub.Rune...)
				continue
			}
			flush()
			cs = append(cs, reClause(ix, sub, field))
		}
		flush()
		return ix.best(cs)
	}
	return topClause
}

// literalClause returns a contains atom of the longest safe run of a regex literal.
func literalClause(runes []rune, fold bool, field string) clause {
	best, cur := "", []rune(nil)
	end := func() {
		if s := string(cur); len(s) > len(best) {
			best = s
		}
		cur = nil
	}
	for _, r := range runes {
		if r == utf8.RuneError || (fold && !foldSafe(r)) {
			end()
			continue
		}
		cur = append(cur, r)
	}
	end()
	if best == "" {
		return topClause
	}
	return clause{atoms: []atom{{field: field, op: AtomContains, needle: Lower(best)}}}
}

// foldSafe reports whether every case variant of r lowers to the same character.
func foldSafe(r rune) bool {
	l := unicode.ToLower(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if unicode.ToLower(f) != l {
			return false
		}
	}
	return true
}

// regexSource returns a regular expression value with its i/m/s flags, as compiled.
func regexSource(v *ast.Value) string {
	if v.Flags != "" {
		return "(?" + v.Flags + ")" + v.Regex
	}
	return v.Regex
}

// RegexGuard returns lowered literals of which the lowered text of every
// match of the regular expression src contains one (the index's derivation),
// at most maxGuard of them; nil when there are none or more. The interpreter
// and generated code check them before running the expression.
func RegexGuard(src string) []string {
	c := regexClause(&indexer{}, src, "")
	if c.top || len(c.atoms) == 0 || len(c.atoms) > maxGuard {
		return nil
	}
	out := make([]string, 0, len(c.atoms))
	for _, a := range c.atoms {
		if !slices.Contains(out, a.needle) {
			out = append(out, a.needle)
		}
	}
	return out
}
