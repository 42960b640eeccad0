package lint

import (
	"fmt"
	"regexp/syntax"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/internal/backtrack"
)

// regexValues calls fn for every regular expression value written in the rules.
func regexValues(p *Pass, fn func(r *ast.Rule, fm *ast.FieldMatch, v *ast.Value)) {
	p.Values(func(r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
		if v.Kind == ast.ValRegex {
			fn(r, fm, v)
		}
	})
}

// withFlags prefixes a pattern with its Sigma flags as an inline group.
func withFlags(v *ast.Value) string {
	if v.Flags == "" {
		return v.Regex
	}
	return "(?" + v.Flags + ")" + v.Regex
}

func describeConstructs(cs []reConstruct) string {
	parts := make([]string, 0, len(cs))
	seen := map[string]bool{}
	for _, c := range cs {
		s := fmt.Sprintf("%s `%s`", c.What, c.Text)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

func regexChecks() []*Check {
	return []*Check{
		{ID: "regex-re2", Severity: ast.SeverityError, Category: CatRegex, Summary: "a regular expression is not valid RE2 (Go)",
			Doc: "rulec's engine and its Go backend run regular expressions with Go's RE2, which has no lookahead or lookbehind, backreferences, atomic groups, possessive quantifiers, `\\Z`, `\\h`, `\\K`, recursion or conditionals, and caps repetition counts at 1000. The specification only guarantees `.`, anchors, quantifiers, classes, alternation and groups. Rewrite the pattern with those (a negative lookahead usually becomes a `neq`/`not` filter search).",
			Run: func(p *Pass) {
				regexValues(p, func(r *ast.Rule, _ *ast.FieldMatch, v *ast.Value) {
					_, err := syntax.Parse(withFlags(v), syntax.Perl)
					if err == nil {
						return
					}
					msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
					if only, _ := regexScan(v.Regex); len(only) > 0 {
						msg = "uses " + describeConstructs(only) + ", which RE2 does not support"
					}
					p.Reportf(r, v.Pos, "regular expression %s is rejected by RE2: %s", q(v.Regex), msg)
				})
			}},
		{ID: "regex-pcre2", Severity: ast.SeverityWarning, Category: CatRegex, Summary: "a regular expression means something else under Wazuh's PCRE2",
			Doc: "Wazuh compiles PCRE2 patterns without UTF mode, so the pattern and the log are bytes: a quantifier after a non-ASCII character repeats its last byte, a non-ASCII character in a class stands for its separate bytes, `\\x{...}` above `\\xff` is rejected and `\\p{...}` classifies bytes as Latin-1. `\\v` is any vertical space in PCRE2 but the vertical tab in RE2. (PCRE2's `$` also matches before a final newline, which log values rarely end with; it is not reported.) Spell the bytes out, or use an alternation of whole characters.",
			Run: func(p *Pass) {
				regexValues(p, func(r *ast.Rule, _ *ast.FieldMatch, v *ast.Value) {
					if _, differs := regexScan(v.Regex); len(differs) > 0 {
						p.Reportf(r, v.Pos, "regular expression %s reads differently under PCRE2 (no UTF mode): %s", q(v.Regex), describeConstructs(differs))
					}
				})
			}},
		{ID: "regex-backtracking", Severity: ast.SeverityWarning, Category: CatRegex, Summary: "a regular expression may backtrack exponentially in PCRE2",
			Doc: "Backtracking matchers (PCRE2, which Wazuh uses, and most others but Go's RE2) try the ways a pattern can match one after another. When a repeated part can match the same text in more than one way — nested quantifiers such as `(a+)+` or `(\\w+\\s?)+`, alternatives that can start alike under a quantifier such as `(a|aa)*`, a repeated part that can match nothing — the number of ways grows exponentially with the length of the text, and an attacker who repeats that text in a log value makes PCRE2 hit its match limit: the match fails and the rule silently does not fire. The Wazuh backend rewrites the forms it can prove equivalent (`(.*x)+` is `.*x`) and refuses the other rules (reason \"regular expression may backtrack exponentially in PCRE2\"). Rewrite the pattern so that each repeated part starts with something that cannot continue it or follow it (`(a+)+` is `a+`; `(\\w+\\s?)+` is `\\w+(\\s\\w+)*\\s?`). A single repetition followed by other text (`.*foo`) is fine.",
			Run: func(p *Pass) {
				regexValues(p, func(r *ast.Rule, _ *ast.FieldMatch, v *ast.Value) {
					re, err := syntax.Parse(withFlags(v), syntax.Perl)
					if err != nil {
						return // regex-re2 reports it
					}
					if sub := backtrack.Find(re); sub != nil {
						p.Reportf(r, v.Pos, "regular expression %s may backtrack exponentially in PCRE2: the repetition `%s` can match the same text in several ways, so a long enough value makes the match hit PCRE2's match limit and the rule not fire", q(v.Regex), sub)
					}
				})
			}},
	}
}
