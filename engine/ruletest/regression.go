package ruletest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/engine/logs"
)

// regressionInfo is a SigmaHQ regression case description (info.yml).
type regressionInfo struct {
	RegressionTestsInfo []regressionItem `yaml:"regression_tests_info"`
}

type regressionItem struct {
	Name       string `yaml:"name"`
	Type       string `yaml:"type"`
	Provider   string `yaml:"provider"`
	Path       string `yaml:"path"`
	MatchCount *int   `yaml:"match_count"`
	line       int
}

// resolveFromAncestors finds rel under the nearest ancestor folder of dir
// (dir included) where it exists, and returns that folder.
func resolveFromAncestors(dir, rel string) (string, bool) {
	if filepath.IsAbs(rel) {
		_, err := os.Stat(rel)
		return "", err == nil
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, rel)); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Regression runs the SigmaHQ regression cases of every rule that names one.
// The regression_tests_path is resolved from the nearest ancestor folder of the
// rule file where it exists; an absent info.yml or capture is skipped. A case
// passes when the rule fires on the capture, at least match_count times when
// given: like SigmaHQ's runner, more matches than match_count pass with a warning.
func (r *Runner) Regression() []Case {
	var out []Case
	for i := 0; i < r.rs.Len(); i++ {
		rule := r.rs.Rule(i)
		if rule.RegressionTestsPath == "" {
			continue
		}
		out = append(out, r.regression(i)...)
		if r.Progress != nil {
			r.Progress(i+1, r.rs.Len())
		}
	}
	return out
}

func (r *Runner) regression(i int) []Case {
	rule := r.rs.Rule(i)
	rel := filepath.FromSlash(rule.RegressionTestsPath)
	base := Case{Kind: "regression", Rule: ruleLabel(rule), Where: rule.RegressionTestsPath, Name: "regression_tests_path"}
	root, ok := resolveFromAncestors(filepath.Dir(rule.Pos.File), rel)
	if !ok {
		base.Status, base.Message = Skip, fmt.Sprintf("%s is not present above %s", rule.RegressionTestsPath, filepath.Dir(rule.Pos.File))
		return []Case{base}
	}
	infoPath := filepath.Join(root, rel)
	base.Where = infoPath
	data, err := os.ReadFile(infoPath)
	if err != nil {
		base.Status, base.Message = Fail, fmt.Sprintf("reading regression info: %v", err)
		return []Case{base}
	}
	var info regressionInfo
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil {
		err = doc.Decode(&info)
	}
	if err != nil {
		base.Status, base.Message = Fail, fmt.Sprintf("invalid regression info: %v", err)
		return []Case{base}
	}
	itemLines(&doc, info.RegressionTestsInfo)
	if len(info.RegressionTestsInfo) == 0 {
		base.Status, base.Message = Fail, "regression info lists no regression_tests_info entries"
		return []Case{base}
	}
	var out []Case
	for _, it := range info.RegressionTestsInfo {
		c := Case{Kind: "regression", Rule: ruleLabel(rule), Where: fmt.Sprintf("%s:%d", infoPath, it.line), Name: it.Name}
		if c.Name == "" {
			c.Name = it.Path
		}
		capture, ok := r.capturePath(root, filepath.Dir(infoPath), it)
		if !ok {
			c.Status, c.Message = Skip, fmt.Sprintf("capture %s is not present", it.Path)
			out = append(out, c)
			continue
		}
		n, total, problems, misses, err := r.countMatchesWhy(i, capture, logs.FormatAuto, true)
		switch {
		case err != nil:
			c.Status, c.Message = Fail, fmt.Sprintf("reading %s: %v", capture, err)
		case it.MatchCount != nil && n < *it.MatchCount:
			c.Status, c.Message = Fail, fmt.Sprintf("%s: rule matched %d of %d events, want %d", capture, n, total, *it.MatchCount)
		case it.MatchCount != nil && n > *it.MatchCount:
			// SigmaHQ's own runner (tests/regression_tests_runner.py) fails only when the
			// count is too low and warns when it is higher.
			c.Status, c.Warning = Pass, true
			c.Message = fmt.Sprintf("%s: rule matched %d of %d events, more than match_count %d (SigmaHQ's runner warns: consider updating match_count)", capture, n, total, *it.MatchCount)
		case it.MatchCount == nil && n == 0:
			c.Status, c.Message = Fail, fmt.Sprintf("%s: rule matched none of %d events", capture, total)
		default:
			c.Status, c.Message = Pass, fmt.Sprintf("%s: %d of %d events matched", capture, n, total)
		}
		if c.Status == Fail && len(misses) > 0 {
			c.Message += " (" + strings.Join(misses, "; ") + ")"
		}
		if len(problems) > 0 {
			c.Message += fmt.Sprintf(" (%d unreadable records, first: %s)", len(problems), problems[0])
		}
		out = append(out, c)
	}
	return out
}

// capturePath resolves an entry's capture: relative to the repository root
// (where regression_tests_path was found), else to the info.yml folder, else
// the file of that name next to the info.yml.
func (r *Runner) capturePath(root, infoDir string, it regressionItem) (string, bool) {
	if it.Path == "" {
		return "", false
	}
	rel := filepath.FromSlash(it.Path)
	cands := []string{rel}
	if !filepath.IsAbs(rel) {
		cands = []string{filepath.Join(root, rel), filepath.Join(infoDir, rel)}
	}
	cands = append(cands, filepath.Join(infoDir, filepath.Base(rel)))
	for _, p := range cands {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

// itemLines records the line of each regression_tests_info entry.
func itemLines(doc *yaml.Node, items []regressionItem) {
	if doc == nil || len(doc.Content) == 0 {
		return
	}
	m := doc.Content[0]
	for k := 0; k+1 < len(m.Content); k += 2 {
		if m.Content[k].Value != "regression_tests_info" {
			continue
		}
		seq := m.Content[k+1]
		for j, n := range seq.Content {
			if j < len(items) {
				items[j].line = n.Line
			}
		}
	}
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

func asRecordError(err error) (*logs.RecordError, bool) {
	var re *logs.RecordError
	ok := errors.As(err, &re)
	return re, ok
}
