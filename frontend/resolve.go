package frontend

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// index finds rules by id (case-insensitively, as pySigma compares UUIDs) or by name.
type index struct {
	byID   map[string][]*ast.Rule
	byName map[string][]*ast.Rule
}

func newIndex(rules []*ast.Rule) *index {
	ix := &index{byID: map[string][]*ast.Rule{}, byName: map[string][]*ast.Rule{}}
	for _, r := range rules {
		if r.ID != "" {
			k := strings.ToLower(r.ID)
			ix.byID[k] = append(ix.byID[k], r)
		}
		if r.Name != "" {
			ix.byName[r.Name] = append(ix.byName[r.Name], r)
		}
	}
	return ix
}

// lookup resolves a reference, preferring a rule in the same file when several match.
func (ix *index) lookup(ref, file string) *ast.Rule {
	cands := ix.byID[strings.ToLower(ref)]
	if len(cands) == 0 {
		cands = ix.byName[ref]
	}
	for _, c := range cands {
		if c.Pos.File == file {
			return c
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return nil
}

// Resolve links correlation rules to the rules they reference and applies filter
// documents onto their target rules. It returns the problems found.
func Resolve(rules []*ast.Rule) ast.Diagnostics {
	var diags ast.Diagnostics
	errAt := func(p ast.Pos, code, format string, args ...any) {
		diags = append(diags, ast.Diagnostic{Pos: p, Severity: ast.SeverityError, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	// A reference to a rule outside the loaded set is a warning: the document is
	// valid on its own, and consumers that need the target report it.
	warnAt := func(p ast.Pos, code, format string, args ...any) {
		diags = append(diags, ast.Diagnostic{Pos: p, Severity: ast.SeverityWarning, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	ix := newIndex(rules)
	for _, r := range rules {
		if r.Kind != ast.KindCorrelation || r.Correlation == nil {
			continue
		}
		c := r.Correlation
		refs := map[string]bool{}
		for i := range c.Rules {
			ref := &c.Rules[i]
			target := ix.lookup(ref.Ref, r.Pos.File)
			switch {
			case target == nil:
				warnAt(ref.Pos, "unresolved-reference", "correlation references unknown rule %q (no loaded rule has this id or name)", ref.Ref)
				continue
			case target == r:
				errAt(ref.Pos, "correlation-cycle", "correlation references itself")
				continue
			case target.Kind == ast.KindFilter:
				errAt(ref.Pos, "unresolved-reference", "correlation references filter %q; it must reference detection or correlation rules", ref.Ref)
				continue
			}
			ref.ID, ref.File = target.Ref(), target.Pos.File
			refs[ref.Ref], refs[target.ID], refs[target.Name] = true, true, true
		}
		for _, a := range c.Aliases {
			for _, f := range a.Fields {
				if !refs[f.Rule] {
					errAt(f.Pos, "alias-rule", "alias %q maps rule %q, which the correlation does not reference", a.Name, f.Rule)
				}
			}
		}
	}
	diags = append(diags, checkCycles(rules, ix)...)

	filterNo := 0
	for _, f := range rules {
		if f.Kind != ast.KindFilter || f.Filter == nil || f.Filter.Detection == nil {
			continue
		}
		filterNo++
		var targets []*ast.Rule
		anyRule := len(f.Filter.Rules) == 0
		for i := range f.Filter.Rules {
			ref := &f.Filter.Rules[i]
			if strings.EqualFold(ref.Ref, "any") {
				anyRule = true
				continue
			}
			t := ix.lookup(ref.Ref, f.Pos.File)
			if t == nil {
				warnAt(ref.Pos, "unresolved-reference", "filter references unknown rule %q (no loaded rule has this id or name)", ref.Ref)
				continue
			}
			if t.Kind != ast.KindDetection {
				errAt(ref.Pos, "unresolved-reference", "filter references %q, which is a %s, not a detection rule", ref.Ref, t.Kind)
				continue
			}
			if !logsourceContains(f.Logsource, t.Logsource) {
				diags = append(diags, ast.Diagnostic{Pos: ref.Pos, Severity: ast.SeverityWarning, Code: "filter-logsource",
					Message: fmt.Sprintf("filter logsource does not cover rule %q's logsource; filter not applied to it", ref.Ref)})
				continue
			}
			ref.ID, ref.File = t.Ref(), t.Pos.File
			targets = append(targets, t)
		}
		if anyRule {
			for _, t := range rules {
				if t.Kind == ast.KindDetection && logsourceContains(f.Logsource, t.Logsource) {
					targets = append(targets, t)
				}
			}
		}
		seen := map[*ast.Rule]bool{}
		for _, t := range targets {
			if !seen[t] && t.Detection != nil {
				seen[t] = true
				applyFilter(t, f, fmt.Sprintf("_filt%d_", filterNo))
			}
		}
	}
	return diags
}

// logsourceContains reports whether every logsource field the filter sets equals the rule's.
func logsourceContains(filter, rule ast.Logsource) bool {
	return (filter.Category == "" || filter.Category == rule.Category) &&
		(filter.Product == "" || filter.Product == rule.Product) &&
		(filter.Service == "" || filter.Service == rule.Service)
}

// applyFilter adds a filter's searches to a rule under a prefix and ANDs its condition
// into the rule's, as pySigma does: `(rule condition) and (filter condition)`.
func applyFilter(r, f *ast.Rule, prefix string) {
	det := r.Detection
	for _, s := range f.Filter.Detection.Searches {
		det.Searches = append(det.Searches, &ast.Search{Name: prefix + s.Name, Pos: s.Pos, Body: s.Body, FromFilter: f.Ref()})
	}
	det.Condition = ast.And(det.Condition, renameRefs(f.Filter.Detection.Condition, prefix))
	r.AppliedFilters = append(r.AppliedFilters, f.Ref())
}

func renameRefs(e *ast.Expr, prefix string) *ast.Expr {
	switch e.Op {
	case ast.ExprRef:
		return ast.Ref(prefix + e.Name)
	case ast.ExprConst:
		return e
	}
	out := &ast.Expr{Op: e.Op, Args: make([]*ast.Expr, len(e.Args))}
	for i, a := range e.Args {
		out.Args[i] = renameRefs(a, prefix)
	}
	return out
}

// checkCycles reports correlation chains that loop back on themselves.
func checkCycles(rules []*ast.Rule, ix *index) ast.Diagnostics {
	var diags ast.Diagnostics
	state := map[*ast.Rule]int{} // 0 new, 1 visiting, 2 done
	var visit func(r *ast.Rule) bool
	visit = func(r *ast.Rule) bool {
		switch state[r] {
		case 1:
			return true
		case 2:
			return false
		}
		state[r] = 1
		cyc := false
		if r.Correlation != nil {
			for _, ref := range r.Correlation.Rules {
				if t := ix.lookup(ref.Ref, r.Pos.File); t != nil && t != r && t.Kind == ast.KindCorrelation && visit(t) {
					cyc = true
				}
			}
		}
		state[r] = 2
		return cyc
	}
	for _, r := range rules {
		if r.Kind == ast.KindCorrelation && state[r] == 0 && visit(r) {
			diags = append(diags, ast.Diagnostic{Pos: r.KeyPos("correlation"), Severity: ast.SeverityError, Code: "correlation-cycle", Message: "correlation chain references itself in a cycle"})
		}
	}
	return diags
}
