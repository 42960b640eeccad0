package condition

import (
	"testing"

	"github.com/rulec/rulec/ast"
)

// FuzzParse checks that the condition parser never panics, and that a condition
// that parses prints back (through the IR) to text that parses to the same IR.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"selection", "sel and not filter", "1 of sel* and not 1 of filter*", "all of them",
		"(a or b) and not (c or not d)", "any of sel_*", "a | count() by x > 5", "not not not a",
		"((((a))))", "a and", "1 of", "sel\n and\n not filter", "a near b",
	} {
		f.Add(s)
	}
	searches := []string{"a", "b", "c", "d", "sel", "sel_1", "sel_2", "filter", "filter_x", "_under"}
	f.Fuzz(func(t *testing.T, text string) {
		tree, err := Parse(text, nil)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		_ = Format(tree)
		ir := Lower(tree, searches, func(ast.Pos, string, string) {})
		printed := ir.String()
		if ir.Op == ast.ExprConst {
			return // constants print as true/false, which are not Sigma syntax
		}
		tree2, err := Parse(printed, nil)
		if err != nil {
			t.Fatalf("IR %q of %q does not parse: %v", printed, text, err)
		}
		if again := Lower(tree2, searches, func(ast.Pos, string, string) {}).String(); again != printed {
			t.Fatalf("round trip of %q: %q != %q", text, again, printed)
		}
	})
}
