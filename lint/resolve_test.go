package lint

import (
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// TestReadsResolution: lint's lookups return the front end's resolution
// (frontend/testdata/resolve: an id in other case, a name that is also another
// rule's id, an id two files share).
func TestReadsResolution(t *testing.T) {
	res := frontend.Load([]string{filepath.Join("..", "frontend", "testdata", "resolve")}, frontend.Options{})
	ix := newIndex(res.Rules)
	n := 0
	for _, r := range res.Rules {
		if r.Correlation == nil {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			n++
			if got := ix.Lookup(ref); got == nil || got != ref.Target {
				t.Errorf("%s: reference %q: lint finds %v, the front end resolved %v", r.Title, ref.Ref, got, ref.Target)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d references, want 4", n)
	}
	for _, r := range res.Rules {
		if r.Title == "Named collision" && ix.Referenced(r) {
			t.Errorf("the rule named like another rule's id counts as referenced")
		}
		if r.Kind == ast.KindDetection && r.Title != "Named collision" && !ix.Referenced(r) {
			t.Errorf("%s is referenced but lint does not know", r.Title)
		}
	}
}
