package wazuh_test

import (
	"fmt"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
)

// TestLoweringDropsContradictions: terms that test one field for two
// different exact values, or a field and its absence, are dropped instead of
// becoming Wazuh rules that can never match.
func TestLoweringDropsContradictions(t *testing.T) {
	cases := []struct {
		name, detection string
		rules           int
	}{
		{"two event ids", `
    a: {EventID: 4781}
    b: {EventID: 4720}
    c: {CommandLine|contains: 'x'}
    condition: (a or c) and (b or c)`, 1},
		{"same id twice", `
    a: {EventID: 4720}
    b: {EventID: 4720, CommandLine|contains: 'y'}
    condition: a and b`, 1},
		{"case-insensitive values meet", `
    a: {Image: 'C:\x.exe'}
    b: {Image|cased: 'C:\X.EXE'}
    condition: a and b`, 1},
		{"field and its absence", `
    a: {CommandLine|contains: 'x'}
    f: {CommandLine|contains: 'y'}
    condition: a and not f`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "title: T\nid: 00000000-0000-4000-8000-0000000000c1\nlogsource: {product: windows, category: process_creation}\ndetection:" + c.detection + "\nlevel: high\n"
			loaded := frontend.LoadBytes("r.yml", []byte(src))
			if len(loaded.Diagnostics) > 0 {
				t.Fatal(loaded.Diagnostics)
			}
			res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, em := range res.Report.Emissions {
				if em.Variant == "sysmon-process-creation" {
					n = len(em.IDs)
				}
			}
			if n != c.rules {
				t.Errorf("%d Wazuh rules for the Sysmon variant, want %d:\n%s", n, c.rules, strings.TrimSpace(string(res.XML)))
			}
		})
	}
}

// TestNonCharactersInValues: U+FFFE and U+FFFF, which XML cannot hold, are
// written as their UTF-8 bytes in the pattern instead of becoming U+FFFD.
func TestNonCharactersInValues(t *testing.T) {
	src := "title: T\nid: 00000000-0000-4000-8000-0000000000c2\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel:\n        CommandLine|contains: \"a\\uFFFEb\\uFFFFc\"\n    condition: sel\nlevel: high\n"
	loaded := frontend.LoadBytes("r.yml", []byte(src))
	if len(loaded.Diagnostics) > 0 {
		t.Fatal(loaded.Diagnostics)
	}
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	xml := string(res.XML)
	if !strings.Contains(xml, `a\xef\xbf\xbeb\xef\xbf\xbfc`) || strings.ContainsRune(xml, '\uFFFD') {
		t.Errorf("non-characters not written as bytes:\n%s", xml)
	}
}

// TestLongValueListsSplit: a list of values whose pattern would exceed
// Wazuh's element size becomes several rules (a positive list) or several
// negated tests (a negated list) of the same Sigma rule, each pattern within
// the limit, and the rules fire exactly as the Sigma rule: on a value of the
// last slice, not on a value the filter lists.
func TestLongValueListsSplit(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: T\nid: 00000000-0000-4000-8000-0000000000c3\nlogsource: {product: windows, category: process_creation}\ndetection:\n    sel:\n        CommandLine|contains:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "            - 'package-%04d@1.0.%d'\n", i, i)
	}
	b.WriteString("    filter:\n        ParentImage|endswith:\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "            - '\\parent-%04d.exe'\n", i)
	}
	b.WriteString("    condition: sel and not filter\nlevel: high\n")
	loaded := frontend.LoadBytes("r.yml", []byte(b.String()))
	if len(loaded.Diagnostics) > 0 {
		t.Fatal(loaded.Diagnostics)
	}
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Skips) > 0 {
		t.Fatalf("skipped: %+v", res.Report.Skips[0])
	}
	alerting := map[int]bool{}
	n := 0
	for _, em := range res.Report.Emissions {
		for _, id := range em.AlertIDs {
			alerting[id] = true
		}
		if em.Variant == "sysmon-process-creation" {
			n = len(em.AlertIDs)
		}
	}
	if n < 2 {
		t.Errorf("%d alerting rules for the Sysmon variant, want the list split over several", n)
	}
	for _, r := range res.Rules {
		for _, f := range r.Fields {
			if len(f.Pattern) > 16000 {
				t.Errorf("rule %d: %s: %d-byte pattern", r.ID, f.Name, len(f.Pattern))
			}
		}
	}
	rs := loadWithStock(t, res.XML)
	for _, c := range []struct {
		cmd, parent string
		want        bool
	}{
		{"npm i package-0000@1.0.0", `C:\x\explorer.exe`, true},
		{"npm i package-2999@1.0.2999", `C:\x\explorer.exe`, true},
		{"npm i package-1500@1.0.1500", `C:\x\cmd.exe`, true},
		{"npm i package-2999@1.0.2999", `C:\x\parent-2999.exe`, false},
		{"npm i package-0001@1.0.1", `C:\x\parent-0000.exe`, false},
		{"npm i package-3000@1.0.3000", `C:\x\explorer.exe`, false},
	} {
		ev := wazuhsim.WindowsEvent{
			System: map[string]string{"providerName": "Microsoft-Windows-Sysmon", "eventID": "1", "channel": "Microsoft-Windows-Sysmon/Operational", "computer": "h1", "severityValue": "INFORMATION"},
			EventData: map[string]string{"image": `C:\x\node.exe`, "commandLine": c.cmd, "parentImage": c.parent,
				"originalFileName": "node.exe", "user": "u", "integrityLevel": "Medium", "currentDirectory": `C:\x\`}}.Decode()
		final := rs.Eval(ev)
		got := final != nil && alerting[final.ID]
		if got != c.want {
			id := 0
			if final != nil {
				id = final.ID
			}
			t.Errorf("%q under %q: alert %v (ends on %d), want %v", c.cmd, c.parent, got, id, c.want)
		}
	}
}

// TestFieldRefEquality: `fieldref` between two eventchannel fields is one
// search of the event's JSON log with a backreference; its negation (a filter
// "the same user") is the negated search. Case-insensitive as Sigma compares,
// exact with cased; a dropped field equals nothing. With another filter the
// negated searches are one run of lookaheads.
func TestFieldRefEquality(t *testing.T) {
	for _, cased := range []bool{false, true} {
		mod := ""
		if cased {
			mod = "|cased"
		}
		src := "title: T\nid: 00000000-0000-4000-8000-0000000000c4\nlogsource: {product: windows, service: security}\ndetection:\n    sel:\n        EventID: 4648\n    same:\n        SubjectUserName|fieldref" + mod + ": TargetUserName\n    sys:\n        ProcessName|startswith: 'C:\\Windows\\'\n    condition: sel and not same and not sys\nlevel: medium\n"
		loaded := frontend.LoadBytes("r.yml", []byte(src))
		if len(loaded.Diagnostics) > 0 {
			t.Fatal(loaded.Diagnostics)
		}
		res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Report.Skips) > 0 {
			t.Fatalf("skipped: %+v", res.Report.Skips[0])
		}
		alerting := map[int]bool{}
		for _, em := range res.Report.Emissions {
			for _, id := range em.AlertIDs {
				alerting[id] = true
			}
		}
		rs := loadWithStock(t, res.XML)
		for _, c := range []struct {
			subject, target string
			want            bool
		}{
			{"bob", "alice", true},
			{"bob", "bob", false},
			{"bob", "BOB", cased},
			{`a"b\c`, `a"b\c`, false},
			{`a"b\c`, `a"b\d`, true},
			{"bob", "bobby", true},
			{"bobby", "bob", true},
			{"bob", "", true}, // TargetUserName dropped by Wazuh: not the same
		} {
			data := map[string]string{"subjectUserName": c.subject, "subjectDomainName": "CORP", "processName": `C:\x\y.exe`}
			if c.target != "" {
				data["targetUserName"] = c.target
			}
			ev := wazuhsim.WindowsEvent{
				System: map[string]string{"providerName": "Microsoft-Windows-Security-Auditing", "eventID": "4648", "channel": "Security",
					"computer": "h1", "severityValue": "AUDIT_SUCCESS", "keywords": "0x8020000000000000", "level": "0"},
				EventData: data}.Decode()
			final := rs.Eval(ev)
			if got := final != nil && alerting[final.ID]; got != c.want {
				id := 0
				if final != nil {
					id = final.ID
				}
				t.Errorf("cased %v: subject %q, target %q: alert %v (ends on %d), want %v", cased, c.subject, c.target, got, id, c.want)
			}
		}
	}
}
