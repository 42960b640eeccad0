package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanDeclaredLogsource: --logsource declares what the log files are, so a
// rule fires only on events whose declared source agrees with its logsource.
func TestScanDeclaredLogsource(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "zeek.yml")
	if err := os.WriteFile(rule, []byte(`title: Public RDP
id: 00000000-0000-4000-8000-0000000000d1
logsource: {product: zeek, service: rdp}
detection:
    selection:
        id.orig_h|cidr: '10.0.0.0/8'
    condition: not selection
level: high
`), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "rdp.jsonl")
	if err := os.WriteFile(log, []byte(`{"id.orig_h":"203.0.113.9","id.resp_p":3389}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		matches string
		code    int
	}{
		{"unknown origin", nil, "1 matches", 0},
		{"declared zeek rdp", []string{"--logsource", "product=zeek,service=rdp"}, "1 matches", 0},
		{"declared windows", []string{"--logsource", "product=windows"}, "0 matches", 0},
		{"invalid", []string{"--logsource", "zeek"}, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"scan", "--format", "text", "--rules", rule}, tc.args...)
			code, stdout, stderr := cliRun(t, "", append(args, log)...)
			if code != tc.code || !strings.Contains(stderr, tc.matches) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}
