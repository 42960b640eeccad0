package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/lint"
	"github.com/rulec/rulec/profile"
)

// TestList: rulec list prints what the binary knows, as text and JSON; a wrong list is a usage error.
func TestList(t *testing.T) {
	for _, tc := range []struct{ kind, text, json string }{
		{"targets", `(?m)^wazuh +build, test --target wazuh`, `"name": "wazuh"`},
		{"checks", `(?m)^missing-title +`, `"id": "missing-title"`},
		{"logsources", `(?m)^windows +process_creation +- +\d+ alternatives +\S`, `"category": "process_creation"`},
		{"fields", `(?m)^engine +windows/process_creation/\* +Image +NewProcessName`, `"field": "CommandLine"`},
	} {
		code, out, errOut := cliRun(t, "", "list", tc.kind)
		if code != 0 || !regexp.MustCompile(tc.text).MatchString(out) {
			t.Errorf("list %s: exit %d, lacks %q:\n%.2000s%s", tc.kind, code, tc.text, out, errOut)
		}
		code, out, _ = cliRun(t, "", "list", tc.kind, "--format", "json")
		var v []map[string]any
		if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || len(v) == 0 || !strings.Contains(out, tc.json) {
			t.Errorf("list %s --format json: exit %d, %v, lacks %q", tc.kind, code, err, tc.json)
		}
	}
	_, out, _ := cliRun(t, "", "list", "checks", "-f", "json")
	var checks []any
	json.Unmarshal([]byte(out), &checks)
	if len(checks) != len(lint.Checks()) {
		t.Errorf("list checks: %d, lint has %d", len(checks), len(lint.Checks()))
	}
	// The logsources of a profile file are listed too.
	prof := filepath.Join(t.TempDir(), "p.yml")
	os.WriteFile(prof, []byte("engine:\n  logsources:\n    - {product: acme, service: edr, match: [{where: {src: edr}}]}\n"), 0o644)
	if _, out, _ := cliRun(t, "", "list", "logsources", "--profile", prof); !strings.Contains(out, "acme") {
		t.Errorf("list logsources --profile: no acme:\n%.500s", out)
	}
	for _, args := range [][]string{{"list"}, {"list", "logsourcs"}, {"list", "checks", "fields"}, {"list", "checks", "--format", "xml"}} {
		if code, _, errOut := cliRun(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
	if _, _, errOut := cliRun(t, "", "list", "logsourcs"); !strings.Contains(errOut, "did you mean logsources?") {
		t.Errorf("no suggestion: %s", errOut)
	}
}

// TestProfileShow: the effective profile prints in the profile format, valid against the
// schema and complete (extends: none): read back, it gives the same profile.
func TestProfileShow(t *testing.T) {
	code, out, errOut := cliRun(t, "", "profile", "show")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	f, err := profile.Parse([]byte(out), "shown.yml")
	if err != nil {
		t.Fatalf("shown profile does not parse: %v", err)
	}
	if f.Extends != "none" || f.Engine == nil || f.Wazuh == nil {
		t.Errorf("shown: extends %q, engine %v, wazuh %v", f.Extends, f.Engine != nil, f.Wazuh != nil)
	}
	ep, err := engine.ProfileFromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	wp, err := wazuh.ProfileFromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	de, _ := engine.DefaultProfile()
	dw, _ := wazuh.DefaultProfile()
	if len(ep.Logsources) != len(de.Logsources) || len(wp.Logsources) != len(dw.Logsources) || len(wp.Fieldsets) != len(dw.Fieldsets) || len(wp.Unavailable) != len(dw.Unavailable) {
		t.Errorf("read back: %d/%d engine entries, %d/%d wazuh entries", len(ep.Logsources), len(de.Logsources), len(wp.Logsources), len(dw.Logsources))
	}
	// Shown again from the shown file: the same bytes.
	p := filepath.Join(t.TempDir(), "shown.yml")
	os.WriteFile(p, []byte(out), 0o644)
	if _, again, _ := cliRun(t, "", "profile", "show", "--profile", p); again != out {
		t.Error("profile show --profile (its own output) differs")
	}
	// One target; JSON.
	_, out, _ = cliRun(t, "", "profile", "show", "wazuh")
	if strings.Contains(out, "engine:") || !strings.Contains(out, "fieldsets:") {
		t.Errorf("show wazuh:\n%.300s", out)
	}
	code, out, _ = cliRun(t, "", "profile", "show", "engine", "--format", "json")
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); code != 0 || err != nil || v["engine"] == nil || v["wazuh"] != nil {
		t.Errorf("show engine --format json: exit %d, %v", code, err)
	}
	for _, args := range [][]string{{"profile"}, {"profile", "show", "splunk"}, {"profile", "show", "engine", "wazuh"}} {
		if code, _, errOut := cliRun(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errOut)
		}
	}
}

// TestProfileErrorsInUserTerms: a profile in a format of before (a Wazuh profile with its keys
// at the top) or with a typo is refused (exit 2) by every command that takes --profile, at the
// profile's file:line:column, without Go type names.
func TestProfileErrorsInUserTerms(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.yml")
	os.WriteFile(old, []byte("levels:\n  high: 12\nfieldset: {}\n"), 0o644)
	typo := filepath.Join(dir, "typo.yml")
	os.WriteFile(typo, []byte("wazuh:\n  logsources:\n    - name: x\n      if_sid: [1]\n      fieldsett: windows\n"), 0o644)
	rules := corpusPath(t, "rules", "windows")
	for _, cmd := range [][]string{
		{"build", "--stock-rules", "none", "-o", filepath.Join(dir, "out.xml")},
		{"scan", "--rules", rules},
		{"test"},
		{"gen-go", "-o", filepath.Join(dir, "gen")},
		{"list", "fields"},
		{"profile", "show"},
	} {
		for _, tc := range []struct{ file, want string }{
			{old, old + ":1:1: levels belongs under wazuh:"},
			{typo, typo + `:5:7: unknown key "fieldsett" in wazuh.logsources[0]; did you mean "fieldset"?`},
		} {
			args := append(append([]string{}, cmd...), "--profile", tc.file)
			switch cmd[0] {
			case "build", "test", "gen-go":
				args = append(args, rules)
			case "scan":
				args = append(args, corpusPath(t, "logs", "windows_sysmon.jsonl"))
			}
			code, _, errOut := cliRun(t, "", args...)
			if code != 2 || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, "wazuh.Profile") || strings.Contains(errOut, "not found in type") {
				t.Errorf("%v: exit %d, want 2 and %q:\n%s", args, code, tc.want, errOut)
			}
		}
	}
}

// TestBuildPlaceholders: placeholder values of the profile reach the Wazuh rules: the rule that
// build skipped as "unresolved placeholder" is emitted with the values; test --target wazuh and
// the engine take the same values.
func TestBuildPlaceholders(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "admin_logon.yml")
	os.WriteFile(rule, []byte(`title: Admin Logon
id: 0b7e9a52-8a4c-4b8e-9d6b-4c1f7d1b1e99
logsource: {product: windows, service: security}
detection:
    selection:
        EventID: 4624
        TargetUserName|expand: '%Administrators%'
    condition: selection
level: high
`), 0o644)
	prof := filepath.Join(dir, "site.yml")
	os.WriteFile(prof, []byte("placeholders:\n  Administrators: [alice, 'adm_*']\n"), 0o644)
	out := filepath.Join(dir, "rules.xml")

	code, _, errOut := cliRun(t, "", "build", "--stock-rules", "none", "-o", out, rule)
	if code != 0 || !strings.Contains(errOut, "0 emitted") || !strings.Contains(errOut, "unresolved placeholder") {
		t.Fatalf("without values: exit %d\n%s", code, errOut)
	}
	code, _, errOut = cliRun(t, "", "build", "--stock-rules", "none", "-o", out, "--profile", prof, rule)
	xml, _ := os.ReadFile(out)
	if code != 0 || !strings.Contains(errOut, "1 emitted") || !strings.Contains(string(xml), "alice") || !strings.Contains(string(xml), "adm_") {
		t.Errorf("with values: exit %d\n%s\n%s", code, errOut, xml)
	}
	// The same values decide the engine's matches (scan): alice and adm_x match, bob does not.
	logf := filepath.Join(dir, "ev.jsonl")
	os.WriteFile(logf, []byte(`{"Channel":"Security","EventID":4624,"TargetUserName":"alice"}
{"Channel":"Security","EventID":4624,"TargetUserName":"adm_x"}
{"Channel":"Security","EventID":4624,"TargetUserName":"bob"}
`), 0o644)
	code, sout, errOut := cliRun(t, "", "scan", "--profile", prof, "--rules", rule, logf)
	if code != 0 || strings.Count(sout, "Admin Logon") != 2 {
		t.Errorf("scan: exit %d, want 2 matches:\n%s%s", code, sout, errOut)
	}
}
