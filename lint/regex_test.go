package lint

import (
	"regexp/syntax"
	"strings"
	"testing"
)

func TestRegexScan(t *testing.T) {
	tests := []struct {
		pattern  string
		pcreOnly string // comma-separated What prefixes, in order
		differs  string
	}{
		{`abc.*def`, "", ""},
		{`foo(?=bar)`, "lookahead", ""},
		{`(?<!x)y`, "lookbehind", ""},
		{`(?<name>a)\k<name>`, "backreference", ""},
		{`(a)\1`, "backreference", ""},
		{`[\1]`, "octal", ""},
		{`a++b`, "possessive", ""},
		{`a{2}+`, "possessive", ""},
		{`a{,3}+`, "", ""},
		{`(?>a+)b`, "atomic", ""},
		{`end\Z`, `\Z`, ""},
		{`\Qa(?=b\E`, "", ""},
		{`[\b]`, "backspace", ""},
		{`caf\x{e9}`, "", ""},
		{`\x{263a}`, "", "code point"},
		{`é+`, "", "quantifier"},
		{`[éa]`, "", "non-ASCII"},
		{`\v`, "", `\v`},
		{`\pL`, "", "Unicode"},
		{`[[:alpha:]]+`, "", ""},
		{`(?i)\\windows\\`, "", ""},
	}
	join := func(cs []reConstruct) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.What)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range tests {
		only, differs := regexScan(tc.pattern)
		if got := join(only); !strings.HasPrefix(got, tc.pcreOnly) || (tc.pcreOnly == "") != (got == "") {
			t.Errorf("%s: pcreOnly = %q, want %q", tc.pattern, got, tc.pcreOnly)
		}
		if got := join(differs); !strings.HasPrefix(got, tc.differs) || (tc.differs == "") != (got == "") {
			t.Errorf("%s: differs = %q, want %q", tc.pattern, got, tc.differs)
		}
		// Whatever RE2 rejects, the scanner must name (it supplies the message).
		if _, err := syntax.Parse(tc.pattern, syntax.Perl); err != nil && len(only) == 0 {
			t.Errorf("%s: RE2 rejects it (%v) but the scanner found no PCRE-only construct", tc.pattern, err)
		}
	}
}

func TestRegexChecks(t *testing.T) {
	sel := func(body string) string {
		return withDetection("    selection:\n" + body + "    condition: selection\n")
	}
	runCases(t, []checkCase{
		{check: "regex-re2", bad: sel("        CommandLine|re: 'foo(?!bar)'\n"), line: 18, col: 25, msg: "lookahead", good: sel("        CommandLine|re: 'foo[^b]'\n")},
		{check: "regex-re2", bad: sel("        CommandLine|re: 'a{1001}'\n"), line: 18, col: 25, msg: "repeat count", good: sel("        CommandLine|re: 'a{1000}'\n")},
		{check: "regex-pcre2", bad: sel("        CommandLine|re: 'café+'\n"), line: 18, col: 25, msg: "last byte", good: sel("        CommandLine|re: 'caf(é)+'\n")},
		{check: "regex-backtracking", bad: sel("        CommandLine|re: '(a+)+$'\n"), line: 18, col: 25, msg: "backtrack exponentially", good: sel("        CommandLine|re: 'a+$'\n")},
		{check: "regex-backtracking", bad: sel("        CommandLine|re: '(\\w+\\s?)+$'\n"), line: 18, col: 25, msg: "several ways", good: sel("        CommandLine|re: '\\w+(\\s\\w+)*\\s?$'\n")},
	})
}
