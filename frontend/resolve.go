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

// lookup resolves a reference: by id (case-insensitively) before name (exactly),
// and among several rules the one in the referencing file, else the first loaded.
// This is the one place rule references are resolved.
func (ix *index) lookup(ref, file string) (*ast.Rule, ast.ResolvedBy) {
	by := ast.ResolvedByID
	cands := ix.byID[strings.ToLower(ref)]
	if len(cands) == 0 {
		by, cands = ast.ResolvedByName, ix.byName[ref]
	}
	for _, c := range cands {
		if c.Pos.File == file {
			return c, by
		}
	}
	if len(cands) > 0 {
		return cands[0], by
	}
	return nil, ""
}

// link records a resolved reference on the AST.
func link(ref *ast.RuleRef, target *ast.Rule, by ast.ResolvedBy) {
	ref.ID, ref.File, ref.Target, ref.By = target.Ref(), target.Pos.File, target, by
}

// unlink marks a reference unresolved.
func unlink(ref *ast.RuleRef) {
	ref.ID, ref.File, ref.Target, ref.By = "", "", nil, ""
}

// compiler carries the rules and diagnostics through the resolution stages.
type compiler struct {
	rules []*ast.Rule
	ix    *index
	diags ast.Diagnostics
	// filterTargets are the rules each filter applies to, found by resolveFilters.
	filterTargets map[*ast.Rule][]*ast.Rule
}

func (c *compiler) report(sev ast.Severity, p ast.Pos, code, format string, args ...any) {
	c.diags = append(c.diags, ast.Diagnostic{Pos: p, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)})
}

// A stage is one named step of resolution; the stages run in order over all
// loaded rules (as OPA's ast.Compiler runs its stages), each adding its diagnostics.
type stage struct {
	name string
	run  func(*compiler)
}

// stages returns the resolution stages in order.
func stages() []stage {
	return []stage{
		{"resolve-correlation-refs", (*compiler).resolveCorrelations},
		{"check-cycles", (*compiler).checkCycles},
		{"resolve-filter-refs", (*compiler).resolveFilters},
		{"apply-filters", (*compiler).applyFilters},
	}
}

// Stages names the resolution stages Resolve runs, in order.
func Stages() []string {
	var out []string
	for _, s := range stages() {
		out = append(out, s.name)
	}
	return out
}

// Resolve links correlation and filter references to the rules they name
// (RuleRef.Target, ID, File, By: every consumer reads this one resolution),
// checks correlation chains for cycles and applies filter documents onto their
// target rules, in named stages (see Stages). It returns the problems found.
func Resolve(rules []*ast.Rule) ast.Diagnostics {
	c := &compiler{rules: rules, ix: newIndex(rules), filterTargets: map[*ast.Rule][]*ast.Rule{}}
	for _, s := range stages() {
		s.run(c)
	}
	return c.diags
}

// resolveCorrelations links each correlation's rules: entries. A reference to a
// rule outside the loaded set is a warning: the document is valid on its own,
// and consumers that need the target report it.
func (c *compiler) resolveCorrelations() {
	for _, r := range c.rules {
		if r.Kind != ast.KindCorrelation || r.Correlation == nil {
			continue
		}
		corr := r.Correlation
		for i := range corr.Rules {
			ref := &corr.Rules[i]
			target, by := c.ix.lookup(ref.Ref, r.Pos.File)
			switch {
			case target == nil:
				c.report(ast.SeverityWarning, ref.Pos, "unresolved-reference", "correlation references unknown rule %q (no loaded rule has this id or name)", ref.Ref)
				continue
			case target == r:
				c.report(ast.SeverityError, ref.Pos, "correlation-cycle", "correlation references itself")
				continue
			case target.Kind == ast.KindFilter:
				c.report(ast.SeverityError, ref.Pos, "unresolved-reference", "correlation references filter %q; it must reference detection or correlation rules", ref.Ref)
				continue
			}
			link(ref, target, by)
		}
		for _, a := range corr.Aliases {
			for i := range a.Fields {
				f := &a.Fields[i]
				target := aliasTarget(corr.Rules, f.Rule)
				if target == nil {
					c.report(ast.SeverityError, f.Pos, "alias-rule", "alias %q maps rule %q, which the correlation does not reference", a.Name, f.Rule)
					continue
				}
				f.ID, f.Target = target.Ref(), target
			}
		}
	}
}

// aliasTarget returns the rule an aliases entry names among a correlation's
// resolved references: the reference written the same way, else the one
// whose target has that id or name (exactly); nil when none.
func aliasTarget(refs []ast.RuleRef, key string) *ast.Rule {
	if key == "" {
		return nil
	}
	for _, ref := range refs {
		if ref.Target != nil && ref.Ref == key {
			return ref.Target
		}
	}
	for _, ref := range refs {
		if t := ref.Target; t != nil && (t.ID == key || t.Name == key) {
			return t
		}
	}
	return nil
}

// checkCycles reports correlation chains that loop back on themselves.
func (c *compiler) checkCycles() {
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
				if t := ref.Target; t != nil && t.Kind == ast.KindCorrelation && visit(t) {
					cyc = true
				}
			}
		}
		state[r] = 2
		return cyc
	}
	for _, r := range c.rules {
		if r.Kind == ast.KindCorrelation && state[r] == 0 && visit(r) {
			c.report(ast.SeverityError, r.KeyPos("correlation"), "correlation-cycle", "correlation chain references itself in a cycle")
		}
	}
}

// resolveFilters links each filter's rules: entries and finds the rules it applies to.
func (c *compiler) resolveFilters() {
	for _, f := range c.rules {
		if f.Kind != ast.KindFilter || f.Filter == nil || f.Filter.Detection == nil {
			continue
		}
		var targets []*ast.Rule
		anyRule := len(f.Filter.Rules) == 0
		for i := range f.Filter.Rules {
			ref := &f.Filter.Rules[i]
			if strings.EqualFold(ref.Ref, "any") {
				anyRule = true
				continue
			}
			t, by := c.ix.lookup(ref.Ref, f.Pos.File)
			if t == nil {
				c.report(ast.SeverityWarning, ref.Pos, "unresolved-reference", "filter references unknown rule %q (no loaded rule has this id or name)", ref.Ref)
				continue
			}
			if t.Kind != ast.KindDetection {
				c.report(ast.SeverityError, ref.Pos, "unresolved-reference", "filter references %q, which is a %s, not a detection rule", ref.Ref, t.Kind)
				continue
			}
			if !logsourceContains(f.Logsource, t.Logsource) {
				c.report(ast.SeverityWarning, ref.Pos, "filter-logsource", "filter logsource does not cover rule %q's logsource; filter not applied to it", ref.Ref)
				continue
			}
			link(ref, t, by)
			targets = append(targets, t)
		}
		if anyRule {
			for _, t := range c.rules {
				if t.Kind == ast.KindDetection && logsourceContains(f.Logsource, t.Logsource) {
					targets = append(targets, t)
				}
			}
		}
		c.filterTargets[f] = targets
	}
}

// applyFilters adds each filter's searches and condition to the rules it applies to.
func (c *compiler) applyFilters() {
	filterNo := 0
	for _, f := range c.rules {
		if f.Kind != ast.KindFilter || f.Filter == nil || f.Filter.Detection == nil {
			continue
		}
		filterNo++
		seen := map[*ast.Rule]bool{}
		for _, t := range c.filterTargets[f] {
			if !seen[t] && t.Detection != nil {
				seen[t] = true
				applyFilter(t, f, fmt.Sprintf("_filt%d_", filterNo))
			}
		}
	}
}

// unlinkDropped marks unresolved the references whose target is not among
// rules (its file failed to load), so consumers see it as not loaded.
func unlinkDropped(rules []*ast.Rule) {
	in := make(map[*ast.Rule]bool, len(rules))
	for _, r := range rules {
		in[r] = true
	}
	for _, r := range rules {
		var refs []ast.RuleRef
		switch {
		case r.Correlation != nil:
			refs = r.Correlation.Rules
		case r.Filter != nil:
			refs = r.Filter.Rules
		}
		for i := range refs {
			if t := refs[i].Target; t != nil && !in[t] {
				unlink(&refs[i])
			}
		}
		if r.Correlation == nil {
			continue
		}
		for _, a := range r.Correlation.Aliases {
			for i := range a.Fields {
				if f := &a.Fields[i]; f.Target != nil && !in[f.Target] {
					f.ID, f.Target = "", nil
				}
			}
		}
	}
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
