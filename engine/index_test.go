package engine

import (
	"math/rand"
	"reflect"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

func TestAutomaton(t *testing.T) {
	rnd := rand.New(rand.NewSource(2))
	letters := "abc\\é"
	gen := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteByte(letters[rnd.Intn(len(letters))])
		}
		return b.String()
	}
	for round := 0; round < 300; round++ {
		seen := map[string]bool{}
		var needles []string
		for len(needles) < 1+rnd.Intn(12) {
			n := gen(1 + rnd.Intn(4))
			if !seen[n] {
				seen[n] = true
				needles = append(needles, n)
			}
		}
		a := newAutomaton(needles)
		for k := 0; k < 20; k++ {
			text := gen(rnd.Intn(20))
			found := map[int32]bool{}
			a.scan(text, func(n int32) { found[n] = true })
			for i, n := range needles {
				if found[int32(i)] != strings.Contains(text, n) {
					t.Fatalf("needles %q text %q: needle %q found=%v", needles, text, n, found[int32(i)])
				}
			}
		}
	}
}

func TestRegexLiterals(t *testing.T) {
	tests := []struct {
		re   string
		want []string
	}{
		{`abc`, []string{"abc"}},
		{`ABC`, []string{"abc"}},
		{`a(bc|de)f`, []string{"bc", "de"}},
		{`foo.*barbaz`, []string{"barbaz"}},
		{`x*`, nil},
		{`(?i)Sigma`, []string{"igma"}},
		{`(?i)ks`, nil},
		{`\\cmd\.exe$`, []string{`\cmd.exe`}},
		{`(abc)+`, []string{"abc"}},
		{`(abc)?`, nil},
		{`a|b*`, nil},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := regexLiterals(re.Simplify()); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.re, got, tt.want)
		}
	}
}

// TestRegexLiteralsNecessary checks on random texts that whenever a regular
// expression matches, the lowered text contains one of its literals.
func TestRegexLiteralsNecessary(t *testing.T) {
	res := []string{`ab+c`, `(?i)abc|xyz`, `a.c`, `(?i)cmd\.exe`, `^q(ab|ba)`, `(?s)a.*b.*c`, `(?i)ſa`, `Ab(?i)cD`}
	rnd := rand.New(rand.NewSource(3))
	alphabet := []string{"a", "b", "c", "A", "B", "C", "x", "y", "z", "q", ".", "ſ", "s", "d", "D", "cmd.exe", "CMD.EXE"}
	for _, expr := range res {
		v := ast.Value{Kind: ast.ValRegex, Regex: expr}
		c := regexClause(&v, "f")
		re := regexp.MustCompile(expr)
		for i := 0; i < 3000; i++ {
			var b strings.Builder
			for j := rnd.Intn(8); j > 0; j-- {
				b.WriteString(alphabet[rnd.Intn(len(alphabet))])
			}
			s := b.String()
			if !re.MatchString(s) || c.top {
				continue
			}
			ok := false
			for _, a := range c.atoms {
				ok = ok || strings.Contains(Lower(s), a.key)
			}
			if !ok {
				t.Fatalf("%s matches %q but no literal of %v is in it", expr, s, c.atoms)
			}
		}
	}
}

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
