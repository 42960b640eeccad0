package engine_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

// regressionEvents reads every .evtx capture of ../shared/sigmahq/regression_data.
func regressionEvents(tb testing.TB) []logs.Record {
	tb.Helper()
	root := shared.Path(tb, "sigmahq", "regression_data")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	var out []logs.Record
	for _, f := range files {
		recs, errs, err := logs.ReadAll(f, logs.FormatEVTX)
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		for _, e := range errs {
			tb.Logf("unreadable record: %v", e)
		}
		out = append(out, recs...)
	}
	if len(out) == 0 {
		tb.Skip("no regression events")
	}
	return out
}

// sigmaHQRules loads every SigmaHQ detection rule (rules* folders).
func sigmaHQRules(tb testing.TB) []*ast.Rule {
	tb.Helper()
	res := frontend.Load(shared.SigmaHQRuleDirs(tb), frontend.Options{})
	return res.Detections()
}

// TestIndexConsistency checks that the multi-rule evaluator (logsource groups and
// literal index) returns exactly the rules that evaluating each rule alone finds,
// on every SigmaHQ regression event and on events generated from the rules.
func TestIndexConsistency(t *testing.T) {
	rules := sigmaHQRules(t)
	rs, diags := engine.NewRuleset(rules, engine.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var events []engine.Event
	for _, r := range regressionEvents(t) {
		events = append(events, r.Event)
	}
	// Generated events, in Sysmon process-creation shape and without a Windows
	// channel (Linux, macOS, unrestricted groups), so they reach the indexed groups.
	for i := 0; i < rs.Len(); i += 25 {
		for k, m := range gentest.Events(rs.Rule(i), 6) {
			if k%2 == 0 {
				m["Channel"] = "Microsoft-Windows-Sysmon/Operational"
				m["EventID"] = 1
			}
			events = append(events, engine.NewMapEvent(m))
		}
	}
	ev := rs.NewEvaluator()
	fired := 0
	for n, e := range events {
		got := append([]int(nil), ev.Match(e)...)
		var want []int
		for i := 0; i < rs.Len(); i++ {
			ok, err := ev.MatchRule(i, e)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				want = append(want, i)
			}
		}
		if !equalInts(got, want) {
			t.Errorf("event %d: Match = %v, rule by rule = %v", n, got, want)
		}
		fired += len(got)
	}
	t.Logf("%d events, %d matches", len(events), fired)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRegressionLogsources runs every SigmaHQ rule on every regression capture
// (all Windows event logs): no rule whose logsource names another product may
// fire on them (issue 13: Zeek, Cisco, Azure and database rules with negated
// conditions fired on every event), and every event knows it is from Windows.
func TestRegressionLogsources(t *testing.T) {
	rules := sigmaHQRules(t)
	rs, _ := engine.NewRuleset(rules, engine.Options{})
	ev := rs.NewEvaluator()
	byProduct := map[string]int{}
	recs := regressionEvents(t)
	for _, rec := range recs {
		src := engine.EventSource(rec.Event)
		if src.Product != "windows" {
			t.Errorf("%s record %d: source %+v, want product windows", rec.Source, rec.Index, src)
		}
		for _, i := range ev.Match(rec.Event) {
			ls := rs.Rule(i).Logsource
			p := strings.ToLower(ls.Product)
			if p == "" {
				p = "(none: category " + ls.Category + ")"
			}
			byProduct[p]++
			if p != "windows" {
				t.Errorf("%s record %d: rule %q of logsource %s/%s/%s fired on a Windows event",
					rec.Source, rec.Index, rs.Rule(i).Title, ls.Product, ls.Category, ls.Service)
			}
		}
	}
	t.Logf("%d events, %d rules (%d with a logsource the profile does not map); matches by rule product: %v",
		len(recs), rs.Len(), rs.Unmapped(), byProduct)
}
