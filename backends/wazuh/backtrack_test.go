package wazuh

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/wazuh/internal/pcre2test"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/frontend"
)

// TestBypassExamples runs issue 12's examples under the real PCRE2 with a small
// match limit: the rule ebdf49d8's expression on a command line that matches
// and ends with thirty `&`s (thirty `&amp;` in the Wazuh value), which made the
// old translation hit the limit (no alert), and `(a+)+$`, which is refused.
func TestBypassExamples(t *testing.T) {
	const limit = 100000
	expr, flags := "echo.*clip.*&&.*(Clipboard|i`?n`?v`?o`?k`?e`?)", "i"
	subject, _ := wazuhsim.EventchannelValue("echo x | clip && Clipboard" + strings.Repeat("&", 30) + "x")
	miss, _ := wazuhsim.EventchannelValue("echo x | clip && Clipboar" + strings.Repeat("&", 30) + "x")
	a, err := regexAlt(expr, flags, EncodingEventchannel)
	if err != nil {
		t.Fatal(err)
	}
	// The translation of `.` before this change: two alternatives match `&`.
	oldDot := `(?:\\(?:[\\"bfrt]|u[0-9a-fA-F]{4})|\x26(?:amp|lt|gt);|[^\\\x80-\xbf][\x80-\xbf]*)`
	old := `(?i)echo` + oldDot + `*clip` + oldDot + `*\x26(?:amp;)?\x26(?:amp;)?` + oldDot + `*(?:clipboard|i` + "`?n`?v`?o`?k`?e`?)"
	cases := []pcre2test.Case{
		{Pattern: pattern{a}.render(), Subjects: []string{subject, miss}},
		{Pattern: old, Subjects: []string{subject}},
	}
	res := pcre2test.RunLimited(t, cases, limit)
	if r := res[0]; r.CompileError != "" || r.Errors[0] != "" || r.Errors[1] != "" || !r.Matches[0] || r.Matches[1] {
		t.Errorf("pattern %s: %+v, want a match on %q and none on %q within match limit %d", cases[0].Pattern, r, subject, miss, limit)
	}
	if r := res[1]; r.CompileError != "" || !strings.Contains(r.Errors[0], "match limit exceeded") {
		t.Errorf("old pattern: %+v, want the match limit exceeded (the bypass this test guards against)", r)
	}

	for _, bad := range []string{`(a+)+$`, `(\w+\s?)+$`, `(a|aa)*c`, `(a*)*b`, `(x|xx){10}y`, `(?:.*\)|.*,){1,}x`, `((x|xx){4}){4}y`} {
		_, err := regexAlt(bad, "", EncodingPlain)
		var be *BacktrackError
		if !errors.As(err, &be) {
			t.Errorf("%s: got %v, want a BacktrackError", bad, err)
		}
	}
	for _, good := range []string{`a+$`, `(ab)+c`, `(a+b)+`, `(?:[a-z]+\.)+com`, `(ab?)*b`, `\s*-\w+`, `.*a.*b`, `(x|y){10}`, `((x|xx){2}){4}y`, `(?:.*\)){1,}.*"`, `(?:[a-z.]*\.)*com`} {
		if _, err := regexAlt(good, "", EncodingPlain); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}

	// The build refuses the rule at the value, with the reason.
	src := `
title: Nested
logsource: {product: windows, category: process_creation}
detection:
    sel:
        CommandLine|re: '(a+)+$'
    condition: sel
`
	loaded := frontend.LoadBytes("nested.yml", []byte(src))
	out, err := Build(loaded.Rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Report.Skips) != 1 || out.Report.Skips[0].Reason != BacktrackReason || out.Report.Skips[0].Pos.Line != 6 {
		t.Errorf("skips: %+v, want one at line 6 with reason %q", out.Report.Skips, BacktrackReason)
	}
}

// TestLinearFormsKeepMeaning checks with the real PCRE2 that the possessive and
// atomic forms match exactly what Go's regexp matches on the original values
// (eventchannel and plain), and that every subject completes under a small match limit.
// (Expressions that can match inside an entity or a JSON escape, such as an
// unanchored `a` within `&amp;` or `\b` next to an escaped newline, are left
// out: that limitation of matching the encoded text is older than these forms.)
func TestLinearFormsKeepMeaning(t *testing.T) {
	exprs := []string{`a.*b.*c`, `^a.*b.*c$`, `(?:.*\)){1,}.*"`, `(?:[a-z.]*\.)*com`, `(?:.*,)+x`, `^[&a-z;]*[a-z]$`, `[^\\]*\.exe`, `^[&lt;]+$`, `(?:&|<|l|t|;)+x`, `x.+y.+z\.exe`, `[^?]*\?x`, `\s*-\w+`, `&+<`, `&*x`, `(?:ab?)*b`, `\d+\.\d+`,
		`(?i)echo.*clip.*&&.*(Clipboard|invoke)`, `.*&&.*amp;`, `[a-z]*&`, `\\+\w`, `"[^"]*"`, `.*\\.*\\.*\$`, `a.?b`, `(?s)a.*\n.*b`,
		`é+a`, `[^x]*x`, `\bfoo\w*\b`, `.*a\z`}
	subjects := []string{"abc", "aXbYc", "acb", "ab", "xayaz.exe", "xyz.exe", "a?x", "??x", "  -flag", "-", "&&<", "&<", "&lt;", "&amp;a", "a",
		"abab", "abb", "1.2", "1.", "ECHO x | clip && Clipboard", "echo clip &&", "&& amp;", "x&amp;", "abc&", `\\w`, `\w`, `"a b"`, `"a`,
		`\\a\b$`, "a\nb", "axb", "a)b)c\"", "a)b", "x.y.com", "com", "a,b,x", "a,b", "abbbbbx", "ééa", "ba", "foo bar", "foobar x", "ab", "xa", "a&b&c", strings.Repeat("&", 40) + "<",
		strings.Repeat("a&", 30) + "b", strings.Repeat(`\`, 30) + "$", strings.Repeat("ab", 30) + "x", strings.Repeat(")", 40), strings.Repeat(",", 40) + "y", strings.Repeat("a.", 40) + "co", strings.Repeat("&", 30) + "!", strings.Repeat("<", 30) + "!", "<", "a&lt;b"}
	type key struct {
		expr string
		enc  Encoding
	}
	var keys []key
	var cases []pcre2test.Case
	for _, enc := range []Encoding{EncodingEventchannel, EncodingPlain} {
		for _, e := range exprs {
			a, err := regexAlt(e, "", enc)
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			c := pcre2test.Case{Pattern: pattern{a}.render()}
			for _, s := range subjects {
				if enc == EncodingEventchannel {
					w, ok := wazuhsim.EventchannelValue(s)
					if !ok {
						w = "\x00dropped"
					}
					s = w
				}
				c.Subjects = append(c.Subjects, s)
			}
			cases = append(cases, c)
			keys = append(keys, key{e, enc})
		}
	}
	for i, r := range pcre2test.RunLimited(t, cases, 20000) {
		k := keys[i]
		if r.CompileError != "" {
			t.Errorf("%s (%s): %s: %s", k.expr, k.enc, cases[i].Pattern, r.CompileError)
			continue
		}
		re := regexp.MustCompile(k.expr)
		for j, s := range subjects {
			if r.Errors[j] != "" {
				t.Errorf("%s (%s) on %q: %s (pattern %s)", k.expr, k.enc, s, r.Errors[j], cases[i].Pattern)
				continue
			}
			if k.enc == EncodingEventchannel {
				w, ok := wazuhsim.EventchannelValue(s)
				if !ok || strings.TrimRight(s, " \t\n\v\f\r") != s || w == "" {
					continue // dropped or trimmed by Wazuh
				}
			}
			want := re.MatchString(s)
			if !want && r.Matches[j] && k.enc == EncodingEventchannel && strings.Contains(k.expr, "&") && strings.ContainsAny(s, "<>") {
				continue // a literal `&` also takes a raw `&` (the start of `&lt;`): an older tolerance
			}
			if r.Matches[j] != want {
				t.Errorf("%s (%s) on %q: PCRE2 %v, Go %v (pattern %s)", k.expr, k.enc, s, r.Matches[j], want, cases[i].Pattern)
			}
		}
	}
}
