package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

func TestTestCommandCorpus(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "../../corpus/rules", "../../corpus/tests"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	if !strings.HasSuffix(out.String(), "\n34 passed, 0 failed\n") && out.String() != "34 passed, 0 failed\n" {
		t.Errorf("stdout = %q", out.String())
	}
}

// TestTestCommandCorrelations runs the correlation fixtures: every type, window
// edges, out-of-order events, missing group-by fields, thresholds and chains.
func TestTestCommandCorrelations(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "../../corpus/correlation"}, &out, &errOut)
	if code != 0 || out.String() != "14 passed, 0 failed\n" {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	// A wrong expectation fails with the alerts actually raised.
	dir := t.TempDir()
	bad := "tests:\n  - correlation: demo_brute_force\n    events:\n      - {time: '2025-03-01T09:00:00Z', action: login, outcome: failure, user: a}\n    alerts:\n      - {group: {user: a}}\n"
	if err := os.WriteFile(filepath.Join(dir, "bad.yml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	code = run([]string{"rulec", "test", "../../corpus/correlation/rules.yml", filepath.Join(dir, "bad.yml")}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "want 1 alerts, got 0; got no alerts") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestTestCommandSigmaHQ runs `rulec test ../shared/sigmahq/rules*`: every
// regression case present in regression_data must pass, absent ones are skipped.
func TestTestCommandSigmaHQ(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	var out, errOut bytes.Buffer
	code := run(append([]string{"rulec", "test"}, dirs...), &out, &errOut)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	m := regexp.MustCompile(`^(\d+) passed, 0 failed, (\d+) skipped$`).FindStringSubmatch(last)
	if code != 0 || m == nil || m[1] == "0" {
		t.Fatalf("exit %d, closing line %q\n%s\n%s", code, last, out.String(), errOut.String())
	}
	t.Logf("rulec test ../shared/sigmahq/rules*: %s", last)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const testRule = `title: Cmd Child
id: 11111111-0000-4000-8000-000000000001
logsource: {product: windows, category: process_creation}
detection:
    sel:
        ParentImage|endswith: '\cmd.exe'
    condition: sel
regression_tests_path: regression_data/cmd_child/info.yml
`

func TestTestCommandFixturesAndRegression(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "repo/rules/windows/cmd_child.yml"), testRule)
	// A regression case with a JSON capture (EVTX-as-JSON), at least 1 match, and one missing capture.
	write(t, filepath.Join(dir, "repo/regression_data/cmd_child/info.yml"), `regression_tests_info:
    - name: positive
      type: json
      match_count: 1
      path: regression_data/cmd_child/capture.json
    - name: not shipped
      type: evtx
      path: regression_data/cmd_child/missing.evtx
`)
	write(t, filepath.Join(dir, "repo/regression_data/cmd_child/capture.json"),
		`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"ParentImage":"C:\\Windows\\System32\\cmd.exe"}}}`+"\n")
	write(t, filepath.Join(dir, "repo/tests/cmd_child.yml"), `tests:
  - rule: 11111111-0000-4000-8000-000000000001
    match:
      - {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1, ParentImage: 'C:\x\CMD.EXE'}
      - {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1, ParentImage: 'C:\x\explorer.exe'}
    no_match:
      - {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 7, ParentImage: 'C:\x\cmd.exe'}
      - {Channel: Security, EventID: 4688, ParentProcessName: 'C:\x\explorer.exe'}
  - rule: no such rule
    match:
      - {a: b}
`)
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "-v", filepath.Join(dir, "repo/rules"), filepath.Join(dir, "repo/tests")}, &out, &errOut)
	got := out.String()
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"PASS regression " + filepath.Join(dir, "repo/regression_data/cmd_child/info.yml") + ":2",
		"SKIP regression " + filepath.Join(dir, "repo/regression_data/cmd_child/info.yml") + ":6",
		"PASS fixture " + filepath.Join(dir, "repo/tests/cmd_child.yml") + ":4",
		"FAIL fixture " + filepath.Join(dir, "repo/tests/cmd_child.yml") + ":5",
		"event must match but did not",
		"PASS fixture " + filepath.Join(dir, "repo/tests/cmd_child.yml") + ":7",
		"FAIL fixture " + filepath.Join(dir, "repo/tests/cmd_child.yml") + ":11",
		`rule "no such rule" is not among the loaded rules`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "\n4 passed, 2 failed, 1 skipped\n") {
		t.Errorf("closing line: %q", got)
	}
	// Without -v only failures and the closing line are printed.
	out.Reset()
	run([]string{"rulec", "test", filepath.Join(dir, "repo")}, &out, &errOut)
	if n := strings.Count(out.String(), "\n"); n != 3 || strings.Contains(out.String(), "PASS") {
		t.Errorf("quiet output:\n%s", out.String())
	}
}

func TestTestCommandBadFixture(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "f.yml"), "tests:\n  - rule: x\n    match: {a: b}\n")
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", dir}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "f.yml:3:12: match must be a list") || !strings.HasSuffix(out.String(), "0 passed, 1 failed\n") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
}
