package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// publicRDPRule is a Zeek RDP rule that fires on any event without a private
// id.orig_h: on every event when it is not told the logsource.
const publicRDPRule = `title: Public RDP
id: 00000000-0000-4000-8000-0000000000d1
logsource: {product: zeek, service: rdp}
detection:
    selection:
        id.orig_h|cidr: '10.0.0.0/8'
    condition: not selection
level: high
`

// TestScanDeclaredLogsource: --logsource declares what the log files are, so a
// rule fires only on events whose declared source agrees with its logsource.
func TestScanDeclaredLogsource(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "zeek.yml")
	if err := os.WriteFile(rule, []byte(publicRDPRule), 0o644); err != nil {
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

// TestConfigLogsources: the logsources: section of .rulec.yml, its errors at
// file:line:column, and the log paths its globs match (slash-separated,
// relative to the configuration's folder, on every system).
func TestConfigLogsources(t *testing.T) {
	dir := t.TempDir()
	zeekRDP := "product=zeek,service=rdp"
	for _, tc := range []struct {
		name, yaml string
		err        string            // the error's start, "" when none
		want       map[string]string // log path (slash, under dir) -> declared source
	}{
		{name: "none", yaml: "lint:\n  fail-on: error\n", want: map[string]string{"zeek/rdp.log": ""}},
		{name: "empty file", yaml: "", want: map[string]string{"a.log": ""}},
		{name: "null", yaml: "logsources:\n", want: map[string]string{"a.log": ""}},
		{name: "first match wins", yaml: `logsources:
  - {path: zeek/**/rdp*.log, product: Zeek, service: rdp}
  - {path: "zeek/**", product: zeek}
  - path: ./iis/*.log
    category: webserver
`, want: map[string]string{
			"zeek/rdp.log":            zeekRDP,
			"zeek/2026/12/rdp.1.log":  zeekRDP,
			"zeek/conn.log":           "product=zeek",
			"iis/u_ex261208.log":      "category=webserver",
			"iis/sub/u_ex261208.log":  "",
			"other/rdp.log":           "",
			"../outside/zeek/rdp.log": "",
		}},
		{name: "not a list", yaml: "logsources: zeek\n", err: "C:1:13: logsources: must be a list"},
		{name: "entry not a mapping", yaml: "logsources:\n  - zeek\n", err: "C:2:5: logsources: an entry must be a mapping"},
		{name: "no path", yaml: "logsources:\n  - product: zeek\n", err: "C:2:5: logsources: an entry needs a path"},
		{name: "no attribute", yaml: "logsources:\n  - path: a.log\n", err: "C:2:5: logsources: an entry needs at least one of"},
		{name: "unknown key", yaml: "logsources:\n  - {path: a.log, prodcut: zeek}\n", err: `C:2:19: logsources: unknown key "prodcut"`},
		{name: "bad glob", yaml: "logsources:\n  - {path: 'a[.log', product: zeek}\n", err: `C:2:12: logsources: path: bad pattern`},
		{name: "backslash", yaml: "logsources:\n  - {path: 'zeek\\*.log', product: zeek}\n", err: `C:2:12: logsources: path "zeek\\*.log": separate folders with /`},
		{name: "empty value", yaml: "logsources:\n  - {path: a.log, product: ''}\n", err: `C:2:28: logsources: product must be a non-empty string`},
		{name: "list value", yaml: "logsources:\n  - {path: [a.log], product: zeek}\n", err: `C:2:12: logsources: path must be a non-empty string`},
		{name: "climbs out", yaml: "logsources:\n  - {path: ../logs/*.log, product: zeek}\n", err: `C:2:12: logsources: path "../logs/*.log" climbs out of`},
		{name: "invalid YAML", yaml: "logsources: [\n", err: "C: invalid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls, err := parseConfigLogsources("C", dir, []byte(tc.yaml))
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q...", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for p, want := range tc.want {
				if got := ls.sourceOf(filepath.Join(dir, filepath.FromSlash(p))).String(); got != want {
					t.Errorf("%s: source %q, want %q", p, got, want)
				}
			}
		})
	}
}

// TestScanConfigLogsources: logsources: in the .rulec.yml found for the rules
// declares the logs' source; --logsource replaces it; --no-config ignores it;
// a bad section is a usage error at its file:line:column.
func TestScanConfigLogsources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("rules/zeek.yml", publicRDPRule)
	line := `{"id.orig_h":"203.0.113.9","id.resp_p":3389}` + "\n"
	rdp := write("logs/zeek/rdp.jsonl", line)
	win := write("logs/win/app.jsonl", line)
	good := func() {
		write(".rulec.yml", "logsources:\n  - {path: 'logs/zeek/*.jsonl', product: zeek, service: rdp}\n  - {path: 'logs/win/*', product: windows}\n")
		os.Remove(filepath.Join(dir, "rules", ".rulec.yml"))
	}
	good()
	alt := write("alt.yml", "logsources: [{path: '**', product: windows}]\n")
	follow := []string{"--follow", "--from-start", "--follow-idle", "300ms", "--follow-poll", "20ms"}
	for _, tc := range []struct {
		name    string
		config  string // when set, the configuration found first (in the rules' folder)
		args    []string
		logs    []string // default: the Zeek log, then the Windows one
		out     string
		matches string
		code    int
	}{
		// Undeclared, the rule fires on both files (unknown origin); declared, only on the Zeek one.
		{name: "declared by the config", matches: "1 matches", out: "rdp.jsonl"},
		{name: "flag wins", args: []string{"--logsource", "product=zeek"}, matches: "2 matches"},
		{name: "no-config", args: []string{"--no-config"}, matches: "2 matches"},
		{name: "config FILE", args: []string{"--config", alt}, matches: "0 matches"},
		{name: "logs outside the configuration's folder", config: "logsources:\n  - {path: '**', product: windows}\n", matches: "2 matches"},
		// scan --follow reads the same declaration.
		{name: "follow declared windows", args: follow, logs: []string{win}, matches: "0 alerts"},
		{name: "follow declared zeek", args: follow, logs: []string{rdp}, matches: "1 alerts", out: `"rule_id":"00000000-0000-4000-8000-0000000000d1"`},
		{name: "config error", config: "logsources:\n  - {path: x, colour: red}\n", matches: ".rulec.yml:2:15: logsources: unknown key \"colour\"", code: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer good()
			if tc.config != "" {
				write("rules/.rulec.yml", tc.config)
			}
			logs := tc.logs
			if logs == nil {
				logs = []string{rdp, win}
			}
			format := "text"
			if tc.logs != nil {
				format = "json" // --follow writes JSON lines
			}
			args := append([]string{"scan", "--format", format, "--rules", filepath.Join(dir, "rules")}, tc.args...)
			code, stdout, stderr := cliRun(t, "", append(args, logs...)...)
			if code != tc.code || !strings.Contains(stderr, tc.matches) || !strings.Contains(stdout, tc.out) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}
