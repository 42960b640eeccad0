package wazuh_test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestShadowReport checks the static shadowing analysis on rules whose answer
// is known: a stock rule of a higher level whose tests can hold together with
// the generated rule's is reported; one whose tests contradict it is not.
func TestShadowReport(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	tests := []struct {
		rule        string
		want, never []int
	}{
		{
			// 92018 (level 13): OriginalFileName contains CertUtil.exe and a decode command line.
			rule: `
title: certutil decode
logsource: {product: windows, category: process_creation}
detection:
    selection:
        OriginalFileName: certutil.exe
        CommandLine|contains: '-decode '
    condition: selection
level: low`,
			want: []int{92018},
		},
		{
			rule: `
title: notepad
logsource: {product: windows, category: process_creation}
detection:
    selection:
        OriginalFileName: notepad.exe
    condition: selection
level: low`,
			never: []int{92018, 92016},
		},
		{
			// Attached under the level-0 rule 92025 (Reg.exe), it is not shadowed by it.
			rule: `
title: reg query
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\reg.exe'
        CommandLine|contains: ' query '
    condition: selection
level: high`,
			never: []int{92025},
		},
	}
	for _, tc := range tests {
		loaded := frontend.LoadBytes("rule.yml", []byte(tc.rule))
		res, err := wazuh.Build(loaded.Rules, wazuh.Options{StockRules: stock})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]bool{}
		for _, s := range res.Report.Shadows {
			got[s.StockID] = true
			if s.Rule != loaded.Rules[0] || s.Why == "" || s.Parent == 0 {
				t.Errorf("%s: incomplete shadowing entry %+v", loaded.Rules[0].Title, s)
			}
		}
		for _, id := range tc.want {
			if !got[id] {
				t.Errorf("%s: stock rule %d not reported as able to shadow it (got %v)", loaded.Rules[0].Title, id, keys(got))
			}
		}
		for _, id := range tc.never {
			if got[id] {
				t.Errorf("%s: stock rule %d reported, but it cannot match the same events", loaded.Rules[0].Title, id)
			}
		}
	}
}

// TestShadowCacheSameReport: the verdicts cache changes no result: a build
// with an empty cache, with the cache it wrote, and with that cache damaged
// reports the same shadows and the same note as a build without a cache, and
// the second build runs no search.
func TestShadowCacheSameReport(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	loaded := frontend.Load([]string{"../../corpus/rules"}, frontend.Options{})
	build := func(cache string) wazuh.Report {
		t.Helper()
		res, err := wazuh.Build(loaded.Rules, wazuh.Options{StockRules: stock, ShadowCache: cache})
		if err != nil {
			t.Fatal(err)
		}
		return res.Report
	}
	want := build("")
	if len(want.Shadows) == 0 {
		t.Fatal("no shadows over the corpus: the comparison proves nothing")
	}
	same := func(name string, got wazuh.Report) {
		t.Helper()
		if !reflect.DeepEqual(got.Shadows, want.Shadows) || got.ShadowNote != want.ShadowNote {
			t.Errorf("%s: %d shadows (%s), want %d (%s)", name, len(got.Shadows), got.ShadowNote, len(want.Shadows), want.ShadowNote)
		}
	}
	dir := t.TempDir()
	cold := build(dir)
	same("empty cache", cold)
	warm := build(dir)
	same("warm cache", warm)
	if !strings.Contains(warm.ShadowCacheNote, " 0 of ") {
		t.Errorf("warm cache: searches ran (%s)", warm.ShadowCacheNote)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.verdicts"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// A damaged entry (a verdict flipped) must not be believed.
	data[len(data)-40] ^= 1
	if err := os.WriteFile(files[0], data, 0o644); err != nil {
		t.Fatal(err)
	}
	damaged := build(dir)
	same("damaged cache", damaged)
	if !strings.Contains(damaged.ShadowCacheNote, "ignored and rebuilt") {
		t.Errorf("damaged cache not reported: %s", damaged.ShadowCacheNote)
	}
	same("rebuilt cache", build(dir))
}

func keys(m map[int]bool) []int {
	var out []int
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// TestSigmaHQShadowReport runs the analysis over all of SigmaHQ (slow: skipped with -short).
func TestSigmaHQShadowReport(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	loaded := frontend.Load(shared.SigmaHQRuleDirs(t), frontend.Options{})
	start := time.Now()
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{StockRules: stock})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[int]bool{}
	sigma := map[string]bool{}
	by := map[int]int{}
	for _, s := range res.Report.Shadows {
		rules[s.WazuhID] = true
		sigma[s.Rule.Ref()] = true
		by[s.StockID]++
	}
	if len(rules) == 0 {
		t.Fatal("no shadowing found over all of SigmaHQ")
	}
	t.Logf("%v: %d generated rules of %d Sigma rules can be shadowed (%d pairs); %s", time.Since(start).Round(time.Millisecond), len(rules), len(sigma), len(res.Report.Shadows), res.Report.ShadowNote)
	// The manager cost: analysisd's tree holds a copy of a rule per parent.
	if res.Report.StockTreeNodes == 0 || res.Report.TreeNodes <= res.Report.StockTreeNodes+res.Report.WazuhRules {
		t.Errorf("tree nodes %d (stock %d) for %d generated rules with multi-parent logsources", res.Report.TreeNodes, res.Report.StockTreeNodes, res.Report.WazuhRules)
	}
	t.Logf("analysisd tree: %d nodes, %d of them stock (%.1fx the stock ruleset)", res.Report.TreeNodes, res.Report.StockTreeNodes, float64(res.Report.TreeNodes)/float64(res.Report.StockTreeNodes))
}
