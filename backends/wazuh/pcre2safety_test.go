package wazuh

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/wazuh/internal/pcre2test"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// safetyMatchLimit is the match limit of the PCRE2 safety tests: PCRE2 counts
// backtracking steps per start position, and Wazuh leaves PCRE2's default of
// ten million. A linear-time pattern needs a few steps per subject byte; the
// subjects are about 2 KB, so an exponential or quadratic pattern exceeds it.
const safetyMatchLimit = 100000

// subjectLen is the approximate length of the adversarial subjects.
const subjectLen = 2000

// patternLiterals returns the runs of literal bytes in a PCRE2 pattern, in
// pattern order and without duplicates (as rulec writes patterns: escapes,
// classes, groups and quantifiers end a run, a quantified byte is dropped from it).
func patternLiterals(p string) []string {
	// The one-character fragments are not literals of the rule.
	for _, enc := range []Encoding{EncodingEventchannel, EncodingPlain} {
		for _, nl := range []bool{true, false} {
			p = strings.ReplaceAll(p, oneChar(enc, nl), ".")
		}
	}
	var runs []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			runs = append(runs, string(cur))
		}
		cur = cur[:0]
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			d := p[i+1]
			i++
			switch {
			case d == 'x' && i+2 < len(p):
				v, err := strconv.ParseUint(p[i+1:i+3], 16, 8)
				if err != nil {
					flush()
					continue
				}
				cur = append(cur, byte(v))
				i += 2
			case strings.IndexByte(`zZbBdDsSwWAG`, d) >= 0:
				flush()
			default:
				cur = append(cur, d)
			}
		case c == '[':
			// A class stands for its first member (the upper case letter of
			// a case-folded one), a negated class ends the run.
			j := i + 1
			for ; j < len(p) && p[j] != ']'; j++ {
				if p[j] == '\\' {
					j++
				}
			}
			body := p[i+1 : min(j, len(p))]
			i = j
			switch {
			case body == "" || body[0] == '^':
				flush()
			case body[0] == '\\' && len(body) >= 4 && body[1] == 'x':
				if v, err := strconv.ParseUint(body[2:4], 16, 8); err == nil {
					cur = append(cur, byte(v))
				} else {
					flush()
				}
			case body[0] == '\\' && len(body) >= 2:
				if strings.IndexByte(`dDsSwW`, body[1]) >= 0 {
					flush()
				} else {
					cur = append(cur, body[1])
				}
			default:
				cur = append(cur, body[0])
			}
		case c == '(':
			flush()
			if i+1 < len(p) && p[i+1] == '?' {
				for i++; i < len(p) && p[i] != ':' && p[i] != ')' && p[i] != '=' && p[i] != '!' && p[i] != '>'; i++ {
				}
			}
		case strings.IndexByte("*+?{", c) >= 0:
			if len(cur) > 0 && c != '+' {
				cur = cur[:len(cur)-1]
			}
			flush()
			if c == '{' {
				for ; i < len(p) && p[i] != '}'; i++ {
				}
			}
		case strings.IndexByte(")|^$.", c) >= 0:
			flush()
		default:
			cur = append(cur, c)
		}
	}
	flush()
	seen := map[string]bool{}
	var out []string
	for _, r := range runs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// repeat repeats s up to about n bytes.
func repeat(s string, n int) string {
	if s == "" {
		return ""
	}
	return strings.Repeat(s, n/len(s)+1)
}

// adversarialSubjects returns subjects meant to make a backtracking matcher
// try many ways: long runs of what eventchannel values are made of (entities,
// doubled backslashes, JSON escapes, multi-byte characters, letters, digits,
// white space), of the pattern's own literals and their prefixes, and
// interleavings, each run followed by a byte that makes end anchors and
// trailing literals fail. Runs come alone, and between the pattern's leading
// literals and its other literals in reverse order: the matcher enters the
// run, every byte PCRE2's start-up checks require is present, and the chain
// still fails at the end.
func adversarialSubjects(pattern string, n int) []string {
	lits := patternLiterals(pattern)
	if len(lits) > 8 {
		// the eight longest, in pattern order
		byLen := append([]string{}, lits...)
		sort.SliceStable(byLen, func(i, j int) bool { return len(byLen[i]) > len(byLen[j]) })
		keep := map[string]bool{}
		for _, l := range byLen[:8] {
			keep[l] = true
		}
		lits = lits[:0]
		for _, l := range patternLiterals(pattern) {
			if keep[l] {
				lits = append(lits, l)
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	reversed := func(l []string) string {
		var b strings.Builder
		for i := len(l) - 1; i >= 0; i-- {
			b.WriteString(l[i])
		}
		return b.String()
	}
	runs := []string{"&amp;", `\\`, "a", " ", "&lt;&gt;", `\"`, `\u0001`, "é", "&amp;a", `\\a`, "0", "0:", "a\\\\"}
	for _, l := range lits {
		runs = append(runs, l, l+"&amp;", l+`\\`, l+"a")
		if len(l) > 1 {
			runs = append(runs, l[:len(l)-1])
		}
	}
	all := strings.Join(lits, "")
	if len(lits) > 1 {
		runs = append(runs, all, all[:len(all)-1], strings.Join(lits[:len(lits)-1], ""))
	}
	for _, r := range runs {
		add(repeat(r, n) + "!")
		for k := 1; k <= len(lits) && k <= 2; k++ {
			add(strings.Join(lits[:k], "") + repeat(r, n) + "!" + reversed(lits[k:]))
		}
	}
	return out
}

// sigmaHQPatterns builds all of SigmaHQ and returns every distinct PCRE2 pattern
// of the generated rules (field, regex and static element tests), with the
// title of a rule that uses it.
func sigmaHQPatterns(t *testing.T) ([]string, map[string]string, *Result) {
	dirs := shared.SigmaHQRuleDirs(t)
	loaded := frontend.Load(dirs, frontend.Options{})
	res, err := Build(loaded.Rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	add := func(p string, r XMLRule) {
		if p == "" {
			return
		}
		if _, ok := owner[p]; !ok {
			owner[p] = r.Description
		}
	}
	for _, r := range res.Rules {
		for _, f := range r.Fields {
			add(f.Pattern, r)
		}
		add(r.Regex, r)
		for _, s := range r.Statics {
			add(s.Pattern, r)
		}
	}
	var list []string
	for p := range owner {
		list = append(list, p)
	}
	sort.Strings(list)
	return list, owner, res
}

// TestSigmaHQPatternsLinearInPCRE2 runs every distinct PCRE2 pattern of the
// SigmaHQ build under the real PCRE2 library (pcre2test, options 0 as Wazuh
// compiles them) with adversarial subjects and a small match limit: none may
// hit the limit, or an attacker could make the rule silently not fire.
func TestSigmaHQPatternsLinearInPCRE2(t *testing.T) {
	pcre2test.Require(t)
	list, owner, _ := sigmaHQPatterns(t)
	if testing.Short() {
		t.Skip("-short: skipping the PCRE2 safety run over SigmaHQ")
	}
	var cases []pcre2test.Case
	subjects := 0
	for _, p := range list {
		c := pcre2test.Case{Pattern: p, Subjects: adversarialSubjects(p, subjectLen)}
		subjects += len(c.Subjects)
		cases = append(cases, c)
	}
	limit := safetyMatchLimit
	if v, err := strconv.Atoi(os.Getenv("RULEC_PCRE2_MATCH_LIMIT")); err == nil && v > 0 {
		limit = v // to measure the margin: the lowest limit every pattern still passes
	}
	failed := 0
	const batch = 500
	for lo := 0; lo < len(cases); lo += batch {
		hi := min(lo+batch, len(cases))
		for i, r := range pcre2test.RunLimited(t, cases[lo:hi], limit) {
			c := cases[lo+i]
			if r.CompileError != "" {
				t.Errorf("PCRE2 rejects %s: %s", c.Pattern, r.CompileError)
				continue
			}
			for j, e := range r.Errors {
				if e != "" {
					failed++
					if os.Getenv("RULEC_PCRE2_VERBOSE") != "" || failed <= 20 {
						s := c.Subjects[j]
						if len(s) > 40 {
							s = s[:40] + "..."
						}
						t.Errorf("%s: pattern %s on %q (%d bytes): %s", owner[c.Pattern], c.Pattern, s, len(c.Subjects[j]), e)
					}
					break
				}
			}
		}
	}
	t.Logf("%d distinct PCRE2 patterns, %d adversarial subjects of about %d bytes, match limit %d: %d patterns hit the limit",
		len(cases), subjects, subjectLen, limit, failed)
}
