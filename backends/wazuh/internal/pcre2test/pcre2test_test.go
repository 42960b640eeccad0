package pcre2test

import (
	"strings"
	"testing"
)

// TestRunLimited checks subjects written with replication, matches, misses and
// the match limit error, with the real pcre2test.
func TestRunLimited(t *testing.T) {
	amp := strings.Repeat("&amp;", 30)
	res := RunLimited(t, []Case{
		{Pattern: `^(?:\x26amp;)*!\z`, Subjects: []string{amp + "!", amp + "?", "", "!", "ab]" + strings.Repeat("]x", 40) + "!"}},
		{Pattern: `^(a+)+$`, Subjects: []string{strings.Repeat("a", 30) + "!", strings.Repeat("a", 30)}},
	}, 10000)
	want := [][]bool{{true, false, false, true, false}, {false, true}}
	for i, r := range res {
		if r.CompileError != "" {
			t.Fatal(r.CompileError)
		}
		for j, m := range r.Matches {
			if m != want[i][j] {
				t.Errorf("case %d subject %d: match %v, want %v", i, j, m, want[i][j])
			}
		}
	}
	if !strings.Contains(res[1].Errors[0], "match limit exceeded") || res[1].Errors[1] != "" || res[0].Errors[0] != "" {
		t.Errorf("errors: %q %q", res[0].Errors, res[1].Errors)
	}
	if got := encodeSubject(strings.Repeat("ab", 20) + "!"); got != `\[ab]{20}\x{21}` {
		t.Errorf("encodeSubject: %s", got)
	}
}
