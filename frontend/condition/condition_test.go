package condition

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

func TestParseLower(t *testing.T) {
	searches := []string{"selection", "sel_a", "sel_b", "filter_1", "filter_2", "keywords", "_hidden"}
	tests := []struct {
		cond, want string
	}{
		{"selection", "selection"},
		{"selection and not filter_1", "selection and not filter_1"},
		{"selection or sel_a and sel_b", "selection or sel_a and sel_b"},
		{"(selection or sel_a) and sel_b", "(selection or sel_a) and sel_b"},
		{"not not selection", "selection"},
		{"not (selection and sel_a)", "not (selection and sel_a)"},
		{"1 of sel_*", "sel_a or sel_b"},
		{"any of sel_*", "sel_a or sel_b"},
		{"all of sel_*", "sel_a and sel_b"},
		{"1 of them", "selection or sel_a or sel_b or filter_1 or filter_2 or keywords"},
		{"all of sel* and not 1 of filter_*", "selection and sel_a and sel_b and not (filter_1 or filter_2)"},
		{"selection and (sel_a and (sel_b and keywords))", "selection and sel_a and sel_b and keywords"},
		{"_hidden or selection", "_hidden or selection"},
		{"selection\n  and not\n  filter_1", "selection and not filter_1"},
		{"1 of *_1", "filter_1"},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			tree, err := Parse(tc.cond, nil)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := Lower(tree, searches, func(p ast.Pos, code, msg string) { t.Errorf("problem %s: %s", code, msg) })
			if got.String() != tc.want {
				t.Errorf("Lower(%q) = %q, want %q", tc.cond, got.String(), tc.want)
			}
			// Printing the IR back and re-parsing it yields the same IR.
			tree2, err := Parse(got.String(), nil)
			if err != nil {
				t.Fatalf("reparse %q: %v", got.String(), err)
			}
			if again := Lower(tree2, searches, func(ast.Pos, string, string) {}); again.String() != got.String() {
				t.Errorf("round trip: %q != %q", again.String(), got.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		cond      string
		line, col int
		msg       string
	}{
		{"selection | count() > 5", 1, 11, "correlation rule"},
		{"selection and", 1, 14, "invalid condition"},
		{"selection and (sel_a", 1, 21, "invalid condition"},
		{"sel*", 1, 1, "only allowed after"},
		{"selection and or", 1, 15, "keyword"},
		{"", 1, 1, "empty condition"},
		{"selection\nand $x", 2, 5, "invalid condition"},
		{"not and", 1, 5, "keyword"},
		{"1 of", 1, 5, "invalid condition"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.cond, nil)
		if err == nil {
			t.Errorf("Parse(%q): no error", tc.cond)
			continue
		}
		e := err.(*Error)
		if e.Line != tc.line || e.Col != tc.col || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %d:%d %q, want %d:%d containing %q", tc.cond, e.Line, e.Col, e.Msg, tc.line, tc.col, tc.msg)
		}
	}
}

func TestLowerProblems(t *testing.T) {
	var codes []string
	tree, err := Parse("missing or 1 of nothing*", nil)
	if err != nil {
		t.Fatal(err)
	}
	Lower(tree, []string{"sel"}, func(p ast.Pos, code, msg string) { codes = append(codes, code) })
	if strings.Join(codes, ",") != "undefined-identifier,dangling-pattern" {
		t.Errorf("codes = %v", codes)
	}
}

func TestDanglingDropsOut(t *testing.T) {
	for cond, want := range map[string]string{
		"sel and not 1 of filter*": "sel",
		"1 of filter* or sel":      "sel",
		"all of x*":                "false",
		"1 of them":                "sel",
		"1 of _*":                  "_u",
	} {
		tree, err := Parse(cond, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := Lower(tree, []string{"sel", "_u"}, func(ast.Pos, string, string) {}).String(); got != want {
			t.Errorf("%q -> %q, want %q", cond, got, want)
		}
	}
}
