// Package pcre2test checks PCRE2 patterns with the real PCRE2 library through the
// pcre2test program (Debian package pcre2-utils, installed by .ci/run), in batches.
package pcre2test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Path returns the pcre2test program, or "" when it is not installed.
func Path() string {
	p, err := exec.LookPath("pcre2test")
	if err != nil {
		return ""
	}
	return p
}

// Require returns the program path, skipping the test (saying so) when it is absent.
func Require(tb testing.TB) string {
	tb.Helper()
	p := Path()
	if p == "" {
		tb.Skip("pcre2test not installed (apt-get install pcre2-utils; .ci/run installs it): skipping PCRE2 checks")
	}
	return p
}

// Case is one pattern and the subjects to match it against.
type Case struct {
	Pattern  string
	Subjects []string
}

// Result is the outcome for one Case: a compile error, or one boolean per subject.
// With a match limit (RunLimited), Errors holds, per subject, the match error
// pcre2test reported ("" when the match completed; Matches is then false when
// it did not), such as "Failed: error -47: match limit exceeded".
type Result struct {
	CompileError string
	Matches      []bool
	Errors       []string
}

// Run checks every case with one run of pcre2test (options 0, as Wazuh compiles them).
func Run(tb testing.TB, cases []Case) []Result {
	tb.Helper()
	return run(tb, cases, 0)
}

// RunLimited is Run with a match limit on every subject (pcre2test's
// match_limit subject modifier: PCRE2 counts the backtracking steps of each
// match attempt from one start position, and fails the match when they exceed
// the limit). A subject that hits the limit, or any other match-time error,
// is reported in Result.Errors instead of failing the test.
func RunLimited(tb testing.TB, cases []Case, matchLimit int) []Result {
	tb.Helper()
	return run(tb, cases, matchLimit)
}

func run(tb testing.TB, cases []Case, matchLimit int) []Result {
	tb.Helper()
	prog := Require(tb)
	var in bytes.Buffer
	for _, c := range cases {
		d, ok := delimiter(c.Pattern)
		if !ok {
			tb.Fatalf("no delimiter available for pattern %q", c.Pattern)
		}
		fmt.Fprintf(&in, "%c%s%c\n", d, c.Pattern, d)
		for _, s := range c.Subjects {
			in.WriteString(encodeSubject(s))
			if matchLimit > 0 {
				fmt.Fprintf(&in, `\=match_limit=%d`, matchLimit)
			}
			in.WriteByte('\n')
		}
		in.WriteByte('\n')
	}
	dir := tb.TempDir()
	inPath := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(inPath, in.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(prog, "-q", inPath).CombinedOutput()
	if err != nil {
		tb.Fatalf("pcre2test: %v\n%s", err, out)
	}
	return parse(tb, out, cases)
}

// parse walks pcre2test's echo of the input alongside the results.
func parse(tb testing.TB, out []byte, cases []Case) []Result {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	i := 0
	next := func() string {
		if i >= len(lines) {
			tb.Fatalf("pcre2test output ended early")
		}
		i++
		return lines[i-1]
	}
	res := make([]Result, len(cases))
	for ci, c := range cases {
		next() // pattern echo
		if i < len(lines) && strings.HasPrefix(lines[i], "Failed:") {
			res[ci].CompileError = next()
			for i < len(lines) && lines[i] != "" {
				i++
			}
			next()
			continue
		}
		for range c.Subjects {
			next() // subject echo
			r := next()
			switch {
			case strings.HasPrefix(r, " 0:"):
				res[ci].Matches = append(res[ci].Matches, true)
				res[ci].Errors = append(res[ci].Errors, "")
				for i < len(lines) && len(lines[i]) > 3 && lines[i][0] == ' ' && lines[i][3] == ':' {
					i++
				}
			case r == "No match":
				res[ci].Matches = append(res[ci].Matches, false)
				res[ci].Errors = append(res[ci].Errors, "")
			case strings.HasPrefix(r, "Failed: error"):
				res[ci].Matches = append(res[ci].Matches, false)
				res[ci].Errors = append(res[ci].Errors, r)
			default:
				tb.Fatalf("pcre2test: unexpected output %q for pattern %q", r, c.Pattern)
			}
		}
		next() // blank line
	}
	return res
}

// delimiter picks a pattern delimiter the pattern does not contain (never
// `#`: a line that starts with it is a pcre2test command).
func delimiter(p string) (byte, bool) {
	for _, d := range []byte(`/!%@~;,="'|:&<>` + "`") {
		if !strings.ContainsRune(p, rune(d)) {
			return d, true
		}
	}
	return 0, false
}

// encodeSubject writes every byte that is not a letter or digit as \x{hh}, and
// a unit of up to 16 bytes repeated over 32 bytes or more as pcre2test's
// replication \[unit]{count}, which keeps long adversarial subjects short.
// An empty subject is written as a lone backslash.
func encodeSubject(s string) string {
	if s == "" {
		return `\`
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if p, k := period(s[i:]); k > 0 {
			b.WriteString(`\[`)
			for j := 0; j < p; j++ {
				encodeByte(&b, s[i+j])
			}
			fmt.Fprintf(&b, "]{%d}", k)
			i += p * k
			continue
		}
		encodeByte(&b, s[i])
		i++
	}
	return b.String()
}

// period returns the unit length and count of the longest repetition of a unit
// of at most 16 bytes at the start of s, when it covers 32 bytes or more (else 0, 0).
func period(s string) (int, int) {
	bestP, bestK := 0, 0
	for p := 1; p <= 16 && 2*p <= len(s); p++ {
		k := 1
		for (k+1)*p <= len(s) && s[k*p:(k+1)*p] == s[:p] {
			k++
		}
		if k*p >= 32 && k*p > bestP*bestK {
			bestP, bestK = p, k
		}
	}
	return bestP, bestK
}

func encodeByte(b *strings.Builder, c byte) {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		b.WriteByte(c)
	} else {
		fmt.Fprintf(b, `\x{%02x}`, c)
	}
}
