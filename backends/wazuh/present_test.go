package wazuh_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestPresentFieldNegation: a filter on a field every event of the variant
// carries (Sysmon's Image) is written negate="yes" in the rule itself, so an
// event the filter excludes falls through to the next generated sibling instead
// of ending on a level-0 exception that hides every other rule (Wazuh does not
// backtrack). A filter on a field that may be absent becomes one negated
// search of the event's JSON log for the field's key with a matching value
// (true when the field is absent): no level-0 child either. A <match> on text
// the positive tests need keeps Wazuh from running that search on every event
// (it tests <match> first).
func TestPresentFieldNegation(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	src := `title: Renamed Tool
id: 00000000-0000-4000-8000-0000000000a1
logsource: {product: windows, category: process_creation}
detection:
    selection:
        OriginalFileName: 'wmic.exe'
    filter:
        Image|endswith: '\wmic.exe'
    condition: selection and not filter
level: critical
---
title: Wmic Process Call
id: 00000000-0000-4000-8000-0000000000a2
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: 'process call'
    filter:
        User|contains: 'SYSTEM'
    condition: selection and not filter
level: medium
`
	loaded := frontend.LoadBytes("r.yml", []byte(src))
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	xml := string(res.XML)
	if !strings.Contains(xml, `<field name="win.eventdata.image" type="pcre2" negate="yes">`) {
		t.Errorf("the Image filter is not a negated field test:\n%s", xml)
	}
	if strings.Contains(xml, `level="0"`) {
		t.Errorf("a filter became a level-0 exception:\n%s", xml)
	}
	if !strings.Contains(xml, `<regex type="pcre2" negate="yes">"eventdata":\{(?:"(?:[^"\\]|\\.)*"[:,])*?"(?i:user)":"(?:(?i:(?:[^"\\]|\\.)*SYSTEM))</regex>`) ||
		strings.Count(xml, "<rule ") != 2 || !strings.Contains(xml, `<match type="pcre2">(?i)process call</match>`) {
		t.Errorf("the User filter (User may be absent) is not one negated search of the event's JSON log:\n%s", xml)
	}
	for _, em := range res.Report.Emissions {
		if len(em.Exceptions) > 0 {
			t.Errorf("%s: exceptions %v", em.Rule.Title, em.Exceptions)
		}
	}
	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	event := func(image, ofn, user string) engine.Event {
		return engine.NewFlatEvent(map[string]engine.Value{
			"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
			"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
			"Keywords": s("0x8000000000000000"), "Computer": s("pc1"), "User": s(user),
			"Image": s(image), "OriginalFileName": s(ofn), "CommandLine": s("wmic process call create calc"),
		})
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out, _, err := wazuhsim.Check(res.XML, stock, []wazuhsim.Input{
		// The real wmic: the first rule's filter excludes it, the second rule must still alert.
		{Event: event(`C:\Windows\System32\wbem\WMIC.exe`, "wmic.exe", `CORP\bob`), Time: t0},
		// A renamed wmic: the first rule alerts.
		{Event: event(`C:\Temp\x.exe`, "wmic.exe", `CORP\bob`), Time: t0.Add(time.Second)},
		// No User (Wazuh drops an empty value): the second rule's filter cannot hold.
		{Event: event(`C:\Windows\System32\wbem\WMIC.exe`, "wmic.exe", ""), Time: t0.Add(2 * time.Second)},
		// The filter holds: neither rule.
		{Event: event(`C:\Windows\System32\wbem\WMIC.exe`, "wmic.exe", `NT AUTHORITY\SYSTEM`), Time: t0.Add(3 * time.Second)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Wmic Process Call", "Renamed Tool", "Wmic Process Call", ""}
	for i, o := range out {
		r, ok := res.SigmaRule(o.RuleID)
		if want[i] == "" {
			if ok {
				t.Errorf("event %d ends on rule %d (%s), want no generated rule", i, o.RuleID, o.Description)
			}
			continue
		}
		if !ok || r.Title != want[i] || !o.Alert {
			t.Errorf("event %d ends on rule %d (%s), want %q", i, o.RuleID, o.Description, want[i])
		}
	}
}
