package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanLines runs rulec scan and returns "rule_id source#index" per output line.
func scanLines(t *testing.T, args ...string) ([]string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"rulec", "scan"}, args...), &out, &errOut)
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m scanMatch
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		key := fmt.Sprintf("%s %s#%d", m.RuleID, filepath.Base(m.Source), m.EventIndex)
		if m.Correlation != nil {
			key += " " + m.Correlation.Type
		}
		lines = append(lines, key)
	}
	return lines, errOut.String(), code
}

func TestScanCorpus(t *testing.T) {
	got, stderr, code := scanLines(t, "--rules", "../../corpus/rules",
		"../../corpus/logs/windows_sysmon.jsonl", "../../corpus/logs/windows_security.jsonl", "../../corpus/logs/linux.jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := []string{
		"0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01 windows_sysmon.jsonl#0",   // whoami (EVTX-as-JSON shape)
		"5c1d8e7a-2b3f-4c6d-8e9f-0a1b2c3d4e02 windows_sysmon.jsonl#3",   // encoded PowerShell
		"7e2f9a3b-4c5d-4e6f-8a9b-1c2d3e4f5a03 windows_sysmon.jsonl#6",   // SMB
		"0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01 windows_security.jsonl#0", // whoami via Security 4688 renames
		"b180ead8-d58f-40b2-ae54-c8940995b9b6 windows_security.jsonl#6 temporal_ordered",
		"6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c06 windows_security.jsonl#8 value_count",
		"11111111-2222-4333-8444-555555555501 windows_security.jsonl#9", // collection document
		"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e05 linux.jsonl#0",            // keywords
		"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e05 linux.jsonl#1",            // keywords |all
		"3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e05 linux.jsonl#3",            // /tmp executable
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("matches:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !strings.HasSuffix(stderr, "23 events from 3 files, 16 matches of 7 rules, 2 correlation alerts (9 rules evaluated, 0 not compiled), 0 unreadable records, 0 files failed\n") {
		t.Errorf("summary: %q", stderr)
	}
	// Suppressed base rules (generate: false) show with --show-suppressed.
	all, _, _ := scanLines(t, "--rules", "../../corpus/rules", "--show-suppressed", "../../corpus/logs/windows_security.jsonl")
	if n := strings.Count(strings.Join(all, "\n"), "53ba33fd-3a50-4468-a5ef-c583635cfa92"); n != 5 {
		t.Errorf("failed-login matches with --show-suppressed: %d\n%s", n, strings.Join(all, "\n"))
	}
	// Determinism.
	again, _, _ := scanLines(t, "--rules", "../../corpus/rules",
		"../../corpus/logs/windows_sysmon.jsonl", "../../corpus/logs/windows_security.jsonl", "../../corpus/logs/linux.jsonl")
	if strings.Join(again, "\n") != strings.Join(got, "\n") {
		t.Error("scan output is not deterministic")
	}
}

func TestScanTextAndOptions(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "scan", "--format", "text", "--rules", "../../corpus/rules/windows", "../../corpus/logs/windows_sysmon.jsonl"}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "windows_sysmon.jsonl:1 [medium] Whoami Execution (0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01)\n") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	// --no-logsource: the whoami rule also sees the image-load event (index 8).
	got, _, _ := scanLines(t, "--no-logsource", "--rules", "../../corpus/rules/windows/proc_creation_win_whoami.yml", "../../corpus/logs/windows_sysmon.jsonl")
	if !strings.Contains(strings.Join(got, "\n"), "windows_sysmon.jsonl#8") {
		t.Errorf("--no-logsource: %v", got)
	}
	// --profile: a profile giving the %Administrators% placeholder values.
	dir := t.TempDir()
	prof := filepath.Join(dir, "p.yml")
	os.WriteFile(prof, []byte("extends: default\nplaceholders:\n  Administrators: [root, 'adm_*']\n"), 0o644)
	got, stderr, _ := scanLines(t, "--profile", prof, "--rules", "../../corpus/rules/linux", "../../corpus/logs/linux.jsonl")
	if strings.Contains(stderr, "placeholder") || len(got) != 3 {
		t.Errorf("--profile: %v\n%s", got, stderr)
	}
	// --log-format names the format: logfmt cannot read JSON lines.
	_, stderr, _ = scanLines(t, "--log-format", "jsonl", "--rules", "../../corpus/rules", "../../corpus/logs/linux.jsonl")
	if !strings.Contains(stderr, "4 events from 1 files") {
		t.Errorf("--log-format jsonl: %s", stderr)
	}
	if _, stderr, code := scanLines(t, "--log-format", "nope", "--rules", "../../corpus/rules", "../../corpus/logs/linux.jsonl"); code != 2 || !strings.Contains(stderr, "unknown log format") {
		t.Errorf("bad --log-format: %d %s", code, stderr)
	}
	if _, stderr, code := scanLines(t, "--format", "xml", "--rules", "../../corpus/rules", "../../corpus/logs/linux.jsonl"); code != 2 || !strings.Contains(stderr, "--format") {
		t.Errorf("bad --format: %d %s", code, stderr)
	}
}

func TestScanBadLogs(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.bin")
	os.WriteFile(garbage, []byte("\x00\x01\x02\x03 not a log \xff\xfe"), 0o644)
	got, stderr, code := scanLines(t, "--rules", "../../corpus/rules", filepath.Join(dir, "missing.jsonl"), garbage, "../../corpus/logs/bad.jsonl")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		filepath.Join(dir, "missing.jsonl") + ": error:",
		garbage + ": error:",
		"bad.jsonl:2: record 1: truncated record",
		"1 files failed"[:0] + "2 files failed",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	// The run went on: the good record after the bad one in bad.jsonl matched.
	if strings.Join(got, "\n") != "0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01 bad.jsonl#2" {
		t.Errorf("matches: %v", got)
	}
}
