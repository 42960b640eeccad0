package rt

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

func TestRegexRun(t *testing.T) {
	tests := []struct {
		src     string
		want    string // the run's classes, by a member each ("" when none)
		same    bool
		has, no []string
	}{
		{`\s[a-fA-F0-9]{64}\s[a-fA-F0-9]{16}`, strings.Repeat("a", 64), true,
			[]string{strings.Repeat("0", 64)}, []string{strings.Repeat("0", 63) + "x" + strings.Repeat("0", 63)}},
		{`\\[a-zA-Z0-9]{1,32}\.[a-zA-Z0-9]{1,6}\.[ "']{1}`, `a.a.`, false, []string{`x\a.b.c. `}, []string{`c:\windows\cmd.exe /c`}},
		{`.*`, "", false, nil, nil},
		{`(?i)k{20}`, "", false, nil, nil}, // k folds with the Kelvin sign, a rune of three bytes
		{`[^a]{30}`, "", false, nil, nil},
	}
	for _, tt := range tests {
		r := regexRun(tt.src)
		if (r != nil) != (tt.want != "") {
			t.Errorf("%s: run %v, want one: %v", tt.src, r, tt.want != "")
			continue
		}
		if r == nil {
			continue
		}
		if r.same != tt.same || len(r.classes) < 2 {
			t.Errorf("%s: same %v with %d classes", tt.src, r.same, len(r.classes))
		}
		for _, s := range tt.has {
			if !r.in(s) {
				t.Errorf("%s: run not found in %q", tt.src, s)
			}
		}
		for _, s := range tt.no {
			if r.in(s) {
				t.Errorf("%s: run found in %q", tt.src, s)
			}
		}
	}
}

// TestRegexRunNecessary checks on random expressions and texts that every
// text an expression matches has its class run.
func TestRegexRunNecessary(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	atoms := []string{`a`, `b`, `\.`, `[ab]`, `[a-c]`, `\s`, `\d`, `[^a]`, `.`, `(?i:k)`, `(?i:a)`, `é`, `\b`, `^`, `$`, `(a|b)`}
	reps := []string{``, ``, `?`, `*`, `+`, `{2}`, `{1,3}`, `{3,}`}
	alphabet := []string{"a", "b", "c", ".", " ", "1", "K", "\u212a", "é", "\xff", "A"}
	runs, matched := 0, 0
	for round := 0; round < 4000; round++ {
		var b strings.Builder
		for n := 1 + rng.Intn(6); n > 0; n-- {
			b.WriteString(atoms[rng.Intn(len(atoms))])
			b.WriteString(reps[rng.Intn(len(reps))])
		}
		src := b.String()
		if rng.Intn(4) == 0 {
			src = "(?i)" + src
		}
		re, err := regexp.Compile(src)
		if err != nil {
			continue
		}
		r := regexRun(src)
		if r == nil {
			continue
		}
		runs++
		for k := 0; k < 40; k++ {
			var tb strings.Builder
			for n := rng.Intn(12); n > 0; n-- {
				tb.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
			text := tb.String()
			if !re.MatchString(text) {
				continue
			}
			matched++
			if !r.in(text) {
				t.Fatalf("%s matches %q, which lacks its class run %+v", src, text, r)
			}
		}
	}
	if runs < 200 || matched < 200 {
		t.Fatalf("only %d expressions with a run and %d matching texts: the test checks too little", runs, matched)
	}
}
