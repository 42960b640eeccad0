package lint

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// correlationTargets calls fn for every correlation rule and each rule it references that loaded.
func correlationTargets(p *Pass, fn func(r *ast.Rule, c *ast.Correlation, ref ast.RuleRef, base *ast.Rule)) {
	for _, r := range p.Rules {
		c := r.Correlation
		if r.Kind != ast.KindCorrelation || c == nil {
			continue
		}
		for _, ref := range c.Rules {
			if base := p.Index.Lookup(ref); base != nil && base != r {
				fn(r, c, ref, base)
			}
		}
	}
}

// fieldFor returns the field a correlation field name stands for in one referenced rule,
// following the aliases (by the rule they resolve to).
func fieldFor(c *ast.Correlation, name string, base *ast.Rule) string {
	for _, a := range c.Aliases {
		if a.Name == name {
			if f, ok := a.FieldFor(base); ok {
				return f
			}
		}
	}
	return name
}

// countBounds reports whether a count condition holds for every count >= 1 (always) or for none (never).
func countBounds(t ast.Threshold) (always, never bool) {
	switch t.Op {
	case ast.OpGTE:
		return t.Value <= 1, false
	case ast.OpGT:
		return t.Value < 1, false
	case ast.OpLT:
		return false, t.Value <= 1
	case ast.OpLTE:
		return false, t.Value < 1
	case ast.OpEQ:
		return false, t.Value < 1 || t.Value != float64(int64(t.Value))
	}
	return false, false
}

func correlationChecks() []*Check {
	W := ast.SeverityWarning
	return []*Check{
		{ID: "correlation-unset-field", Severity: W, Category: CatCorrelation, Summary: "a group-by or condition field is never set by a referenced rule",

			Run: func(p *Pass) {
				correlationTargets(p, func(r *ast.Rule, c *ast.Correlation, ref ast.RuleRef, base *ast.Rule) {
					have := p.Index.Fields(base)
					check := func(name, role string) {
						f := fieldFor(c, name, base)
						if have[f] {
							return
						}
						for h := range have {
							if strings.EqualFold(h, f) {
								p.Reportf(r, c.Pos, "%s field %q is spelled %q in rule %q", role, f, h, ref.Ref)
								return
							}
						}
						via := ""
						if f != name {
							via = fmt.Sprintf(" (alias %q)", name)
						}
						p.Reportf(r, c.Pos, "%s field %q%s is never set by rule %q: its detection does not test it, its fields list does not name it", role, f, via, ref.Ref)
					}
					for _, g := range c.GroupBy {
						check(g, "group-by")
					}
					for _, f := range c.Field {
						check(f, "condition")
					}
				})
			}},
		{ID: "correlation-temporal-single", Severity: W, Category: CatCorrelation, Summary: "a temporal correlation references a single rule",

			Run: func(p *Pass) {
				for _, r := range p.Rules {
					c := r.Correlation
					if c != nil && (c.Type == ast.Temporal || c.Type == ast.TemporalOrdered) && len(c.Rules) == 1 {
						p.Reportf(r, r.KeyPos("correlation"), "%s correlation references the single rule %q", c.Type, c.Rules[0].Ref)
					}
				}
			}},
		{ID: "correlation-condition-trivial", Severity: W, Category: CatCorrelation, Summary: "a count condition is always or never true",

			Run: func(p *Pass) {
				for _, r := range p.Rules {
					c := r.Correlation
					if c == nil || (c.Type != ast.EventCount && c.Type != ast.ValueCount) {
						continue
					}
					for _, t := range c.Condition {
						switch always, never := countBounds(t); {
						case always:
							p.Reportf(r, t.Pos, "condition %s %g holds for every group: the correlation fires on every event of its rules", t.Op, t.Value)
						case never:
							p.Reportf(r, t.Pos, "condition %s %g holds for no group (a group has at least one event): the correlation never fires", t.Op, t.Value)
						}
					}
				}
			}},
	}
}
