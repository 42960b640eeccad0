package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// render prints what consumers see of a processed rule, one fact per line.
func render(r *ast.Rule) string {
	var b strings.Builder
	ls := r.Logsource
	fmt.Fprintf(&b, "logsource: category=%s product=%s service=%s\n", ls.Category, ls.Product, ls.Service)
	if r.Detection != nil {
		for _, s := range r.Detection.Searches {
			fmt.Fprintf(&b, "%s: %s\n", s.Name, renderMatcher(s.Body))
		}
		fmt.Fprintf(&b, "condition: %s\n", r.Detection.Condition)
	}
	if r.Correlation != nil {
		fmt.Fprintf(&b, "group-by: %s\n", strings.Join(r.Correlation.GroupBy, ","))
		for _, a := range r.Correlation.Aliases {
			for _, f := range a.Fields {
				fmt.Fprintf(&b, "alias %s: %s=%s\n", a.Name, f.Rule, f.Field)
			}
		}
		fmt.Fprintf(&b, "field: %s\n", strings.Join(r.Correlation.Field, ","))
	}
	if r.Fields != nil {
		fmt.Fprintf(&b, "fields: %s\n", strings.Join(r.Fields, ","))
	}
	if len(r.ProcessingItemsApplied) > 0 {
		fmt.Fprintf(&b, "applied: %s\n", strings.Join(r.ProcessingItemsApplied, ","))
	}
	return b.String()
}

func renderMatcher(m *ast.Matcher) string {
	switch m.Op {
	case ast.MatchField:
		fm := m.Field
		vals := make([]string, len(fm.Values))
		for i := range fm.Values {
			vals[i] = fm.Values[i].String()
		}
		name := fm.Field
		if name == "" {
			name = "<keyword>"
		}
		for _, mod := range fm.Modifiers {
			name += "|" + mod.Name
		}
		if len(vals) == 1 {
			return name + "=" + vals[0]
		}
		return name + "=[" + strings.Join(vals, ",") + "]"
	case ast.MatchAll, ast.MatchAny:
		op := "and"
		if m.Op == ast.MatchAny {
			op = "or"
		}
		parts := make([]string, len(m.Items))
		for i, it := range m.Items {
			parts[i] = renderMatcher(it)
		}
		return op + "(" + strings.Join(parts, ", ") + ")"
	}
	return "?"
}

// process loads rules and a pipeline from text and renders every processed rule.
func process(t *testing.T, pipelineYAML string, rules ...string) (string, ast.Diagnostics) {
	t.Helper()
	pl, diags := Parse("p.yml", []byte(pipelineYAML))
	if diags.HasErrors() {
		return "", diags
	}
	res := frontend.LoadBytes("r.yml", []byte(strings.Join(rules, "\n---\n")))
	if res.Diagnostics.HasErrors() {
		t.Fatalf("rules do not load: %v", res.Diagnostics)
	}
	kept, ds := Resolve([]*Pipeline{pl}).Apply(res.Rules)
	var b strings.Builder
	for i, r := range kept {
		if i > 0 {
			b.WriteString("---\n")
		}
		b.WriteString(render(r))
	}
	return b.String(), ds
}
