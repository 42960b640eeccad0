package ast

import "testing"

func TestParseStringRoundTrip(t *testing.T) {
	tests := []struct {
		in, lit, pattern string
		placeholders     bool
		kinds            string
	}{
		{`abc`, "abc", `abc`, false, "l"},
		{`a*b?c`, "abc", `a*b?c`, false, "l*l?l"},
		{`a\*b`, "a*b", `a\*b`, false, "l"},
		{`a\\*`, `a\`, `a\\*`, false, "l*"},
		{`C:\Windows\`, `C:\Windows\`, `C:\Windows\`, false, "l"},
		{`a\\\*`, `a\*`, `a\\\*`, false, "l"},
		{`a\\\\b`, `a\\b`, `a\\\b`, false, "l"},
		{`%Admins%`, "%Admins%", `%Admins%`, false, "l"},
		{`x%Admins%y`, "xy", `x%Admins%y`, true, "lpl"},
		{`\%plain%name%`, "%plain", `%plain%name%`, true, "lp"},
	}
	for _, tc := range tests {
		v := Value{Kind: ValString, Parts: ParseString(tc.in, tc.placeholders)}
		kinds := ""
		for _, p := range v.Parts {
			kinds += map[PartKind]string{PartLit: "l", PartStar: "*", PartQuestion: "?", PartPlaceholder: "p"}[p.Kind]
		}
		if kinds != tc.kinds || v.Literal() != tc.lit {
			t.Errorf("ParseString(%q) kinds %q literal %q, want %q %q", tc.in, kinds, v.Literal(), tc.kinds, tc.lit)
		}
		if tc.placeholders {
			continue
		}
		if got := v.Pattern(); got != tc.pattern {
			t.Errorf("Pattern(%q) = %q, want %q", tc.in, got, tc.pattern)
		}
		again := ParseString(v.Pattern(), false)
		if (&Value{Parts: again}).Pattern() != v.Pattern() {
			t.Errorf("round trip of %q changed", tc.in)
		}
	}
}

func TestExprSimplify(t *testing.T) {
	a, b, c := Ref("a"), Ref("b"), Ref("c")
	tests := []struct {
		e    *Expr
		want string
	}{
		{And(a, And(b, c)), "a and b and c"},
		{Or(a, Or(b, c)), "a or b or c"},
		{Not(Not(a)), "a"},
		{And(a, Const(true)), "a"},
		{And(a, Const(false)), "false"},
		{Or(a, Const(true)), "true"},
		{Not(Const(false)), "true"},
		{And(Or(a, b), Not(c)), "(a or b) and not c"},
		{Not(And(a, b)), "not (a and b)"},
	}
	for _, tc := range tests {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	e := And(Or(a, b), Not(c))
	if !e.Eval(func(n string) bool { return n == "b" }) || e.Eval(func(n string) bool { return n != "a" }) {
		t.Error("Eval")
	}
	if refs := e.Refs(); len(refs) != 3 || refs[2] != "c" {
		t.Errorf("Refs = %v", refs)
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, ident string
		want           bool
	}{
		{"sel*", "selection", true},
		{"sel*", "filter", false},
		{"*_1", "filter_1", true},
		{"them", "sel", true},
		{"them", "_sel", false},
		{"*", "_sel", false},
		{"_*", "_sel", true},
		{"sel?", "sela", false},
		{"a[b]", "a[b]", true},
	}
	for _, tc := range tests {
		if got := MatchPattern(tc.pattern, tc.ident); got != tc.want {
			t.Errorf("MatchPattern(%q, %q) = %v", tc.pattern, tc.ident, got)
		}
	}
}
