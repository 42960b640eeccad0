package ruletest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSplitPaths(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules/a.yml"), "title: a\n")
	writeFile(t, filepath.Join(dir, "rules/b.yaml"), "title: b\n# tests: in a comment does not count\n")
	writeFile(t, filepath.Join(dir, "tests/a.yml"), "# fixtures\ntests:\n  - rule: a\n")
	writeFile(t, filepath.Join(dir, ".hidden/c.yml"), "tests: []\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "tests:\n")
	rules, fixtures, err := SplitPaths([]string{dir, filepath.Join(dir, "rules/a.yml")})
	if err != nil {
		t.Fatal(err)
	}
	rel := func(ps []string) string {
		var out []string
		for _, p := range ps {
			r, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(r))
		}
		return strings.Join(out, ",")
	}
	if got := rel(rules); got != "rules/a.yml,rules/b.yaml" {
		t.Errorf("rules = %s", got)
	}
	if got := rel(fixtures); got != "tests/a.yml" {
		t.Errorf("fixtures = %s", got)
	}
}

func TestLoadFixtures(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	writeFile(t, good, `tests:
  - rule: r1
    name: n
    logsource: false
    match:
      - {a: 1, b: [x, y], c: {d: true}}
      - event: {file: not a file reference}
      - file: x.jsonl
        count: 2
        format: jsonl
    no_match:
      - {a: 2}
`)
	fxs, err := LoadFixtures(good)
	if err != nil {
		t.Fatal(err)
	}
	fx := fxs[0]
	if fx.Rule != "r1" || fx.Name != "n" || fx.Logsource || len(fx.Match) != 3 || len(fx.NoMatch) != 1 {
		t.Fatalf("%+v", fx)
	}
	if fx.Match[1].Event["file"] != "not a file reference" || fx.Match[2].File != "x.jsonl" || *fx.Match[2].Count != 2 || fx.Match[2].Format != "jsonl" {
		t.Errorf("items: %+v", fx.Match)
	}
	for src, want := range map[string]string{
		"tests: {}\n":                   "tests must be a list",
		"other: 1\n":                    `unknown key "other"`,
		"tests:\n  - match: [{a: b}]\n": "test needs the rule",
		"tests:\n  - rule: r\n":         "no match or no_match items",
		"tests:\n  - rule: r\n    match: [{file: x, extra: 1}]\n":     "a file item has only file, count and format",
		"tests:\n  - rule: r\n    match: [{file: x, count: -1}]\n":    "count must be a non-negative integer",
		"tests:\n  - rule: r\n    match: [{file: x, format: nope}]\n": "unknown log format",
		"tests:\n  - rule: r\n    bogus: 1\n":                         `unknown key "bogus" in a test`,
		"tests:\n  - rule: r\n    match: [[1]]\n":                     "an item is an event (a map) or a file reference",
		"tests: [\n": "invalid YAML",
	} {
		p := filepath.Join(dir, "bad.yml")
		writeFile(t, p, src)
		if _, err := LoadFixtures(p); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), p) {
			t.Errorf("%q: error %v, want %q", src, err, want)
		}
	}
}

func TestSummary(t *testing.T) {
	s := Summarize([]Case{{Status: Pass}, {Status: Fail}, {Status: Pass}})
	if s.String() != "2 passed, 1 failed" {
		t.Error(s)
	}
	s = Summarize([]Case{{Status: Skip}})
	if s.String() != "0 passed, 0 failed, 1 skipped" {
		t.Error(s)
	}
}
