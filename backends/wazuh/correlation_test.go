package wazuh_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/frontend"
)

// demoProfile maps the corpus' rulec_demo logsources to JSON events under
// "demo", hung under the syslog template rule (no stock rule decodes them).
const demoProfile = `
wazuh:
  fieldsets:
    demo:
      encoding: json
      default: "demo.{field}"
  logsources:
    - {name: demo-auth, product: rulec_demo, service: auth, if_sid: [1], fieldset: demo}
    - {name: demo-proxy, product: rulec_demo, service: proxy, if_sid: [1], fieldset: demo}
`

func demoBuild(t *testing.T, rules []*ast.Rule) (*wazuh.Result, *wazuhsim.Ruleset) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "profile.yml")
	if err := os.WriteFile(p, []byte(demoProfile), 0o644); err != nil {
		t.Fatal(err)
	}
	prof, err := wazuh.LoadProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := wazuh.Build(rules, wazuh.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	return res, loadWithStock(t, res.XML)
}

// TestCorrelationCorpus converts corpus/correlation: event_count with a lower
// bound is emitted, every other type or condition is refused with its reason.
func TestCorrelationCorpus(t *testing.T) {
	loaded := frontend.Load([]string{filepath.Join("..", "..", "corpus", "correlation", "rules.yml")}, frontend.Options{})
	if len(loaded.Rules) == 0 {
		t.Skip("no corpus/correlation")
	}
	res, rs := demoBuild(t, loaded.Rules)
	emitted := map[string]bool{}
	for _, c := range res.Report.Correlations {
		emitted[c.Rule.Title] = true
		if r := rs.Rule(c.ID); r == nil {
			t.Errorf("correlation rule %d not loaded by the simulator: %v", c.ID, rs.Warnings)
		}
	}
	refused := map[string]string{}
	for _, s := range res.Report.Skips {
		refused[s.Title] = s.Reason + ": " + s.Detail
	}
	for _, r := range loaded.Rules {
		if r.Kind != ast.KindCorrelation {
			continue
		}
		want := r.Correlation.Type == ast.EventCount && len(r.Correlation.Condition) == 1 &&
			(r.Correlation.Condition[0].Op == ast.OpGTE || r.Correlation.Condition[0].Op == ast.OpGT)
		switch {
		case want && !emitted[r.Title]:
			t.Errorf("%q not emitted: %s", r.Title, refused[r.Title])
		case !want && emitted[r.Title]:
			t.Errorf("%q emitted, but Wazuh cannot express it exactly", r.Title)
		case !want && refused[r.Title] == "":
			t.Errorf("%q neither emitted nor refused", r.Title)
		}
		t.Logf("%-40s %s", r.Title, map[bool]string{true: "emitted", false: "refused: " + refused[r.Title]}[emitted[r.Title]])
	}
}

// diffRules are base rules and correlations for the differential test: each
// correlation has its own base rule (correlations sharing one interfere in
// Wazuh, see the shared-base warning).
const diffRules = `
title: Fail A
name: fail_a
logsource: {product: rulec_demo, service: auth}
detection:
    selection: {action: a}
    condition: selection
level: low
---
title: Fail B
name: fail_b
logsource: {product: rulec_demo, service: auth}
detection:
    selection: {action: b}
    condition: selection
level: low
---
title: Fail C
name: fail_c
logsource: {product: rulec_demo, service: auth}
detection:
    selection: {action: c}
    condition: selection
level: low
---
title: Five A Per User
name: five_a
correlation:
    type: event_count
    rules: [fail_a]
    group-by: [user]
    timespan: 60s
    condition: {gte: 5}
level: medium
---
title: More Than Two B Per User And Host
name: three_b
correlation:
    type: event_count
    rules: [fail_b]
    group-by: [user, host]
    timespan: 30s
    condition: {gt: 2}
level: medium
---
title: Any C With A User
name: one_c
correlation:
    type: event_count
    rules: [fail_c]
    group-by: [user]
    timespan: 10s
    condition: {gte: 1}
level: medium
---
title: Three Bursts Of A
name: bursts
correlation:
    type: event_count
    rules: [five_a]
    group-by: [user]
    timespan: 300s
    condition: {gte: 3}
level: high
`

// TestCorrelationFiresLikeEngine streams random timed events through the
// engine (Sigma semantics) and through the generated rules in wazuhsim, and
// checks that each event ends on a correlation rule in Wazuh exactly when the
// engine completes that correlation on it. One event raises one alert in
// Wazuh: when an inner and an outer correlation complete on the same event,
// the outer one (the deeper, higher-level rule) is the alert.
func TestCorrelationFiresLikeEngine(t *testing.T) {
	loaded := frontend.LoadBytes("diff.yml", []byte(diffRules))
	if len(loaded.Rules) != 7 {
		t.Fatalf("loaded %d rules: %v", len(loaded.Rules), loaded.Diagnostics)
	}
	res, rs := demoBuild(t, loaded.Rules)
	if len(res.Report.Correlations) != 4 {
		t.Fatalf("emitted %d correlations, want 4: %v", len(res.Report.Correlations), res.Diagnostics)
	}
	corrID := map[*ast.Rule]int{}
	byID := map[int]*ast.Rule{}
	for _, c := range res.Report.Correlations {
		corrID[c.Rule] = c.ID
		byID[c.ID] = c.Rule
	}
	eng, _ := engine.NewRuleset(loaded.Rules, engine.Options{})
	evr := eng.NewEvaluator()
	ce, errs := correlation.New(loaded.Rules, correlation.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rng := rand.New(rand.NewSource(7))
	users := []string{"u1", "u2"}
	hosts := []string{"h1", "h2"}
	var fired, checked int
	per := map[string]int{}
	for run := 0; run < 20; run++ {
		s := rs.NewSession()
		ce, _ = correlation.New(loaded.Rules, correlation.Options{})
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		for i := 0; i < 300; i++ {
			now = now.Add(time.Duration(rng.Intn(6)) * time.Second)
			fields := map[string]any{"action": []string{"a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "c", "x", "x", "x", "x"}[rng.Intn(20)]}
			if rng.Intn(10) > 0 {
				fields["user"] = users[rng.Intn(len(users))]
			}
			if rng.Intn(10) > 0 {
				fields["host"] = hosts[rng.Intn(len(hosts))]
			}
			// Sigma side.
			ev := engine.NewMapEvent(fields)
			want := map[*ast.Rule]bool{}
			for k := 0; k < eng.Len(); k++ {
				ok, err := evr.MatchDetection(k, ev)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					continue
				}
				for _, a := range ce.Observe(correlation.Match{Rule: eng.Rule(k), Event: ev, Time: now, Ref: correlation.EventRef{Index: i}}) {
					want[a.Rule] = true
				}
			}
			// Wazuh side.
			line, _ := json.Marshal(map[string]any{"demo": fields})
			wev, err := wazuhsim.DecodeJSON(string(line))
			if err != nil {
				t.Fatal(err)
			}
			final := s.Process(wev, now)
			var got *ast.Rule
			if final != nil {
				got = byID[final.ID]
			}
			// The alert Wazuh raises: the outermost completed correlation.
			var expect *ast.Rule
			for r := range want {
				if expect == nil || len(r.Correlation.Rules) > 0 && strings.HasPrefix(r.Title, "Three Bursts") {
					expect = r
				}
			}
			checked++
			if got != nil {
				fired++
				per[got.Title]++
			}
			if got != expect {
				t.Fatalf("run %d event %d %v at %s: Wazuh alerts as %v, the engine completes %v", run, i, fields, now.Format("15:04:05"), title(got), titles(want))
			}
		}
	}
	if fired == 0 {
		t.Fatal("no correlation fired: the test exercises nothing")
	}
	for _, c := range res.Report.Correlations {
		if per[c.Rule.Title] == 0 {
			t.Errorf("%q never fired: the test does not exercise it", c.Rule.Title)
		}
	}
	t.Logf("%d events, %d correlation alerts, the same in Wazuh and the engine: %v", checked, fired, per)
}

func title(r *ast.Rule) string {
	if r == nil {
		return "nothing"
	}
	return r.Title
}

func titles(m map[*ast.Rule]bool) string {
	var out []string
	for r := range m {
		out = append(out, r.Title)
	}
	if len(out) == 0 {
		return "nothing"
	}
	return fmt.Sprint(out)
}

// TestCorrelationRefusals checks the conditions Wazuh cannot express exactly,
// and what an emitted correlation does to its base rules.
func TestCorrelationRefusals(t *testing.T) {
	base := `
title: Base
name: base
logsource: {product: rulec_demo, service: auth}
detection:
    selection: {action: a}
    condition: selection
level: low
---
`
	tests := []struct {
		corr, reason string
	}{
		{"type: temporal_ordered\n    rules: [base, base]\n    group-by: [user]\n    timespan: 60s", "correlation base rules not expressible in Wazuh"},
		{"type: temporal_ordered\n    rules: [base, base, base]\n    group-by: [user]\n    timespan: 60s", "correlation type not expressible in Wazuh"},
		{"type: temporal\n    rules: [base]\n    group-by: [user]\n    timespan: 60s", "correlation type not expressible in Wazuh"},
		{"type: event_count\n    rules: [base]\n    group-by: [user]\n    timespan: 60s\n    condition: {gte: 3, lte: 9}", "correlation condition not expressible in Wazuh"},
		{"type: event_count\n    rules: [base]\n    group-by: [user]\n    timespan: 60s\n    condition: {eq: 3}", "correlation condition not expressible in Wazuh"},
		{"type: event_count\n    rules: [base]\n    group-by: [user]\n    timespan: 2d\n    condition: {gte: 3}", "correlation timespan not expressible in Wazuh"},
		{"type: event_count\n    rules: [base]\n    group-by: [user]\n    timespan: 60s\n    condition: {gte: 10000}", "correlation condition not expressible in Wazuh"},
		{"type: value_count\n    rules: [base]\n    group-by: [user]\n    timespan: 60s\n    condition: {field: host, gte: 3}", "correlation type not expressible in Wazuh"},
		{"type: event_count\n    rules: [missing]\n    timespan: 60s\n    condition: {gte: 3}", "correlation base rule missing"},
		{"type: event_count\n    rules: [base]\n    group-by: [\"\"]\n    timespan: 60s\n    condition: {gte: 3}", "correlation group-by field not mapped"},
	}
	for _, tc := range tests {
		src := base + "title: Corr\nname: corr\ncorrelation:\n    " + tc.corr + "\nlevel: high\n"
		loaded := frontend.LoadBytes("c.yml", []byte(src))
		var corr *ast.Rule
		for _, r := range loaded.Rules {
			if r.Kind == ast.KindCorrelation {
				corr = r
			}
		}
		if corr == nil {
			t.Logf("%s: the front end rejects it (%v)", tc.corr, loaded.Diagnostics)
			continue
		}
		res, _ := demoBuild(t, loaded.Rules)
		got := ""
		for _, s := range res.Report.Skips {
			if s.Title == "Corr" {
				got = s.Reason
			}
		}
		if got != tc.reason {
			t.Errorf("%s: skipped with %q, want %q", strings.ReplaceAll(tc.corr, "\n", " "), got, tc.reason)
		}
	}

	// A chain whose outer rule is not above the inner one is refused.
	chain := base + `title: Inner
name: inner
correlation: {type: event_count, rules: [base], group-by: [user], timespan: 60s, condition: {gte: 3}}
level: high
---
title: Outer
correlation: {type: event_count, rules: [inner], group-by: [user], timespan: 600s, condition: {gte: 3}}
level: high
`
	res, _ := demoBuild(t, frontend.LoadBytes("chain.yml", []byte(chain)).Rules)
	if len(res.Report.Correlations) != 1 || len(res.Report.Skips) != 1 || res.Report.Skips[0].Reason != "correlation chain not expressible in Wazuh" {
		t.Errorf("chain of equal levels: %d emitted, skips %+v", len(res.Report.Correlations), res.Report.Skips)
	}

	// Without generate, the base alerts are kept out of the alert log (no_log)
	// and are the if_matched_sid the correlation follows; with generate they are logged.
	for _, generate := range []bool{false, true} {
		src := base + fmt.Sprintf("title: Corr\ncorrelation: {type: event_count, rules: [base], group-by: [user], timespan: 60s, condition: {gte: 3}, generate: %v}\nlevel: high\n", generate)
		res, _ := demoBuild(t, frontend.LoadBytes("g.yml", []byte(src)).Rules)
		if len(res.Report.Correlations) != 1 {
			t.Fatalf("not emitted: %v", res.Diagnostics)
		}
		sid := res.Report.Correlations[0].MatchedSID
		for _, x := range res.Rules {
			if x.Level > 0 && x.Frequency == 0 {
				if x.NoLog == generate {
					t.Errorf("generate %v: base alert %d has no_log=%v", generate, x.ID, x.NoLog)
				}
				if x.ID != sid {
					t.Errorf("base alert %d is not the correlation's if_matched_sid %d", x.ID, sid)
				}
			}
		}
	}
}

// TestCorrelationMultiParentFailedLogins: the Windows Security base rule hangs
// under 9 stock parents. With if_matched_group each failed login would be in
// the correlation's list 9 times (OS_MarkGroup adds the list once per tree
// node, Search_LastGroups counts every copy) and frequency="5" would fire on
// the 2nd login; with if_matched_sid it fires exactly on the 5th of 6.
func TestCorrelationMultiParentFailedLogins(t *testing.T) {
	loaded := frontend.Load([]string{filepath.Join("..", "..", "corpus", "rules", "generic", "mr_failed_logins_then_success.yml")}, frontend.Options{})
	if len(loaded.Rules) == 0 {
		t.Skip("no corpus rule")
	}
	prof, err := wazuh.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	var corr wazuh.CorrelationEmission
	for _, c := range res.Report.Correlations {
		if c.Rule.Title == "Many Failed Logins" {
			corr = c
		}
	}
	if corr.ID == 0 || corr.MatchedSID == 0 {
		t.Fatalf("Many Failed Logins not emitted with if_matched_sid: %+v %v", corr, res.Diagnostics)
	}
	run := func(xmlData []byte) []int {
		rs := loadWithStock(t, xmlData)
		if r := rs.Rule(corr.ID); r == nil {
			t.Fatalf("correlation rule not loaded: %v", rs.Warnings)
		}
		s := rs.NewSession()
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		var got []int
		for i := 0; i < 6; i++ {
			ev := wazuhsim.WindowsEvent{
				System:    map[string]string{"providerName": "Microsoft-Windows-Security-Auditing", "eventID": "4625", "channel": "Security", "computer": "h1"},
				EventData: map[string]string{"targetUserName": "bob", "TargetUserName": "bob"},
			}.Decode()
			final := s.Process(ev, now.Add(time.Duration(i)*time.Second))
			id := 0
			if final != nil {
				id = final.ID
			}
			got = append(got, id)
		}
		return got
	}
	got := run(res.XML)
	for i, id := range got {
		want := corr.MatchedSID
		if i == 4 {
			want = corr.ID
		}
		if id != want {
			t.Errorf("if_matched_sid: login %d ends on %d, want %d (all: %v)", i+1, id, want, got)
		}
	}
	// The former construction: the base alert tagged with a group and the
	// correlation following it.
	old := strings.Replace(string(res.XML), fmt.Sprintf("<if_matched_sid>%d</if_matched_sid>", corr.MatchedSID), "<if_matched_group>sigma_base_test</if_matched_group>", 1)
	old = strings.Replace(old, "<group>sigma,sigma_id_53ba33fd-3a50-4468-a5ef-c583635cfa92,</group>", "<group>sigma,sigma_id_53ba33fd-3a50-4468-a5ef-c583635cfa92,sigma_base_test,</group>", 1)
	if old == string(res.XML) {
		t.Fatal("could not rewrite the XML to the former construction")
	}
	if got := run([]byte(old)); got[1] != corr.ID {
		t.Errorf("if_matched_group over 9 parents: login 2 ends on %d, want the correlation %d (the bug): %v", got[1], corr.ID, got)
	}
}

// TestCorrelationDifferentialSelfMarked compares the generated XML, run by
// wazuhsim over the stock ruleset (the Windows Security base rules hang under
// 9 parents), with engine/correlation on random timed streams: the corpus
// chain (event_count 5, then temporal_ordered [that, success] over 10m) and
// an event_count of 2 over 60s, two users, gaps of 1s and timespan-1,
// timespan and timespan+1 seconds. Each event must raise the same
// correlation alert (or none) in both.
func TestCorrelationDifferentialSelfMarked(t *testing.T) {
	loaded := frontend.Load([]string{filepath.Join("..", "..", "corpus", "rules", "generic", "mr_failed_logins_then_success.yml")}, frontend.Options{})
	if len(loaded.Rules) == 0 {
		t.Skip("no corpus rule")
	}
	extra := frontend.LoadBytes("pair.yml", []byte(`title: Lockout
id: 6d1c7a0e-3b52-4c51-9a43-2f4f0b8b7c11
name: lockout
logsource: {product: windows, service: security}
detection:
    selection: {EventID: 4740}
    condition: selection
level: low
---
title: Two Lockouts
id: 0f6b1c2d-7e8a-4b9c-8d0e-1a2b3c4d5e6f
correlation: {type: event_count, rules: [lockout], group-by: [TargetUserName], timespan: 60s, condition: {gte: 2}}
level: high
`))
	rules := append(append([]*ast.Rule(nil), loaded.Rules...), extra.Rules...)
	prof, err := wazuh.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	res, err := wazuh.Build(rules, wazuh.Options{Profile: prof})
	if err != nil {
		t.Fatal(err)
	}
	corrTitle := map[int]string{}
	for _, c := range res.Report.Correlations {
		corrTitle[c.ID] = c.Rule.Title
	}
	for _, want := range []string{"Many Failed Logins", "Multiple Failed Logins Followed By A Success", "Two Lockouts"} {
		found := false
		for _, title := range corrTitle {
			found = found || title == want
		}
		if !found {
			t.Fatalf("%q not emitted: %v", want, res.Diagnostics)
		}
	}
	rs := loadWithStock(t, res.XML)
	for id := range corrTitle {
		if rs.Rule(id) == nil {
			t.Fatalf("correlation rule %d not loaded: %v", id, rs.Warnings)
		}
	}
	byName := map[string]*ast.Rule{}
	for _, r := range rules {
		byName[r.Name] = r
	}
	eids := []string{"4625", "4625", "4625", "4624", "4740"}
	base := map[string]*ast.Rule{"4625": byName["failed_login"], "4624": byName["successful_login"], "4740": byName["lockout"]}
	gaps := []int{0, 1, 1, 1, 59, 60, 61, 599, 600, 601}
	users := []string{"bob", "alice"}
	fired := map[string]int{}
	for seed := int64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		eng, errs := correlation.New(rules, correlation.Options{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		s := rs.NewSession()
		now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
		for i := 0; i < 200; i++ {
			now = now.Add(time.Duration(gaps[rng.Intn(len(gaps))]) * time.Second)
			eid, user := eids[rng.Intn(len(eids))], users[rng.Intn(len(users))]
			ev := wazuhsim.WindowsEvent{
				System:    map[string]string{"providerName": "Microsoft-Windows-Security-Auditing", "eventID": eid, "channel": "Security", "computer": "h1"},
				EventData: map[string]string{"targetUserName": user},
			}.Decode()
			final := s.Process(ev, now)
			got := ""
			if final != nil {
				got = corrTitle[final.ID]
			}
			fe := engine.NewFlatEvent(map[string]engine.Value{"TargetUserName": {Kind: engine.KindString, S: user}, "EventID": {Kind: engine.KindString, S: eid}})
			var want []string
			for _, a := range eng.Observe(correlation.Match{Rule: base[eid], Event: fe, Time: now, Ref: correlation.EventRef{Index: i}}) {
				want = append(want, a.Rule.Title)
			}
			if len(want) > 1 || (len(want) == 1) != (got != "") || (got != "" && want[0] != got) {
				t.Fatalf("seed %d event %d (%s %s at %s): Wazuh ends on %q, engine alerts %v", seed, i, eid, user, now.Format(time.TimeOnly), got, want)
			}
			if got != "" {
				fired[got]++
			}
		}
		if a := eng.Flush(); len(a) > 0 {
			t.Fatalf("seed %d: alerts at flush: %v", seed, a)
		}
	}
	for _, title := range corrTitle {
		if fired[title] == 0 {
			t.Errorf("%q never fired: the streams do not exercise it", title)
		}
	}
	t.Logf("correlation alerts: %v", fired)
}
