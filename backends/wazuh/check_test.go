package wazuh_test

import (
	"testing"
	"time"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestCheck runs wazuhsim.Check (the API behind rulec test --target wazuh) on
// a Sysmon event given as engine/logs reads it, a JSON line, and an
// undecodable event.
func TestCheck(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	src := `
title: Certutil URL cache
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|contains: urlcache
    condition: selection
level: high
`
	loaded := frontend.LoadBytes("r.yml", []byte(src))
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sysmon := func(image, cmd string) engine.Event {
		s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
		return engine.NewFlatEvent(map[string]engine.Value{
			"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
			"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
			"Keywords": s("0x8000000000000000"), "Computer": s("pc1"),
			"Image": s(image), "CommandLine": s(cmd), "ParentImage": s(`C:\Windows\explorer.exe`),
		})
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out, warnings, err := wazuhsim.Check(res.XML, stock, []wazuhsim.Input{
		{Event: sysmon(`C:\Windows\System32\certutil.exe`, `certutil -urlcache -f http://x/a.exe a.exe`), Time: t0},
		{Event: sysmon(`C:\Windows\System32\notepad.exe`, `notepad a.txt`), Time: t0.Add(time.Second)},
		{Line: `{"integration":"other","x":1}`},
		{Event: engine.NewFlatEvent(map[string]engine.Value{"type": {Kind: engine.KindString, S: "SYSCALL"}})},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		if len(w) > 11 && w[5] == '1' {
			t.Errorf("warning on a generated rule: %s", w)
		}
	}
	if r, ok := res.SigmaRule(out[0].RuleID); !ok || r != loaded.Rules[0] || !out[0].Alert {
		t.Errorf("certutil event ends on %+v, want the generated rule", out[0])
	}
	if _, ok := res.SigmaRule(out[1].RuleID); ok {
		t.Errorf("notepad event ends on the generated rule %d", out[1].RuleID)
	}
	if out[1].RuleID == 0 {
		t.Errorf("notepad event matched nothing; the stock Sysmon rules should take it")
	}
	if out[2].Err != nil {
		t.Errorf("JSON line: %v", out[2].Err)
	}
	if out[3].Err == nil {
		t.Errorf("an audit event without its raw line should be refused")
	}
}
