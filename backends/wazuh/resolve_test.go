package wazuh

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// TestReadsResolution: the correlations' base rules are those the front end
// resolved (frontend/testdata/resolve: an id in other case, a name that is
// also another rule's id, an id two files share).
func TestReadsResolution(t *testing.T) {
	res := frontend.Load([]string{filepath.Join("..", "..", "frontend", "testdata", "resolve")}, frontend.Options{})
	out, err := Build(res.Rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Correlation in b": {"Lower id", "Id collision", "Shared id in b"},
		"Correlation in c": {"Shared id in c"},
	}
	got := map[string][]string{}
	for _, em := range out.Report.Emissions {
		if em.corr != nil {
			for _, b := range em.corr.bases {
				got[em.Rule.Title] = append(got[em.Rule.Title], b.Title)
			}
		}
	}
	for _, s := range out.Report.Skips {
		if s.Sigma.Kind == ast.KindCorrelation {
			t.Errorf("%s skipped: %s", s.Title, s.Message())
		}
	}
	for corr, bases := range want {
		if g := got[corr]; !slices.Equal(g, bases) {
			t.Errorf("%s: base rules %v, want %v", corr, g, bases)
		}
	}
}
