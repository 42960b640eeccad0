package correlation

import (
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// TestReadsResolution: the engine links each correlation to the rules the
// front end resolved (frontend/testdata/resolve: an id in other case, a name
// that is also another rule's id, an id two files share), not to its own lookup.
func TestReadsResolution(t *testing.T) {
	res := frontend.Load([]string{filepath.Join("..", "..", "frontend", "testdata", "resolve")}, frontend.Options{})
	byTitle := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		byTitle[r.Title] = r
	}
	e, errs := New(res.Rules, Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string][]string{
		"Correlation in b": {"Lower id", "Id collision", "Shared id in b"},
		"Correlation in c": {"Shared id in c"},
	}
	suppressed := SuppressedSet(res.Rules)
	for corr, bases := range want {
		for _, title := range bases {
			links := e.byBase[byTitle[title]]
			if len(links) != 1 || links[0].c.rule != byTitle[corr] {
				t.Errorf("%s: %s feeds %d correlations, want only %s", corr, title, len(links), corr)
			}
			if !suppressed(byTitle[title]) || !Suppressed(byTitle[title], res.Rules) {
				t.Errorf("%s is referenced by a generate: false correlation and not suppressed", title)
			}
		}
	}
	if named := byTitle["Named collision"]; e.Interested(named) || suppressed(named) || Suppressed(named, res.Rules) {
		t.Errorf("the rule named like another rule's id was taken for it")
	}
}
