package wazuh_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestCombineOverlaps: an event that several generated rules match raises one
// alert that names every one of them, where the build proves the overlap.
// "Remote Wmic" implies "Wmic Process Call" (same level, later in the file):
// without a combined child its events would all alert as the first rule. The
// critical "Wmic Copy" implies "Wmic Copy Medium" (tried after it): its rule
// carries the other's groups. "Renamed Shell" overlaps with nothing provably
// and gets neither.
func TestCombineOverlaps(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	src := `title: Wmic Process Call
id: 00000000-0000-4000-8000-0000000000b1
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: 'process call create'
    condition: selection
level: medium
---
title: Remote Wmic
id: 00000000-0000-4000-8000-0000000000b2
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wbem\WMIC.exe'
        CommandLine|contains|all: ['/node:', 'Process Call Create']
    condition: selection
level: medium
---
title: Wmic Copy
id: 00000000-0000-4000-8000-0000000000b3
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: ' copy /y '
    condition: selection
level: critical
---
title: Wmic Copy Medium
id: 00000000-0000-4000-8000-0000000000b4
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: 'copy'
    condition: selection
level: medium
---
title: Renamed Shell
id: 00000000-0000-4000-8000-0000000000b5
logsource: {product: windows, category: process_creation}
detection:
    selection:
        OriginalFileName: 'cmd.exe'
    filter:
        Image|endswith: '\cmd.exe'
    condition: selection and not filter
level: high
`
	loaded := frontend.LoadBytes("r.yml", []byte(src))
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.CombinedChildren == 0 || res.Report.CombinedGroups == 0 {
		t.Errorf("combined children %d, rules with added groups %d; want both\n%s", res.Report.CombinedChildren, res.Report.CombinedGroups, res.XML)
	}
	again, err := wazuh.Build(frontend.LoadBytes("r.yml", []byte(src)).Rules, wazuh.Options{})
	if err != nil || string(again.XML) != string(res.XML) {
		t.Errorf("a second build differs (%v)", err)
	}
	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	event := func(image, ofn, cmd string) engine.Event {
		return engine.NewFlatEvent(map[string]engine.Value{
			"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
			"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
			"Keywords": s("0x8000000000000000"), "Computer": s("pc1"), "User": s(`CORP\bob`),
			"Image": s(image), "OriginalFileName": s(ofn), "CommandLine": s(cmd),
		})
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	wmic := `C:\Windows\System32\wbem\WMIC.exe`
	cases := []struct {
		ev   engine.Event
		want []string // Sigma rules the alert must name, in any order
	}{
		{event(wmic, "wmic.exe", "wmic process call create calc"), []string{"Wmic Process Call"}},
		{event(wmic, "wmic.exe", "wmic /node:pc2 process call create calc"), []string{"Wmic Process Call", "Remote Wmic"}},
		{event(wmic, "wmic.exe", "wmic datafile copy /y a b"), []string{"Wmic Copy", "Wmic Copy Medium"}},
		{event(wmic, "wmic.exe", "wmic datafile copy a b"), []string{"Wmic Copy Medium"}},
		{event(`C:\Temp\x.exe`, "cmd.exe", "x /c whoami"), []string{"Renamed Shell"}},
	}
	var in []wazuhsim.Input
	for i, c := range cases {
		in = append(in, wazuhsim.Input{Event: c.ev, Time: t0.Add(time.Duration(i) * time.Second)})
	}
	out, _, err := wazuhsim.Check(res.XML, stock, in)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[int][]string{}
	for _, x := range res.Rules {
		groups[x.ID] = x.Groups
	}
	for i, c := range cases {
		o := out[i]
		var got []string
		for _, r := range res.SigmaRules(o.RuleID) {
			got = append(got, r.Title)
			if !slices.Contains(groups[o.RuleID], "sigma_id_"+r.ID) {
				t.Errorf("event %d: rule %d names %q but lacks its group sigma_id_%s", i, o.RuleID, r.Title, r.ID)
			}
		}
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !o.Alert || !slices.Equal(got, want) {
			t.Errorf("event %d ends on rule %d (%s) naming %q, want %q", i, o.RuleID, o.Description, got, want)
		}
	}
	var renamed *ast.Rule
	for _, r := range loaded.Rules {
		if strings.HasPrefix(r.Title, "Renamed") {
			renamed = r
		}
	}
	for _, em := range res.Report.Emissions {
		if em.Rule == renamed && (len(em.Also) > 0 || len(em.Combined) > 0) {
			t.Errorf("Renamed Shell takes part in a combination: %+v %+v", em.Also, em.Combined)
		}
	}
}

// TestCriticalBeforeStock: a critical Sigma rule maps to level 16, so Wazuh
// tries it before the stock level-15 sibling 92213 (an executable dropped in
// a user's Temp folder), which at 15 took its events (loaded first).
func TestCriticalBeforeStock(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	src := `title: Staged Service Binary
id: 00000000-0000-4000-8000-0000000000c1
logsource: {product: windows, category: file_event}
detection:
    selection:
        TargetFilename|contains|all: ['\Temp', '\RS-{']
        TargetFilename|endswith: '\TieringEngineService.exe'
    condition: selection
level: critical
`
	res, err := wazuh.Build(frontend.LoadBytes("r.yml", []byte(src)).Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.XML), `level="16"`) {
		t.Fatalf("critical is not level 16:\n%s", res.XML)
	}
	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	ev := engine.NewFlatEvent(map[string]engine.Value{
		"EventID": {Kind: engine.KindNumber, S: "11", N: 11}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
		"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
		"Keywords": s("0x8000000000000000"), "Computer": s("pc1"), "User": s(`CORP\bob`),
		"Image": s(`C:\Temp\x.exe`), "TargetFilename": s(`C:\Users\bob\AppData\Local\Temp\RS-{1}\TieringEngineService.exe`),
	})
	out, _, err := wazuhsim.Check(res.XML, stock, []wazuhsim.Input{{Event: ev, Time: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := res.SigmaRule(out[0].RuleID); !ok || r.Title != "Staged Service Binary" {
		t.Errorf("the event ends on rule %d (%s, level %d), want the generated critical rule", out[0].RuleID, out[0].Description, out[0].Level)
	}
}

// TestCombineLikelyOverlaps: pairs that no proof links but that describe one
// activity get a combined child too: the same anchor test shared by few rules
// ("Service Recon" and "Wmic Remote" on wmic.exe), or one rule's positive
// tests implied by the other's with only its filter unproved ("Unquoted
// Service Recon" within "Service Recon"). An event that matches only one of
// them still alerts as that one; without OverlapRules (the default) only
// proved overlaps are combined.
func TestCombineLikelyOverlaps(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	src := `title: Service Recon
id: 00000000-0000-4000-8000-0000000000d1
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: 'service'
    filter:
        CommandLine|contains: 'Create'
    condition: selection and not filter
level: medium
---
title: Unquoted Service Recon
id: 00000000-0000-4000-8000-0000000000d2
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\WMIC.exe'
        CommandLine|contains|all: [' service get ', 'pathname']
    condition: selection
level: medium
---
title: Wmic Remote
id: 00000000-0000-4000-8000-0000000000d3
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\wmic.exe'
        CommandLine|contains: '/node:'
    filter:
        CommandLine|contains: 'localhost'
    condition: selection and not filter
level: medium
`
	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	event := func(cmd string) engine.Event {
		return engine.NewFlatEvent(map[string]engine.Value{
			"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
			"Provider_Name": s("Microsoft-Windows-Sysmon"), "Level": {Kind: engine.KindNumber, S: "4", N: 4},
			"Keywords": s("0x8000000000000000"), "Computer": s("pc1"), "User": s(`CORP\bob`),
			"Image": s(`C:\Windows\System32\wbem\WMIC.exe`), "OriginalFileName": s("wmic.exe"), "CommandLine": s(cmd),
		})
	}
	cases := []struct {
		cmd        string
		want, only []string // Sigma rules the alert must name; with only proved overlaps
	}{
		{"wmic service get name,pathname", []string{"Service Recon", "Unquoted Service Recon"}, []string{"Service Recon"}},
		{"wmic service get name,pathname Create", []string{"Unquoted Service Recon"}, nil},
		{"wmic /node:pc2 service list", []string{"Service Recon", "Wmic Remote"}, []string{"Service Recon"}},
		{"wmic /node:localhost service list", []string{"Service Recon"}, nil},
		{"wmic /node:pc2 process call create", []string{"Wmic Remote"}, nil},
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var in []wazuhsim.Input
	for i, c := range cases {
		in = append(in, wazuhsim.Input{Event: event(c.cmd), Time: t0.Add(time.Duration(i) * time.Second)})
	}
	for _, overlap := range []int{30, 0} {
		res, err := wazuh.Build(frontend.LoadBytes("r.yml", []byte(src)).Rules, wazuh.Options{OverlapRules: overlap})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := wazuhsim.Check(res.XML, stock, in)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			want := c.want
			if overlap == 0 && c.only != nil {
				want = c.only
			}
			var got []string
			for _, r := range res.SigmaRules(out[i].RuleID) {
				got = append(got, r.Title)
			}
			slices.Sort(got)
			want = slices.Clone(want)
			slices.Sort(want)
			if !out[i].Alert || !slices.Equal(got, want) {
				t.Errorf("OverlapRules %d: %q ends on rule %d naming %q, want %q", overlap, c.cmd, out[i].RuleID, got, want)
			}
		}
	}
}
