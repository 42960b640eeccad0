package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

const formatsDir = "../../engine/logs/testdata/formats"

// scanMatchRefs runs scan with JSON output and returns rule_id@source:line per match.
func scanMatchRefs(t *testing.T, stdin string, args ...string) (int, []string, string) {
	t.Helper()
	code, stdout, stderr := cliRun(t, stdin, append([]string{"scan"}, args...)...)
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if l == "" {
			continue
		}
		var m scanMatch
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		got = append(got, m.RuleID+"@"+filepath.Base(m.Source)+":"+itoa(m.Line))
	}
	return code, got, stderr
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestScanFolderOfFormats scans the formats fixture folder (IIS plain and
// gzip'd, Zeek TSV and JSON) with our webserver corpus rule: it fires on the
// IIS request, in both files, in folder order; the Zeek events are read.
func TestScanFolderOfFormats(t *testing.T) {
	code, got, stderr := scanMatchRefs(t, "", "--rules", "../../corpus/web", formatsDir)
	want := "6c0a1e2b-3f4d-4e5a-9b8c-7d6e5f4a3b21@u_ex231001.log:7 6c0a1e2b-3f4d-4e5a-9b8c-7d6e5f4a3b21@u_ex231001.log.gz:7"
	if code != 0 || strings.Join(got, " ") != want || !strings.Contains(stderr, "14 events from 5 files") {
		t.Errorf("exit %d, matches %v\nstderr:\n%s", code, got, stderr)
	}
	// A Zeek rule sees the Zeek events of its service only.
	dir := t.TempDir()
	rule := filepath.Join(dir, "zeek_rdp.yml")
	os.WriteFile(rule, []byte("title: Zeek RDP\nid: 00000000-0000-4000-8000-0000000000e1\nlogsource: {product: zeek, service: conn}\n"+
		"detection:\n    selection:\n        id.resp_p: 3389\n    condition: selection\nlevel: low\n"), 0o644)
	code, got, stderr = scanMatchRefs(t, "", "--rules", rule, formatsDir)
	if code != 0 || strings.Join(got, " ") != "00000000-0000-4000-8000-0000000000e1@conn.log:9" {
		t.Errorf("exit %d, matches %v\nstderr:\n%s", code, got, stderr)
	}
	// gzip'd input on standard input.
	gzData, err := os.ReadFile(filepath.Join(formatsDir, "u_ex231001.log.gz"))
	if err != nil {
		t.Fatal(err)
	}
	code, got, _ = scanMatchRefs(t, string(gzData), "--rules", "../../corpus/web", "-")
	if code != 0 || strings.Join(got, " ") != "6c0a1e2b-3f4d-4e5a-9b8c-7d6e5f4a3b21@<stdin>:7" {
		t.Errorf("stdin gzip: exit %d, matches %v", code, got)
	}
}

// TestScanSigmaHQWebserverOnIIS: SigmaHQ's IIS shortname scan rule fires on
// the IIS fixture's request (rule read from ../shared).
func TestScanSigmaHQWebserverOnIIS(t *testing.T) {
	rule := shared.Path(t, "sigmahq", "rules", "web", "webserver_generic", "web_iis_tilt_shortname_scan.yml")
	code, got, stderr := scanMatchRefs(t, "", "--rules", rule, filepath.Join(formatsDir, "u_ex231001.log"))
	if code != 0 || strings.Join(got, " ") != "7cb02516-6d95-4ffc-8eee-162075e111ac@u_ex231001.log:6" {
		t.Errorf("exit %d, matches %v\nstderr:\n%s", code, got, stderr)
	}
}
