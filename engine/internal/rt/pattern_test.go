package rt

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

// parts builds a pattern from compact notation: `*` and `?` are wildcards, everything else literal.
func parts(s string) []ast.StringPart {
	var out []ast.StringPart
	for _, r := range s {
		switch r {
		case '*':
			out = append(out, ast.StringPart{Kind: ast.PartStar})
		case '?':
			out = append(out, ast.StringPart{Kind: ast.PartQuestion})
		default:
			out = append(out, ast.StringPart{Kind: ast.PartLit, Text: string(r)})
		}
	}
	return out
}

func TestPatternShapes(t *testing.T) {
	tests := []struct {
		pat   string
		cased bool
		in    string
		want  bool
		kind  patKind
	}{
		{"abc", false, "ABC", true, patExact},
		{"abc", true, "ABC", false, patExact},
		{"abc", false, "abcd", false, patExact},
		{"", false, "", true, patExact},
		{"", false, "x", false, patExact},
		{"*", false, "", true, patAny},
		{"**", false, "anything", true, patAny},
		{"ab*", false, "ABcd", true, patPrefix},
		{"*cd", false, "ABcD", true, patSuffix},
		{"*bc*", false, "ABCD", true, patContains},
		{"*bc*", false, "ABD", false, patContains},
		{"a*d", false, "ABCD", true, patPrefixSuffix},
		{"ab*ba", false, "aba", false, patPrefixSuffix},
		{"ab*ba", false, "abba", true, patPrefixSuffix},
		{"a?c", false, "AbC", true, patGlob},
		{"a?c", false, "ac", false, patGlob},
		{"a?c", false, "aéc", true, patGlob},
		{"*a?c*", false, "xxaZcyy", true, patGlob},
		{"a*b*c", false, "aXbYc", true, patGlob},
		{"a*b*c", false, "aXcYb", false, patGlob},
		{"*b*b*", false, "abcb", true, patGlob},
		{"*b*b*", false, "abc", false, patGlob},
		{"?", false, "é", true, patGlob},
		{"??", false, "é", false, patGlob},
		{"*?", false, "", false, patGlob},
		{"*?", false, "x", true, patGlob},
		{"a*?", false, "a", false, patGlob},
		{"a*?", false, "ab", true, patGlob},
		{"?*a", false, "a", false, patGlob},
		{"?*a", false, "ba", true, patGlob},
		{"ÄB*", false, "äbc", true, patPrefix},
		{"*ΣΑ", false, "xσα", true, patSuffix},
	}
	for _, tt := range tests {
		p := CompilePattern(parts(tt.pat), tt.cased)
		if p.kind != tt.kind {
			t.Errorf("%q: kind %d, want %d", tt.pat, p.kind, tt.kind)
		}
		if got := p.Match(tt.in); got != tt.want {
			t.Errorf("%q cased=%v on %q = %v, want %v", tt.pat, tt.cased, tt.in, got, tt.want)
		}
	}
}

// refRegexp translates a pattern to an anchored regular expression: the reference semantics.
func refRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TestPatternAgainstRegexp checks the glob matcher against regexps on random patterns.
func TestPatternAgainstRegexp(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "\\", "é", "*", "?"}
	gen := func(n int, wild bool) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			k := len(alphabet)
			if !wild {
				k -= 2
			}
			b.WriteString(alphabet[rnd.Intn(k)])
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		pat := gen(rnd.Intn(7), true)
		in := gen(rnd.Intn(8), false)
		want := refRegexp(pat).MatchString(in)
		if got := CompilePattern(parts(pat), true).Match(in); got != want {
			t.Fatalf("pattern %q on %q = %v, want %v", pat, in, got, want)
		}
	}
}

func TestLower(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"C:\\Windows", "c:\\windows"},
		{"ÉCOLE", "école"},
		{"\xff\xfeC\x00", "\xff\xfec\x00"}, // invalid UTF-8 kept byte for byte
		{"İ", "i"},
	}
	for _, tt := range tests {
		if got := Lower(tt.in); got != tt.want {
			t.Errorf("Lower(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPatternMatchNoAlloc(t *testing.T) {
	p := CompilePattern(parts("*\\cmd.exe"), false)
	allocs := testing.AllocsPerRun(100, func() {
		if !p.Match(`C:\Windows\System32\CMD.EXE`) {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("Pattern.Match allocates %v times", allocs)
	}
}
