// Package ruletest runs rule fixtures: SigmaHQ regression cases (a rule's
// regression_tests_path naming an info.yml with .evtx/.json captures) and
// rulec fixture files (events that must or must not match a rule).
package ruletest

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
)

// Status is the outcome of a case.
type Status int

// Case outcomes.
const (
	Pass Status = iota
	Fail
	Skip
)

// String names the status as printed.
func (s Status) String() string {
	switch s {
	case Pass:
		return "PASS"
	case Fail:
		return "FAIL"
	}
	return "SKIP"
}

// Case is one checked expectation.
type Case struct {
	// Kind is "regression" or "fixture".
	Kind string
	// Where locates the case: the info.yml entry or the fixture item (file:line).
	Where string
	// Rule is the rule's file and title, when known.
	Rule string
	// Name describes the case.
	Name   string
	Status Status
	// Warning marks a passing case whose message deserves attention.
	Warning bool
	// Message explains a failure or a skip, or gives the match count of a pass.
	Message string
}

// Summary counts cases by status.
type Summary struct{ Passed, Failed, Skipped int }

// Summarize counts the cases.
func Summarize(cs []Case) Summary {
	var s Summary
	for _, c := range cs {
		switch c.Status {
		case Pass:
			s.Passed++
		case Fail:
			s.Failed++
		default:
			s.Skipped++
		}
	}
	return s
}

// String renders the closing line: "N passed, M failed" and ", K skipped" when some were.
func (s Summary) String() string {
	out := fmt.Sprintf("%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		out += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return out
}

// Matcher decides whether rule i of the ruleset fires on an event. The engine's
// Evaluator is the default; a backend's simulator can stand in for it (rulec test --target).
type Matcher interface {
	// MatchRule applies the rule with its logsource restriction.
	MatchRule(i int, ev engine.Event) (bool, error)
	// MatchDetection applies the detection alone.
	MatchDetection(i int, ev engine.Event) (bool, error)
	// InLogsource reports whether the event is of the rule's logsource.
	InLogsource(i int, ev engine.Event) bool
}

// Explainer is a Matcher that can say why rule i did not fire on an event
// (e.g. which Wazuh rule the event ended on instead); failure messages quote it.
type Explainer interface {
	Explain(i int, ev engine.Event) string
}

// maxExplained is how many missed records a failure message explains.
const maxExplained = 3

// explain returns why rule i missed the event, when the matcher can tell.
func (r *Runner) explain(i int, ev engine.Event) string {
	if x, ok := r.m.(Explainer); ok {
		return x.Explain(i, ev)
	}
	return ""
}

// Runner evaluates cases on a compiled ruleset.
type Runner struct {
	rs *engine.Ruleset
	ev *engine.Evaluator
	// m decides matches for regression and match/no_match cases (ev unless SetMatcher).
	m Matcher
	// All are every loaded rule, correlations included, for correlation tests.
	All []*ast.Rule
	// SkipCorrelations, when set, skips correlation tests with this reason.
	SkipCorrelations string
	// Format overrides log format sniffing for fixture log files.
	Format logs.Format
	// FixtureRoots are the folders besides the one above the fixture's own
	// folder (tests/ next to logs/) under which a fixture's `file:` items may
	// lie. A fixture naming a file elsewhere (an absolute path,
	// ../../etc/shadow, a symbolic link out) fails without reading it.
	FixtureRoots []string
	// Progress, when set, is called after each rule's regression cases with the rules done and their number.
	Progress func(done, total int)
}

// fixturePath resolves a fixture's `file:` item (relative to the fixture's
// folder) and checks that it lies, symbolic links resolved, under the folder
// above the fixture's folder or one of FixtureRoots.
func (r *Runner) fixturePath(fixtureFile, file string) (string, error) {
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(fixtureFile), path)
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return path, err
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return path, err
	}
	roots := append([]string{filepath.Join(filepath.Dir(fixtureFile), "..")}, r.FixtureRoots...)
	for _, root := range roots {
		rr, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if rr, err = filepath.Abs(rr); err != nil {
			continue
		}
		if rel, err := filepath.Rel(rr, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return path, nil
		}
	}
	return path, fmt.Errorf("%s is outside the folder above the fixture's folder (allow its folder with --fixture-root)", real)
}

// NewRunner returns a runner for the ruleset.
func NewRunner(rs *engine.Ruleset) *Runner {
	ev := rs.NewEvaluator()
	return &Runner{rs: rs, ev: ev, m: ev, Format: logs.FormatAuto}
}

// SetMatcher makes regression and match/no_match cases use m instead of the interpreter.
func (r *Runner) SetMatcher(m Matcher) { r.m = m }

func ruleLabel(r *ast.Rule) string {
	return fmt.Sprintf("%s (%s)", r.Pos.File, r.Title)
}

// countMatches counts the records of a log file that rule i matches (with its
// logsource restriction, or its detection alone).
func (r *Runner) countMatches(i int, path string, f logs.Format, logsource bool) (n int, total int, problems []string, err error) {
	n, total, problems, _, err = r.countMatchesWhy(i, path, f, logsource)
	return n, total, problems, err
}

// countMatchesWhy is countMatches that also explains the first missed records
// (see Explainer), as "record N: why".
func (r *Runner) countMatchesWhy(i int, path string, f logs.Format, logsource bool) (n int, total int, problems, misses []string, err error) {
	rd, err := logs.Open(path, f)
	if err != nil {
		return 0, 0, nil, nil, err
	}
	defer rd.Close()
	for {
		rec, err := rd.Next()
		if err != nil {
			if isEOF(err) {
				return n, total, problems, misses, nil
			}
			if re, ok := asRecordError(err); ok {
				problems = append(problems, re.Error())
				continue
			}
			return n, total, problems, misses, err
		}
		total++
		match := r.m.MatchRule
		if !logsource {
			match = r.m.MatchDetection
		}
		ok, err := match(i, rec.Event)
		if err != nil {
			return n, total, problems, misses, fmt.Errorf("%s: record %d: %w", rec.Source, rec.Index, err)
		}
		if ok {
			n++
		} else if len(misses) < maxExplained {
			if why := r.explain(i, rec.Event); why != "" {
				misses = append(misses, fmt.Sprintf("record %d: %s", rec.Index, why))
			}
		}
	}
}

// SplitPaths expands the command-line paths into rule files and fixture files
// (YAML files with a top-level `tests:` key). Folders are walked recursively,
// skipping hidden folders, as the front end does.
func SplitPaths(paths []string) (rules, fixtures []string, err error) {
	seen := map[string]bool{}
	add := func(p string) error {
		p = filepath.Clean(p)
		if seen[p] {
			return nil
		}
		seen[p] = true
		fx, err := IsFixtureFile(p)
		if err != nil {
			return err
		}
		if fx {
			fixtures = append(fixtures, p)
		} else {
			rules = append(rules, p)
		}
		return nil
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			// Let the front end report unreadable paths with its diagnostics.
			rules = append(rules, root)
			continue
		}
		if !st.IsDir() {
			if err := add(root); err != nil {
				return nil, nil, err
			}
			continue
		}
		// Symbolic links are followed (as the front end follows them); a
		// folder reached again (a cycle) is not read twice.
		var found []string
		walked := map[string]bool{}
		var walk func(dir string) error
		walk = func(dir string) error {
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				return err
			}
			if walked[real] {
				return nil
			}
			walked[real] = true
			entries, err := os.ReadDir(dir)
			if err != nil {
				return err
			}
			for _, de := range entries {
				p := filepath.Join(dir, de.Name())
				if strings.HasPrefix(de.Name(), ".") {
					continue
				}
				t := de.Type()
				if t&fs.ModeSymlink != 0 {
					st, err := os.Stat(p)
					if err != nil {
						continue // broken: the front end reports rule files
					}
					t = st.Mode().Type()
				}
				ext := strings.ToLower(filepath.Ext(p))
				switch {
				case t.IsDir():
					if err := walk(p); err != nil {
						return err
					}
				case t.IsRegular() && (ext == ".yml" || ext == ".yaml"):
					found = append(found, p)
				}
			}
			return nil
		}
		if err := walk(root); err != nil {
			return nil, nil, fmt.Errorf("walking %s: %w", root, err)
		}
		sort.Strings(found)
		for _, p := range found {
			if err := add(p); err != nil {
				return nil, nil, err
			}
		}
	}
	return rules, fixtures, nil
}

// IsFixtureFile reports whether a YAML file is a rulec fixture file: it has a
// line `tests:` at the top level (Sigma rules never do).
func IsFixtureFile(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := bytes.TrimRight(sc.Bytes(), " \t\r")
		if bytes.Equal(line, []byte("tests:")) || bytes.HasPrefix(line, []byte("tests: ")) {
			return true, nil
		}
	}
	// A line longer than the buffer cannot be a `tests:` key; treat the file as a rule.
	return false, nil
}
