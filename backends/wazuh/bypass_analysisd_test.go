package wazuh_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/analysisd"
)

// TestBypassAnalysisd runs issue 12's bypass under the real wazuh-analysisd
// (its PCRE2 and its match limit): a Sysmon process creation whose command line
// matches the rule's expression (the shape of SigmaHQ's ebdf49d8) and ends with
// thirty `&`, which the manager sees as thirty `&amp;`. The generated rule must
// alert; the same rule with the old translation of `.` (two alternatives that
// both match `&`) is shown to stay silent, as the issue reported.
func TestBypassAnalysisd(t *testing.T) {
	src := `
title: Echo clip bypass probe
id: 5d0f4a3e-1c2b-4e8f-9a7d-3b6c5e4f2a10
logsource: {product: windows, category: process_creation}
detection:
    sel:
        CommandLine|re: '(?i)echo.*clip.*&&.*(Clipboard|invoke)'
    condition: sel
level: high
`
	loaded := frontend.LoadBytes("bypass.yml", []byte(src))
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil || len(res.Report.Emissions) == 0 {
		t.Fatalf("build: %v, %+v", err, res.Report.Skips)
	}
	alerting := map[int]bool{} // the rule's alerts, in every logsource variant
	for _, em := range res.Report.Emissions {
		for _, id := range em.AlertIDs {
			alerting[id] = true
		}
	}
	var newPat string
	for _, r := range res.Rules {
		for _, f := range r.Fields {
			if strings.Contains(f.Pattern, "[Cc][Ll][Ii][Pp]") {
				newPat = f.Pattern
			}
		}
	}
	if newPat == "" || !bytes.Contains(res.XML, []byte(newPat)) {
		t.Fatalf("generated pattern not found in the rules file")
	}
	oldDot := `(?:\\(?:[\\"bfrt]|u[0-9a-fA-F]{4})|\x26(?:amp|lt|gt);|[^\\\x80-\xbf][\x80-\xbf]*)`
	oldPat := `[Ee][Cc][Hh][Oo]` + oldDot + `*[Cc][Ll][Ii][Pp]` + oldDot + `*\x26(?:amp;)?\x26(?:amp;)?` + oldDot +
		`*(?:[Cc][Ll][Ii][Pp][Bb][Oo][Aa][Rr][Dd]|[Ii][Nn][Vv][Oo][Kk][Ee])`
	oldXML := bytes.ReplaceAll(res.XML, []byte(newPat), []byte(oldPat))

	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	event := func(cmd string) analysisd.Event {
		ev := engine.NewFlatEvent(map[string]engine.Value{
			"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
			"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
			"Keywords": s("0x8000000000000000"), "Computer": s("pc1"),
			"Image": s(`C:\Windows\System32\cmd.exe`), "CommandLine": s(cmd), "ParentImage": s(`C:\Windows\explorer.exe`),
		})
		x, err := analysisd.WindowsEventXML(ev)
		if err != nil {
			t.Fatal(err)
		}
		return analysisd.Event{XML: x}
	}
	events := []analysisd.Event{
		event("cmd /c echo x | clip && Clipboard" + strings.Repeat("&", 30) + "x"), // bypass subject
		event("cmd /c echo x | clip && Clipboard"),                                 // plain match
		event("cmd /c echo x | clip && Clipboar" + strings.Repeat("&", 30) + "x"),  // near miss
	}
	want := []bool{true, true, false}

	e := analysisd.Find(t)
	if err := e.WriteRules(res.XML); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := e.Run(events)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if alerting[r.RuleID()] != want[i] {
			t.Errorf("event %d: wazuh-analysisd ends on rule %d, want the generated rule's alert = %v", i, r.RuleID(), want[i])
		}
	}

	if err := e.WriteRules(oldXML); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	got, err = e.Run(events[:2])
	if err != nil {
		t.Fatal(err)
	}
	if alerting[got[0].RuleID()] || !alerting[got[1].RuleID()] {
		t.Errorf("old translation: alerts %v/%v on the bypass subject and the plain match, want false/true (the bypass)", alerting[got[0].RuleID()], alerting[got[1].RuleID()])
	} else {
		t.Logf("old translation of `.`: the bypass subject raises no alert in wazuh-analysisd (PCRE2 match limit), the new one alerts")
	}
}
