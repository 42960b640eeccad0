package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

func loadWithLogsource(t *testing.T, logsource, detection string) *ast.Rule {
	t.Helper()
	src := "title: t\nlogsource:\n" + logsource + "detection:\n" + detection
	res := frontend.LoadBytes("t.yml", []byte(src))
	if res.Diagnostics.HasErrors() || len(res.Rules) != 1 {
		t.Fatalf("rule does not load: %v", res.Diagnostics)
	}
	return res.Rules[0]
}

func win(fields map[string]any) Event { return NewMapEvent(fields) }

func TestLogsourceRestriction(t *testing.T) {
	procCreation := "    product: windows\n    category: process_creation\n"
	det := sel("        Image|endswith: '\\whoami.exe'\n        User|contains: 'admin'\n")
	sysmon1 := win(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
		"Image": `C:\Windows\System32\whoami.exe`, "User": `CORP\admin`})
	sysmon7 := win(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 7,
		"Image": `C:\Windows\System32\whoami.exe`, "User": `CORP\admin`})
	sec4688 := win(map[string]any{"Channel": "Security", "EventID": 4688,
		"NewProcessName": `C:\Windows\System32\whoami.exe`, "SubjectUserName": "admin"})
	sec4688Target := win(map[string]any{"Channel": "Security", "EventID": "4688",
		"NewProcessName": `C:\Windows\System32\whoami.exe`, "TargetUserName": "administrator", "SubjectUserName": "x"})
	other := win(map[string]any{"Image": `C:\Windows\System32\whoami.exe`, "User": "admin"})

	tests := []struct {
		name      string
		logsource string
		ev        Event
		want      bool
	}{
		{"sysmon 1", procCreation, sysmon1, true},
		{"sysmon 7 is not process creation", procCreation, sysmon7, false},
		{"security 4688 with renames", procCreation, sec4688, true},
		{"4688 rename list: first present wins", procCreation, sec4688Target, true},
		{"no channel", procCreation, other, false},
		{"image_load", "    product: windows\n    category: image_load\n", sysmon7, true},
		{"unknown logsource: no restriction", "    product: nosuchproduct\n    category: foo\n", other, true},
		{"windows only: channel required", "    product: windows\n    category: nosuchcategory\n", other, false},
		{"windows only: channel present", "    product: windows\n    category: nosuchcategory\n", sysmon7, true},
		{"service sysmon", "    product: windows\n    service: sysmon\n", sysmon7, true},
		{"service security", "    product: windows\n    service: security\n", sysmon7, false},
		{"linux sshd by program", "    product: linux\n    service: sshd\n", win(map[string]any{"program": "sshd", "Image": `C:\Windows\System32\whoami.exe`, "User": "admin"}), true},
		{"linux sshd other program", "    product: linux\n    service: sshd\n", win(map[string]any{"program": "cron", "Image": `C:\Windows\System32\whoami.exe`, "User": "admin"}), false},
		{"auditd shape", "    product: linux\n    service: auditd\n", win(map[string]any{"type": []any{"SYSCALL", "EXECVE"}, "Image": `C:\Windows\System32\whoami.exe`, "User": "admin"}), true},
		{"auditd not windows", "    product: linux\n    service: auditd\n", win(map[string]any{"type": "x", "Channel": "Security", "Image": `C:\Windows\System32\whoami.exe`, "User": "admin"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadWithLogsource(t, tt.logsource, det)
			rs, diags := NewRuleset([]*ast.Rule{r}, Options{})
			if len(withoutLogsourceWarnings(diags)) > 0 || len(diags) != rs.Unmapped() {
				t.Fatal(diags)
			}
			e := rs.NewEvaluator()
			got := len(e.Match(tt.ev)) == 1
			if got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			one, err := e.MatchRule(0, tt.ev)
			if err != nil || one != got {
				t.Errorf("MatchRule = %v, %v; Match = %v", one, err, got)
			}
		})
	}
	// IgnoreLogsource lets the rule see the Sysmon 7 event.
	r := loadWithLogsource(t, procCreation, det)
	rs, _ := NewRuleset([]*ast.Rule{r}, Options{IgnoreLogsource: true})
	if len(rs.NewEvaluator().Match(sysmon7)) != 1 {
		t.Error("IgnoreLogsource: rule did not see the event")
	}
}

func TestProfileFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yml")
	src := `name: custom
extends: default
placeholders:
  admins: ['alice', 'bob*']
engine:
  logsources:
    - product: windows
      category: process_creation
      match:
        - where: {source: edr, type|startswith: proc}
          fields: {Image: exe}
    - product: acme
      service: web
      match:
        - where: {app: [acme-web, acme-api]}
`
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	def, err := DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Logsources) != len(def.Logsources)+1 {
		t.Errorf("extends: got %d entries", len(p.Logsources))
	}
	r := loadWithLogsource(t, "    product: windows\n    category: process_creation\n", sel("        Image|endswith: '\\x.exe'\n"))
	web := loadWithLogsource(t, "    product: acme\n    service: web\n", sel("        user|expand: '%admins%'\n"))
	rs, diags := NewRuleset([]*ast.Rule{r, web}, Options{Profile: p})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	e := rs.NewEvaluator()
	if m := e.Match(win(map[string]any{"source": "EDR", "type": "process_start", "exe": `c:\x.exe`})); len(m) != 1 || m[0] != 0 {
		t.Errorf("custom alternative: %v", m)
	}
	if m := e.Match(win(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": `c:\x.exe`})); len(m) != 0 {
		t.Errorf("replaced entry still matches Sysmon: %v", m)
	}
	for user, want := range map[string]bool{"alice": true, "bobby": true, "carol": false} {
		m := e.Match(win(map[string]any{"app": "acme-api", "user": user}))
		if (len(m) == 1) != want {
			t.Errorf("placeholder %s: %v", user, m)
		}
	}
	if m := e.Match(win(map[string]any{"app": "other", "user": "alice"})); len(m) != 0 {
		t.Errorf("logsource not restricted: %v", m)
	}
}

func TestProfileErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"engine:\n  logsources:\n    - product: x\n", "p.yml:3:7: engine.logsources[0] needs match"},
		{"engine:\n  logsources:\n    - match:\n        - where: {a: b}\n", "p.yml:3:7: logsource entry needs product"},
		{"engine:\n  logsources:\n    - product: x\n      match:\n        - where: {a|re: b}\n", `p.yml:5:19: unsupported modifier "re"`},
		{"engine:\n  logsources:\n    - product: x\n      match:\n        - where: [a]\n", "p.yml:5:18: engine.logsources[0].match[0].where must be a map, found a list"},
		{"extends: other\n", `p.yml:1:10: extends must be one of "default", "none", found other`},
		{"bogus: 1\n", `p.yml:1:1: unknown key "bogus" in the profile (known: description, engine, extends, name, placeholders, wazuh)`},
		{"engine:\n  logsource: []\n", `p.yml:2:3: unknown key "logsource" in engine; did you mean "logsources"?`},
		{"logsources:\n  - product: x\n    match: []\n", "p.yml:1:1: logsources belongs under engine:"},
	}
	for _, tt := range tests {
		_, err := ParseProfile([]byte(tt.src), "p.yml")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}
