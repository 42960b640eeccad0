package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// TestPySigmaDifferential runs pipelines taken from pySigma's test suite
// (tests/test_processing_transformations.py, tests/test_processing_pipeline.py and the
// YAML files under tests/files) on the rules of those tests. Each want section holds
// pySigma's expected field names, values, conditions and logsources from the test's
// assertions, in this package's rendering; the file's first lines name the pySigma test.
func TestPySigmaDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pysigma", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sections := splitSections(string(data))
			var pls []*Pipeline
			for _, name := range sections.order {
				if !strings.HasPrefix(name, "pipeline") {
					continue
				}
				pl, diags := Parse(name, []byte(sections.text[name]))
				if diags.HasErrors() {
					t.Fatalf("%s: %v", name, diags)
				}
				pls = append(pls, pl)
			}
			res := frontend.LoadBytes("rule.yml", []byte(sections.text["rule.yml"]))
			if res.Diagnostics.HasErrors() {
				t.Fatalf("rule: %v", res.Diagnostics)
			}
			kept, diags := Resolve(pls).Apply(res.Rules)
			if diags.HasErrors() {
				t.Fatalf("apply: %v", diags)
			}
			var b strings.Builder
			for _, r := range kept {
				b.WriteString(renderWithText(r))
			}
			if got, want := b.String(), sections.text["want"]; got != want {
				t.Errorf("got:\n%s\nwant (pySigma):\n%s", got, want)
			}
		})
	}
}

// renderWithText adds the condition as pySigma writes it after add_condition.
func renderWithText(r *ast.Rule) string {
	out := render(r)
	if r.Detection == nil {
		return out
	}
	for _, c := range r.Detection.Conditions {
		if c.Text != r.Detection.Condition.String() {
			out = strings.Replace(out, "condition: "+r.Detection.Condition.String()+"\n",
				"condition: "+r.Detection.Condition.String()+"\ncondition text: "+c.Text+"\n", 1)
		}
	}
	return out
}

type sections struct {
	order []string
	text  map[string]string
}

// splitSections reads "-- name --" sections (txtar); text before the first is a comment.
func splitSections(s string) sections {
	out := sections{text: map[string]string{}}
	cur := ""
	for _, line := range strings.SplitAfter(s, "\n") {
		trim := strings.TrimSpace(line)
		if strings.HasPrefix(trim, "-- ") && strings.HasSuffix(trim, " --") {
			cur = strings.TrimSuffix(strings.TrimPrefix(trim, "-- "), " --")
			out.order = append(out.order, cur)
			continue
		}
		if cur != "" {
			out.text[cur] += line
		}
	}
	return out
}
