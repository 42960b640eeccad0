package wazuhre

import "testing"

// TestGreedyForms: possessive quantifiers and atomic groups become their backtracking forms, escaped and class characters stay.
func TestGreedyForms(t *testing.T) {
	for in, want := range map[string]string{`a*+b`: `a*b`, `\*+`: `\*+`, `[*+]+`: `[*+]+`, `(*atomic:.*?b)c`: `(?:.*?b)c`, `x{2,3}+`: `x{2,3}`, `x}+`: `x}+`, `(?:a)?+`: `(?:a)?`, `a+?`: `a+?`, `(?>a)`: `(?:a)`, `[\x80-\xbf]*+`: `[\x80-\xbf]*`} {
		if got := GreedyForms(in); got != want {
			t.Errorf("%s: %s want %s", in, got, want)
		}
	}
}
