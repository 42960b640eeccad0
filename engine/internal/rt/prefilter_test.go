package rt

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

func clauseHolds(c clause, lowered string) bool {
	for _, a := range c.atoms {
		var ok bool
		switch a.op {
		case AtomEqual:
			ok = lowered == a.needle
		case AtomPrefix:
			ok = strings.HasPrefix(lowered, a.needle)
		case AtomSuffix:
			ok = strings.HasSuffix(lowered, a.needle)
		case AtomContains:
			ok = strings.Contains(lowered, a.needle)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestRegexClause checks that the literals derived from regular expressions
// are necessary: whenever the expression matches, the lowered text contains one.
func TestRegexClause(t *testing.T) {
	ix := &indexer{}
	tests := []struct {
		re    string
		texts []string
		top   bool
	}{
		{`\s-w(indowstyle)?\s+h(idden)?\b`, []string{"x -w h", " -W  Hidden"}, false},
		{`(?i)^powershell`, []string{"PowerShell -x", "POWERSHELL"}, false},
		{`(?i)mimikatz|sekurlsa`, []string{"MimiKatz", "xSEKURLSA::"}, false},
		{`(?i)ssss`, []string{"ſſſſ", "SsſS"}, true},
		{`(?i)kkk`, []string{"\u212akk", "KKK"}, false},
		{`a(bc)*d`, []string{"ad", "abcbcd"}, false},
		{`a?`, []string{"", "x"}, true},
		{`[ab]+x{2,}`, []string{"axx", "bbxxx"}, false},
		{`ÄÖ\x{FFFD}Ü`, []string{"ÄÖ\xffÜ", "ÄÖ\uFFFDÜ"}, false},
		{`(?i)straße`, []string{"STRASSE", "Straße"}, false},
		{`(?:foo|bar)baz`, []string{"foobaz", "BARbaz"}, false},
		{`x|`, []string{"", "x"}, true},
	}
	for _, tc := range tests {
		c := regexClause(ix, tc.re, "F")
		if c.top != tc.top {
			t.Errorf("%s: top %v, want %v (%+v)", tc.re, c.top, tc.top, c)
		}
		re := regexp.MustCompile(tc.re)
		for _, text := range tc.texts {
			if re.MatchString(text) && !c.top && !clauseHolds(c, Lower(text)) {
				t.Errorf("%s matches %q but clause %+v does not hold", tc.re, text, c)
			}
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
		c := regexClause(&indexer{}, expr, "f")
		re := regexp.MustCompile(expr)
		for i := 0; i < 3000; i++ {
			var b strings.Builder
			for j := rnd.Intn(8); j > 0; j-- {
				b.WriteString(alphabet[rnd.Intn(len(alphabet))])
			}
			s := b.String()
			if re.MatchString(s) && !c.top && !clauseHolds(c, Lower(s)) {
				t.Fatalf("%s matches %q but no literal of %v is in it", expr, s, c.atoms)
			}
		}
	}
}
