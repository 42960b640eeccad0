package frontend

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rulec/rulec/ast"
)

// ResolveWant lists, for each correlation of testdata/resolve, the titles of
// the rules its references resolve to: ids compare case-insensitively, an id
// wins over a name, and among rules sharing an id the referencing file's wins.
var resolveWant = map[string][]string{
	"Correlation in b": {"Lower id", "Id collision", "Shared id in b"},
	"Correlation in c": {"Shared id in c"},
}

func TestResolveTargets(t *testing.T) {
	res := Load([]string{filepath.Join("testdata", "resolve")}, Options{})
	byTitle := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		byTitle[r.Title] = r
	}
	for title, want := range resolveWant {
		corr := byTitle[title]
		if corr == nil || len(corr.Correlation.Rules) != len(want) {
			t.Fatalf("%s not loaded as expected: %v", title, res.Diagnostics)
		}
		for i, w := range want {
			ref, target := corr.Correlation.Rules[i], byTitle[w]
			if target == nil || ref.Target != target || ref.By != ast.ResolvedByID || ref.ID != target.Ref() || ref.File != target.Pos.File {
				t.Errorf("%s: reference %q: target %v by %q, want %q by id", title, ref.Ref, ref.Target, ref.By, w)
			}
		}
	}
	if got, want := Stages(), []string{"resolve-correlation-refs", "check-cycles", "resolve-filter-refs", "apply-filters"}; !slices.Equal(got, want) {
		t.Errorf("Stages() = %v, want %v", got, want)
	}
	// A name resolves when no id matches.
	res = LoadBytes("n.yml", []byte("title: N\nname: only_name\nlogsource: {product: x}\ndetection: {sel: {a: 1}, condition: sel}\n---\ntitle: C\ncorrelation: {type: event_count, rules: [only_name], timespan: 5m, condition: {gte: 2}}\n"))
	if len(res.Rules) != 2 || res.Rules[1].Correlation.Rules[0].Target != res.Rules[0] || res.Rules[1].Correlation.Rules[0].By != ast.ResolvedByName {
		t.Errorf("reference by name: %+v %v", res.Rules, res.Diagnostics)
	}
}

// TestResolveDropped: a reference whose target's file failed is unresolved.
func TestResolveDropped(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"base.yml": "title: Base\nid: base-rule\nlogsource: {product: windows}\ndetection: {sel: {EventID: 1}, condition: sel}\n---\ntitle: Broken\ncorrelation: {type: event_count, rules: [base-rule, base-rule-2], timespan: 5m, condition: {gte: 2}, aliases: {x: {nothere: y}}}\n",
		"corr.yml": "title: C\ncorrelation: {type: event_count, rules: [base-rule], timespan: 5m, condition: {gte: 2}}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res := Load([]string{dir}, Options{})
	for _, r := range res.Rules {
		if r.Title == "C" {
			if ref := r.Correlation.Rules[0]; ref.Target != nil || ref.ID != "" {
				t.Errorf("reference to a rule of a failed file kept its target %v (%q)", ref.Target, ref.ID)
			}
			return
		}
	}
	t.Fatalf("correlation C not loaded: %v", res.Diagnostics)
}

// TestResolveAliases: each aliases entry carries the rule it stands for, the
// target of the reference it names (written the same way, or the target's id
// or name), not a rule whose name happens to be the written text.
func TestResolveAliases(t *testing.T) {
	src := "title: Upper\nid: 5d1e6a6e-0000-4000-8000-0000000000a1\nlogsource: {product: x}\ndetection: {sel: {a: 1}, condition: sel}\n" +
		"---\ntitle: Decoy\nid: decoy\nname: 5D1E6A6E-0000-4000-8000-0000000000A1\nlogsource: {product: x}\ndetection: {sel: {a: 2}, condition: sel}\n" +
		"---\ntitle: C\ncorrelation: {type: event_count, rules: [5D1E6A6E-0000-4000-8000-0000000000A1, decoy], group-by: [ip], timespan: 5m, condition: {gte: 2}, " +
		"aliases: {ip: {5D1E6A6E-0000-4000-8000-0000000000A1: src, decoy: dst}}}\n"
	res := LoadBytes("a.yml", []byte(src))
	if len(res.Rules) != 3 {
		t.Fatalf("loaded %d rules: %v", len(res.Rules), res.Diagnostics)
	}
	upper, decoy, fields := res.Rules[0], res.Rules[1], res.Rules[2].Correlation.Aliases[0].Fields
	if fields[0].Target != upper || fields[0].ID != upper.Ref() {
		t.Errorf("alias by the written reference: target %v, id %q; want Upper", fields[0].Target, fields[0].ID)
	}
	if fields[1].Target != decoy {
		t.Errorf("alias %q resolved to %v, want Decoy", fields[1].Rule, fields[1].Target)
	}
	if f, _ := res.Rules[2].Correlation.Aliases[0].FieldFor(decoy); f != "dst" {
		t.Errorf("the decoy named like the written id reads alias field %q, want dst", f)
	}
	if f, _ := res.Rules[2].Correlation.Aliases[0].FieldFor(upper); f != "src" {
		t.Errorf("Upper reads alias field %q, want src", f)
	}
}
