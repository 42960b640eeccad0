package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	infoYML = `id: 63b16abe-2d5c-4a2f-b0ae-f1bc4580e40c
description: N/A
date: 2025-11-27
author: Someone
rule_metadata:
    - id: 8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b
      title: WerFaultSecure Loading DbgCore or DbgHelp
regression_tests_info:
    - name: Positive Detection Test
      type: evtx
      path: regression_data/x/8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.evtx
`
	fixtureYML = `# fixtures for the rule below
tests:
  - rule: whoami_test
    match:
      - {Image: 'C:\Windows\System32\whoami.exe'}
`
	ruleYML = `title: Whoami Test
id: 0b7e9a52-8a4c-4b8e-9d6b-4c1f7d1b1e01
status: test
description: Detects whoami.
author: rulec
date: 2025-01-01
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
falsepositives:
    - Unknown
level: low
`
	// A rule without its detection is still a rule: lint must report it, not skip it.
	brokenRuleYML = "title: Broken\nlogsource:\n    product: windows\n"
)

func TestNonRuleContent(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"info.yml", infoYML, "SigmaHQ regression"},
		{"fixture", fixtureYML, "rulec fixture file"},
		{"rule", ruleYML, ""},
		{"rule without detection", brokenRuleYML, ""},
		{"correlation", "title: c\ncorrelation:\n  type: event_count\n", ""},
		{"filter", "filter:\n  rules: any\n", ""},
		{"collection", "action: global\nlogsource:\n  product: windows\n---\ndetection: {}\n", ""},
		{"workflow", "name: ci\non: [push]\njobs:\n  x: {}\n", "YAML without detection"},
		{"flow mapping", "{title: x, detection: {}}\n", ""},
		{"empty", "", ""},
		{"quoted key", "\"detection\":\n  s: {a: 1}\n", ""},
	} {
		if got := nonRuleContent([]byte(tc.src)); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestLintSkipsNonRules: lint (and so the pre-commit hook, `rulec lint --context .` on the staged
// files) skips SigmaHQ info.yml files and rulec fixture files, named or found in folders, with a
// note; a broken rule is still reported; --all-yaml lints everything.
func TestLintSkipsNonRules(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"rules/whoami.yml":                  ruleYML,
		"rules/broken.yml":                  brokenRuleYML,
		"regression_data/rules/x/info.yml":  infoYML,
		"tests/whoami_tests.yml":            fixtureYML,
		"rules/.hidden/ignored.yml":         "not: yaml: at: all",
		"regression_data/rules/y/info.yaml": infoYML,
		"rules/docs/readme_metadata.yml":    "name: docs\nowners: [a]\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)

	// The hook: only non-rule files staged.
	code, out, errOut := cliRun(t, "", "lint", "--no-config", "--context", ".", "regression_data/rules/x/info.yml", "tests/whoami_tests.yml")
	if code != 0 || !strings.HasPrefix(out, "0 errors, 0 warnings, 0 notes in 0 files") {
		t.Errorf("hook on info.yml + fixture: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		filepath.FromSlash("regression_data/rules/x/info.yml") + ": note: not a Sigma rule, skipped: a SigmaHQ regression test description",
		filepath.FromSlash("tests/whoami_tests.yml") + ": note: not a Sigma rule, skipped: a rulec fixture file",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}

	// The hook with a rule staged too: the rule is linted, the others are not.
	code, out, errOut = cliRun(t, "", "lint", "--no-config", "--context", ".", "rules/whoami.yml", "regression_data/rules/x/info.yml")
	if code != 0 || !strings.Contains(out, "whoami.yml") || strings.Contains(out, "info.yml") {
		t.Errorf("hook on a rule + info.yml: exit %d\n%s%s", code, out, errOut)
	}

	// A folder mixing rules, info.yml files and fixtures: one count, -v names each.
	code, out, errOut = cliRun(t, "", "lint", "--no-config", ".")
	if code != 1 || !strings.Contains(out, "broken.yml") || strings.Contains(out, "info.y") || strings.Contains(out, "whoami_tests") || strings.Contains(out, "readme_metadata") {
		t.Errorf("folder: exit %d (want 1, the broken rule)\n%s", code, out)
	}
	if !strings.Contains(errOut, "rulec lint: 4 YAML files in the folders given are not Sigma rules") {
		t.Errorf("folder: no count of skipped files:\n%s", errOut)
	}
	_, _, errOut = cliRun(t, "", "lint", "--no-config", "-v", ".")
	if n := strings.Count(errOut, "note: not a Sigma rule, skipped"); n != 4 {
		t.Errorf("-v: %d notes, want 4:\n%s", n, errOut)
	}

	// --all-yaml: every YAML file is read as a rule, as before.
	code, out, _ = cliRun(t, "", "lint", "--no-config", "--all-yaml", ".")
	if code != 1 || !strings.Contains(out, "info.yml") || !strings.Contains(out, "whoami_tests.yml") {
		t.Errorf("--all-yaml: exit %d\n%s", code, out)
	}
}

// TestBuildIrNonRuleFile: build and ir named a non-rule file fail it (exit 1) with one error that
// says what the file is, instead of "no detection" and "no title".
func TestBuildIrNonRuleFile(t *testing.T) {
	dir := t.TempDir()
	info := filepath.Join(dir, "info.yml")
	fixture := filepath.Join(dir, "fixture.yml")
	os.WriteFile(info, []byte(infoYML), 0o644)
	os.WriteFile(fixture, []byte(fixtureYML), 0o644)
	for _, args := range [][]string{
		{"build", "--stock-rules", "", info},
		{"ir", fixture},
	} {
		code, _, errOut := cliRun(t, "", args...)
		if code != 1 || !strings.Contains(errOut, "error: not a Sigma rule: ") || !strings.Contains(errOut, "[not-a-rule]") ||
			strings.Contains(errOut, "missing-title") || strings.Contains(errOut, "missing-detection") {
			t.Errorf("%v: exit %d\n%s", args, code, errOut)
		}
	}
}

// TestBuildIrGenGoSkipNonRulesInFolders: build, ir and gen-go given a folder mixing rules, SigmaHQ
// info.yml files and rulec fixture files skip the non-rule files by content (exit 0, one count,
// -v names each, build's --report lists them); a broken rule in the folder still fails the run.
func TestBuildIrGenGoSkipNonRulesInFolders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"rules/whoami.yml":                  ruleYML,
		"regression_data/rules/x/info.yml":  infoYML,
		"regression_data/rules/y/info.yaml": infoYML,
		"tests/whoami_tests.yml":            fixtureYML,
	}
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	out := t.TempDir()
	for _, args := range [][]string{
		{"build", "--stock-rules", "none", "-o", filepath.Join(out, "rules.xml"), "--report", filepath.Join(out, "report.json"), "."},
		{"ir", "-o", filepath.Join(out, "ir.json"), "."},
		{"gen-go", "-o", filepath.Join(out, "gen"), "."},
	} {
		code, _, errOut := cliRun(t, "", args...)
		if code != 0 || !strings.Contains(errOut, "rulec "+args[0]+": 3 YAML files in the folders given are not Sigma rules") || strings.Contains(errOut, "not-a-rule") {
			t.Errorf("%v: exit %d (want 0 and a count of 3)\n%s", args, code, errOut)
		}
		code, _, errOut = cliRun(t, "", append([]string{args[0], "-v"}, args[1:]...)...)
		if n := strings.Count(errOut, "note: not a Sigma rule, skipped"); code != 0 || n != 3 {
			t.Errorf("%v -v: exit %d, %d notes, want 3\n%s", args, code, n, errOut)
		}
	}
	rep, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || !strings.Contains(string(rep), `"file": "tests/whoami_tests.yml"`) || !strings.Contains(string(rep), `"files_failed": 0`) {
		t.Errorf("report lacks the skipped fixture (%v):\n%s", err, rep)
	}
	// Named on the command line, a non-rule file stays an error; a broken rule in a folder too.
	os.WriteFile(filepath.Join("rules", "broken.yml"), []byte(brokenRuleYML), 0o644)
	for _, args := range [][]string{
		{"ir", "-o", filepath.Join(out, "ir.json"), "rules", "tests/whoami_tests.yml"},
		{"ir", "-o", filepath.Join(out, "ir.json"), "."},
	} {
		if code, _, errOut := cliRun(t, "", args...); code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", args, code, errOut)
		}
	}
}
