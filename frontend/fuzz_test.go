package frontend

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/ast"
)

// FuzzLoad feeds arbitrary bytes to the YAML loader: it must never panic or hang,
// every diagnostic must name the file, and every loaded rule must serialise.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("../corpus/rules/*/*.yml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"title: x\nlogsource: {product: windows}\ndetection:\n  sel: {a|contains|all: [b, c]}\n  condition: sel\n",
		"a: &a [*a, *a]\n",
		"title: t\ndetection:\n  sel:\n    - x\n    - {y: 1}\n  condition: 1 of them | count() > 3\n",
		"action: global\ntitle: g\n---\naction: repeat\n---\nlogsource: {}\ndetection: {s: {f|re|i: '(', f2|cidr: '1.2.3.4/33'}, condition: s}\n",
		"correlation: {type: event_count, rules: [a], timespan: 99999999999999d, condition: {gte: x}}\n",
		"filter: {rules: any, selection: {a: null}, condition: not selection}\nlogsource: {product: p}\ntitle: f\n",
		"detection:\n  s:\n    f|windash|contains: '-a -b -c -d -e -f -g'\n  condition: s\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, diags := decodeFile("fuzz.yml", data, nil)
		diags = append(diags, Resolve(rules)...)
		for _, d := range diags {
			if d.Pos.File != "fuzz.yml" || d.Message == "" {
				t.Fatalf("diagnostic without file or message: %+v", d)
			}
		}
		for _, r := range rules {
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("rule does not serialise: %v", err)
			}
			if r.Detection != nil && r.Detection.Condition == nil {
				t.Fatalf("detection without condition IR")
			}
		}
		_ = ast.Diagnostics(diags)
	})
}
