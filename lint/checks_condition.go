package lint

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// maxTruthTable is the largest number of free search identifiers whose truth table is enumerated.
const maxTruthTable = 16

// neverMatches reports whether a matcher can match no event: an AND containing an item
// that cannot match, or an OR of such; an item cannot match when `|all` asks one field to
// equal several different exact values.
func neverMatches(m *ast.Matcher) bool {
	if m == nil {
		return false
	}
	switch m.Op {
	case ast.MatchField:
		return impossibleItem(m.Field)
	case ast.MatchAll:
		for _, it := range m.Items {
			if neverMatches(it) {
				return true
			}
		}
		return false
	case ast.MatchAny:
		for _, it := range m.Items {
			if !neverMatches(it) {
				return false
			}
		}
		return len(m.Items) > 0
	}
	return false
}

// impossibleItem: `field|all` over two or more different exact values (without neq).
func impossibleItem(fm *ast.FieldMatch) bool {
	return fm != nil && fm.All && !fm.Negate && !fm.IsKeyword() && distinctExactValues(fm) >= 2
}

// distinctExactValues counts the different exact values of an item (plain strings,
// numbers, booleans); it returns 0 when a value is a pattern, a regex, a range... that
// could hold together with another.
func distinctExactValues(fm *ast.FieldMatch) int {
	distinct := map[string]bool{}
	for i := range fm.Values {
		v := &fm.Values[i]
		switch {
		case v.Kind == ast.ValString && v.IsPlain(), v.Kind == ast.ValNumber, v.Kind == ast.ValBool:
			distinct[valueKey(v, caseInsensitive(fm))] = true
		default:
			return 0
		}
	}
	return len(distinct)
}

// compileExpr turns an expression into a function of a bit mask: bit i is the value of
// search vars[i]; names absent from vars are fixed false.
func compileExpr(e *ast.Expr, vars map[string]uint) func(uint32) bool {
	switch e.Op {
	case ast.ExprConst:
		v := e.Value
		return func(uint32) bool { return v }
	case ast.ExprRef:
		bit, ok := vars[e.Name]
		if !ok {
			return func(uint32) bool { return false }
		}
		mask := uint32(1) << bit
		return func(m uint32) bool { return m&mask != 0 }
	case ast.ExprNot:
		a := compileExpr(e.Args[0], vars)
		return func(m uint32) bool { return !a(m) }
	}
	args := make([]func(uint32) bool, len(e.Args))
	for i, a := range e.Args {
		args[i] = compileExpr(a, vars)
	}
	if e.Op == ast.ExprAnd {
		return func(m uint32) bool {
			for _, a := range args {
				if !a(m) {
					return false
				}
			}
			return true
		}
	}
	return func(m uint32) bool {
		for _, a := range args {
			if a(m) {
				return true
			}
		}
		return false
	}
}

// condFacts summarises what a condition can do, over its searches taken as independent.
type condFacts struct {
	never, always, emptyMatch bool
	// decided is false when the condition has too many searches to enumerate.
	decided bool
	// impossible lists the searches that can never match.
	impossible []string
	// contradiction names a search `x` found as `x and not x` (when not decided).
	contradiction string
}

func analyseCondition(det *ast.Detection) condFacts {
	var f condFacts
	e := det.Condition
	vars := map[string]uint{}
	for _, name := range e.Refs() {
		if s := det.Search(name); s != nil && neverMatches(s.Body) {
			f.impossible = append(f.impossible, name)
			continue
		}
		vars[name] = uint(len(vars))
	}
	if len(vars) > maxTruthTable {
		f.contradiction = contradiction(e)
		f.never = f.contradiction != ""
		return f
	}
	f.decided = true
	eval := compileExpr(e, vars)
	f.never, f.always = true, true
	for m := uint32(0); m < 1<<len(vars); m++ {
		if eval(m) {
			f.never = false
		} else {
			f.always = false
		}
		if !f.never && !f.always {
			break
		}
	}
	f.emptyMatch = eval(0)
	return f
}

// contradiction finds an AND node holding both x and not x; it returns x, or "".
func contradiction(e *ast.Expr) string {
	if e.Op == ast.ExprAnd {
		pos, neg := map[string]bool{}, map[string]bool{}
		for _, a := range e.Args {
			switch {
			case a.Op == ast.ExprRef:
				pos[a.Name] = true
			case a.Op == ast.ExprNot && a.Args[0].Op == ast.ExprRef:
				neg[a.Args[0].Name] = true
			}
		}
		for n := range pos {
			if neg[n] {
				return n
			}
		}
	}
	for _, a := range e.Args {
		if c := contradiction(a); c != "" {
			return c
		}
	}
	return ""
}

// conditionPos is where condition findings point: the first condition as written.
func conditionPos(r *ast.Rule, det *ast.Detection) ast.Pos {
	if len(det.Conditions) > 0 {
		return det.Conditions[0].Pos
	}
	if p, ok := r.Keys["detection"]; ok {
		return p
	}
	return det.Pos
}

func conditionChecks() []*Check {
	c := func(id string, sev ast.Severity, summary string, run func(p *Pass, r *ast.Rule, det *ast.Detection, f condFacts)) *Check {
		return &Check{ID: id, Severity: sev, Category: CatCondition, Summary: summary, Run: func(p *Pass) {
			p.Detections(func(r *ast.Rule, det *ast.Detection) {
				if det.Condition == nil || len(det.Conditions) == 0 {
					return
				}
				run(p, r, det, p.Index.conditionFacts(det))
			})
		}}
	}
	return []*Check{
		c("condition-never-matches", ast.SeverityError, "the condition can never match",
			func(p *Pass, r *ast.Rule, det *ast.Detection, f condFacts) {
				if !f.never {
					return
				}
				why := ""
				switch {
				case det.Condition.Op == ast.ExprConst:
					why = "nothing is left of it (patterns that matched no search identifier dropped out)"
				case f.contradiction != "":
					why = fmt.Sprintf("it requires %q and not %q", f.contradiction, f.contradiction)
				case len(f.impossible) > 0:
					why = fmt.Sprintf("search %s can never match and the condition needs it", quoteList(f.impossible))
				default:
					why = "it is false for every combination of its searches (" + det.Condition.String() + ")"
				}
				p.Reportf(r, conditionPos(r, det), "condition can never match: %s", why)
			}),
		c("condition-always-matches", ast.SeverityError, "the condition matches every event",
			func(p *Pass, r *ast.Rule, det *ast.Detection, f condFacts) {
				if f.decided && f.always {
					p.Reportf(r, conditionPos(r, det), "condition matches every event: it is true for every combination of its searches (%s)", det.Condition)
				}
			}),
		c("negated-condition", ast.SeverityNote, "the condition matches events that match none of its searches",
			func(p *Pass, r *ast.Rule, det *ast.Detection, f condFacts) {
				if f.decided && f.emptyMatch && !f.always {
					p.Reportf(r, conditionPos(r, det), "condition is true when none of its searches match: the rule fires on every event of its logsource but those they describe (%s)", det.Condition)
				}
			}),
	}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
