package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/frontend"
)

// FuzzParseApply: any pipeline text parses to a pipeline or to positioned diagnostics,
// and a parsed pipeline applies to a rule without panicking.
func FuzzParseApply(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pysigma", "*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		sec := splitSections(string(data))
		for _, name := range sec.order {
			if strings.HasPrefix(name, "pipeline") {
				f.Add(sec.text[name])
			}
		}
	}
	f.Add("transformations:\n  - {type: add_condition, template: true, conditions: {a|contains: [$category]}}\n")
	f.Add("transformations:\n  - {type: nest, items: [{type: nest, items: []}]}\n")
	res := frontend.LoadBytes("r.yml", []byte(sigmaRule))
	if res.Diagnostics.HasErrors() {
		f.Fatal(res.Diagnostics)
	}
	f.Fuzz(func(t *testing.T, text string) {
		pl, diags := Parse("p.yml", []byte(text))
		for _, d := range diags {
			if d.Pos.File != "p.yml" {
				t.Fatalf("diagnostic without the pipeline file: %v", d)
			}
		}
		if pl == nil {
			if len(diags) == 0 {
				t.Fatal("no pipeline and no diagnostic")
			}
			return
		}
		rules := frontend.LoadBytes("r.yml", []byte(sigmaRule)).Rules
		_, ds := Resolve([]*Pipeline{pl}).Apply(rules)
		for _, d := range ds {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("panic while applying: %v\n%s", d, text)
			}
		}
	})
}
