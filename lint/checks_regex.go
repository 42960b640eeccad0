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

			Run: func(p *Pass) {
				regexValues(p, func(r *ast.Rule, _ *ast.FieldMatch, v *ast.Value) {
					if _, differs := regexScan(v.Regex); len(differs) > 0 {
						p.Reportf(r, v.Pos, "regular expression %s reads differently under PCRE2 (no UTF mode): %s", q(v.Regex), describeConstructs(differs))
					}
				})
			}},
		{ID: "regex-backtracking", Severity: ast.SeverityWarning, Category: CatRegex, Summary: "a regular expression may backtrack exponentially in PCRE2",

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
