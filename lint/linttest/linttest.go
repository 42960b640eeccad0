// Package linttest tests lint checks the way golang.org/x/tools/go/analysis/analysistest
// tests analyzers: fixture rules carry `# want "regexp"` comments on the lines
// where a finding is expected, and Run fails the test on every expected finding
// that is missing and every finding that no comment expects. It needs nothing
// but the fixtures.
package linttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/lint"
)

// TB is the part of testing.TB that Run uses.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// wantRe finds a want comment; its quoted expectations follow.
var wantRe = regexp.MustCompile(`#\s*want\s+(.*)$`)

// expectation is one `# want` pattern at a line.
type expectation struct {
	file string
	line int
	re   *regexp.Regexp
	met  bool
}

// Run loads the rule files under dir, lints them with opts and checks the
// findings against the `# want "regexp"` comments of the fixtures: each
// regexp (Go syntax, in a double-quoted or back-quoted Go string; several may
// follow one want) must match one finding on its line, written as
// "message [check-id]"; each unsuppressed finding must be matched. Findings
// without a line are matched against wants on line 1. It returns the report.
func Run(t TB, dir string, opts lint.Options) *lint.Report {
	t.Helper()
	res := frontend.Load([]string{dir}, frontend.Options{})
	rep := lint.Run(res, opts)
	wants, err := readWants(dir)
	if err != nil {
		t.Fatalf("reading the want comments: %v", err)
		return rep
	}
	for _, f := range rep.Findings {
		if f.Suppressed {
			continue
		}
		line := f.Pos.Line
		if line == 0 {
			line = 1
		}
		text := f.Message + " [" + f.Check + "]"
		matched := false
		for _, w := range wants[key(f.Pos.File, line)] {
			if !w.met && w.re.MatchString(text) {
				w.met, matched = true, true
				break
			}
		}
		if !matched {
			t.Errorf("%s:%d: unexpected finding: %s", f.Pos.File, line, text)
		}
	}
	var missing []string
	for _, ws := range wants {
		for _, w := range ws {
			if !w.met {
				missing = append(missing, fmt.Sprintf("%s:%d: no finding matches %q", w.file, w.line, w.re))
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s", m)
	}
	return rep
}

func key(file string, line int) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	return abs + ":" + strconv.Itoa(line)
}

// readWants collects the want comments of the .yml and .yaml files under dir.
func readWants(dir string) (map[string][]*expectation, error) {
	out := map[string][]*expectation{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext != ".yml" && ext != ".yaml" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			m := wantRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			pats, err := patterns(m[1])
			if err != nil {
				return fmt.Errorf("%s:%d: %w", path, i+1, err)
			}
			for _, p := range pats {
				re, err := regexp.Compile(p)
				if err != nil {
					return fmt.Errorf("%s:%d: %w", path, i+1, err)
				}
				k := key(path, i+1)
				out[k] = append(out[k], &expectation{file: path, line: i + 1, re: re})
			}
		}
		return nil
	})
	return out, err
}

// patterns reads the Go string literals of a want comment.
func patterns(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, fmt.Errorf("want: expected a quoted regexp at %q", s)
		}
		p, _ := strconv.Unquote(q)
		out = append(out, p)
		s = s[len(q):]
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("want: no pattern")
	}
	return out, nil
}
