package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScanFollow follows a growing, rotated archives.json: every event is
// scanned once, alerts are appended to -o as JSON lines with the sidecar's
// marker and the Wazuh agent, and --follow-idle ends the run.
func TestScanFollow(t *testing.T) {
	data, err := os.ReadFile("../../engine/logs/testdata/wazuh/archives.json")
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitN(string(data), "\n", 2)[0] + "\n"
	dir := t.TempDir()
	log := filepath.Join(dir, "archives.json")
	out := filepath.Join(dir, "alerts.json")
	os.WriteFile(log, data, 0o644)
	os.WriteFile(out, []byte(`{"earlier":"line kept"}`+"\n"), 0o644)
	go func() {
		time.Sleep(300 * time.Millisecond)
		fh, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
		fh.WriteString(first)
		fh.Close()
		time.Sleep(300 * time.Millisecond)
		os.Rename(log, log+".1")
		os.WriteFile(log, []byte(first), 0o644)
	}()
	code, stdout, stderr := cliRun(t, "", "scan", "--rules", "../../corpus/rules/windows", "--follow", "--from-start",
		"--follow-idle", "3s", "--follow-poll", "20ms", "-o", out, log)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "5 events followed") || !strings.Contains(stderr, "3 alerts") ||
		!strings.Contains(stderr, "rotated") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(out)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || lines[0] != `{"earlier":"line kept"}` {
		t.Fatalf("alerts file:\n%s", b)
	}
	for i, l := range lines[1:] {
		var a followAlert
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		if a.RuleID != "0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01" || a.Integration != "rulec" || a.EventAgent == nil || a.EventAgent.Name != "WIN-1" || a.Level != "medium" {
			t.Errorf("alert %d: %s", i, l)
		}
	}
	// Usage errors.
	for _, args := range [][]string{
		{"scan", "-r", "x", "--follow", "a", "b"},
		{"scan", "-r", "x", "--follow", "-"},
		{"scan", "-r", "x", "--follow", "--format", "text", "a"},
		{"scan", "-r", "x", "-o", "y", "a"},
	} {
		if code, _, stderr := cliRun(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
