package backtrack

import (
	"regexp/syntax"
	"testing"
)

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		expr     string
		collapse bool // apply CollapseRepeats first, as the Wazuh backend does
		want     string
	}{
		{`(a+)+$`, false, `(a+)+`},
		{`(\w+\s?)+$`, false, `([0-9A-Z_a-z]+[\t\n\f\r ]?)+`},
		{`(a|aa)*c`, false, `(a(?:(?:)|a))*`},
		{`(a*)*b`, false, `(a*)*`},
		{`(x|xx){10}y`, false, `(x(?:(?:)|x)){10}`},
		{`((x|xx){4}){4}y`, false, `(x(?:(?:)|x)){4}`},
		{`(?:.*\)|.*,){1,}x`, true, `(?-s:(?:.*\)|.*,){1,})`},
		{`(.*\))+`, false, `(?-s:(.*\))+)`},
		{`(.*\))+`, true, ``},
		{`a+$`, false, ``},
		{`(ab)+c`, false, ``},
		{`(a+b)+`, false, ``},
		{`(?:[a-z]+\.)+com`, false, ``},
		{`(ab?)*b`, false, ``},
		{`\s*-\w+`, false, ``},
		{`.*a.*b`, false, ``},
		{`(x|y){10}`, false, ``},
		{`((x|xx){2}){4}y`, false, ``},
		{`(?:.*\)){1,}.*"`, true, ``},
		{`(?:[a-z.]*\.)*com`, true, ``},
	} {
		re, err := syntax.Parse(tc.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if tc.collapse {
			re = CollapseRepeats(re)
		}
		got := ""
		if sub := Find(re); sub != nil {
			got = sub.String()
		}
		if got != tc.want {
			t.Errorf("Find(%s) (collapsed %v) = %q, want %q", tc.expr, tc.collapse, got, tc.want)
		}
	}
}

func TestSets(t *testing.T) {
	parse := func(s string) *syntax.Regexp {
		re, err := syntax.Parse(s, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		return re
	}
	if !FirstSet(parse(`a?b`)).Has('b') || FirstSet(parse(`ab`)).Has('b') {
		t.Error("FirstSet: a?b starts with a or b, ab with a only")
	}
	if !Nullable(parse(`a*`)) || Nullable(parse(`a+`)) {
		t.Error("Nullable: a* is, a+ is not")
	}
	if s, ok := UnitSet(parse(`(?i)k`)); !ok || !s.Has('K') || !s.Has('\u212a') {
		t.Error("UnitSet((?i)k) holds k, K and the Kelvin sign")
	}
	if !Ranges('a', 'z').Holds(Ranges('c', 'd')) || Ranges('a', 'c').Holds(Ranges('c', 'd')) {
		t.Error("Holds")
	}
	if !FirstSet(parse(`\b`)).Any() {
		t.Error("an assertion starts with any character")
	}
}
