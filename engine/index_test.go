package engine

import (
	"testing"

	"github.com/rulec/rulec/ast"
)

// TestIndexNumberInArray: a number inside an array is found by the literal index
// under its canonical text, as the matcher finds it (4688.0 equals 4688).
func TestIndexNumberInArray(t *testing.T) {
	r := loadRule(t, "    sel:\n        Code: 4688\n    condition: sel\n")
	rs, diags := NewRuleset([]*ast.Rule{r}, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ev := rs.NewEvaluator()
	for _, src := range []string{`{"Code": 4688.0}`, `{"Code": [1, 4688.0]}`, `{"Code": ["4688"]}`} {
		e := jsonEvent(t, src)
		direct, _ := ev.MatchRule(0, e)
		if got := ev.Match(e); len(got) != 1 || !direct {
			t.Errorf("%s: Match = %v, MatchRule = %v", src, got, direct)
		}
	}
}
