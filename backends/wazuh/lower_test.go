package wazuh_test

import (
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
