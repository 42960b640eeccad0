//go:build linux

package wazuh_test

// Tests on the real engine: the generated rules loaded by wazuh-analysisd
// 4.14.7 (../shared/wazuh, see internal/analysisd), with the regression
// captures and generated events sent as the Windows agent sends them. They
// skip, saying why, without the archive, root or python3.
//
//	go test ./backends/wazuh -run Analysisd -v

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/analysisd"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

// Floors measured on the current backend (strict scoring: the event alerts as
// a generated rule of the case's Sigma rule). Raise them when the backend
// improves; a drop below them fails.
const (
	floorRegressionTogether = 96 // cases passing with the rules under test deployed together
	floorRegressionSigmaHQ  = 88 // cases passing with all of SigmaHQ deployed
)

// sigmaHQDirs returns the SigmaHQ rule folders, or nil when absent (no skip).
func sigmaHQDirs() []string {
	root := shared.Root()
	if root == "" {
		return nil
	}
	dirs, _ := filepath.Glob(filepath.Join(root, "sigmahq", "rules*"))
	return dirs
}

func corpusRules(t *testing.T) []*ast.Rule {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "corpus", "rules", "*"))
	if len(dirs) == 0 {
		t.Fatal("no corpus rules")
	}
	return frontend.Load(dirs, frontend.Options{}).Rules
}

func mustBuild(t *testing.T, rules []*ast.Rule) *wazuh.Result {
	t.Helper()
	res, err := wazuh.Build(rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestAnalysisdConfigTest: `wazuh-analysisd -t` accepts the build of the
// corpus rules and of all of SigmaHQ (and the stock ruleset alone, for the
// time it takes).
func TestAnalysisdConfigTest(t *testing.T) {
	t.Parallel() // each runs its own engine; the two SigmaHQ loads (-t, reload) overlap
	e := analysisd.Find(t)
	stock, err := e.StockLocalRules()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e.ConfigTest(stock); err != nil {
		t.Fatalf("-t on the stock ruleset: %v\n%s", err, out)
	}
	stockTime := e.ConfigTestDuration
	t.Logf("-t, stock ruleset alone: %v", stockTime.Round(time.Millisecond))
	res := mustBuild(t, corpusRules(t))
	if out, err := e.ConfigTest(res.XML); err != nil {
		t.Errorf("-t refuses the corpus build: %v\n%s", err, out)
	} else {
		t.Logf("-t, corpus build (%d Wazuh rules): %v", res.Report.WazuhRules, e.ConfigTestDuration.Round(time.Millisecond))
	}
	dirs := sigmaHQDirs()
	if len(dirs) == 0 {
		t.Log("../shared/sigmahq absent: the SigmaHQ build is not checked")
		return
	}
	res = mustBuild(t, frontend.Load(dirs, frontend.Options{}).Rules)
	if out, err := e.ConfigTest(res.XML); err != nil {
		t.Errorf("-t refuses the SigmaHQ build: %v\n%s", err, out)
	} else {
		t.Logf("-t, SigmaHQ build (%d Sigma rules emitted as %d Wazuh rules, %d KiB): %v (stock alone %v)",
			res.Report.Emitted, res.Report.WazuhRules, len(res.XML)>>10, e.ConfigTestDuration.Round(time.Millisecond), stockTime.Round(time.Millisecond))
	}
}

// adCase is one SigmaHQ regression case: a capture of the rule's events.
type adCase struct {
	rule    *ast.Rule
	capture string
	want    int            // events that must alert as the rule (match_count, else 1)
	xml     []string       // each event as the agent sends it
	events  []engine.Event // the same events as engine/logs reads them
}

// regressionCases reads SigmaHQ's regression_data: every evtx case whose rule
// is loaded, with the EVTX-as-JSON rendering next to the .evtx when present
// (rendered as the agent renders it), else the .evtx. It returns the cases,
// their rules (once each) and every SigmaHQ rule.
func regressionCases(t *testing.T) ([]*adCase, []*ast.Rule, []*ast.Rule) {
	t.Helper()
	root := shared.Path(t, "sigmahq", "regression_data")
	all := frontend.Load(shared.SigmaHQRuleDirs(t), frontend.Options{}).Rules
	byID := map[string]*ast.Rule{}
	for _, r := range all {
		byID[r.ID] = r
	}
	var cases []*adCase
	var rules []*ast.Rule
	seen := map[*ast.Rule]bool{}
	for _, ec := range evtxCases(t, root, byID) {
		r, evtx := ec.rule, ec.evtx
		c := &adCase{rule: r, want: 1}
		if ec.matchCount != nil && *ec.matchCount > 0 {
			c.want = *ec.matchCount
		}
		js := strings.TrimSuffix(evtx, filepath.Ext(evtx)) + ".json"
		if data, err := os.ReadFile(js); err == nil {
			c.capture = js
			if c.xml, err = analysisd.EVTXJSONEvents(data); err != nil {
				t.Errorf("%s: %v", js, err)
				continue
			}
		} else if _, err := os.Stat(evtx); err == nil {
			c.capture = evtx
		} else {
			continue
		}
		recs, rerrs, err := logs.ReadAll(c.capture, logs.FormatAuto)
		if err != nil || len(rerrs) > 0 {
			t.Errorf("%s: %v %v", c.capture, err, rerrs)
			continue
		}
		for _, rec := range recs {
			c.events = append(c.events, rec.Event)
			if c.capture == evtx {
				x, err := analysisd.WindowsEventXML(rec.Event)
				if err != nil {
					t.Errorf("%s: %v", evtx, err)
				}
				c.xml = append(c.xml, x)
			}
		}
		if len(c.xml) != len(c.events) {
			t.Errorf("%s: %d events rendered, %d read by engine/logs", c.capture, len(c.xml), len(c.events))
			continue
		}
		cases = append(cases, c)
		if !seen[r] {
			seen[r] = true
			rules = append(rules, r)
		}
	}
	if len(cases) == 0 {
		t.Skip("no SigmaHQ regression cases found")
	}
	return cases, rules, all
}

// startEngine unpacks and starts the real engine with the given rules.
func startEngine(t *testing.T, rulesXML []byte) *analysisd.Engine {
	t.Helper()
	e := analysisd.Find(t)
	if err := e.WriteRules(rulesXML); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// deploy installs rules in a running engine (hot reload).
func deploy(t *testing.T, e *analysisd.Engine, rulesXML []byte) {
	t.Helper()
	if err := e.WriteRules(rulesXML); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
}

// owners maps every generated Wazuh rule id (alerting or level 0) to its Sigma rule.
func owners(res *wazuh.Result) map[int]*ast.Rule {
	m := map[int]*ast.Rule{}
	for _, em := range res.Report.Emissions {
		for _, id := range em.IDs {
			m[id] = em.Rule
		}
	}
	return m
}

// scoreRegression runs the cases through the running engine under the build
// res and returns how many pass: max(1, match_count) events alert as a
// generated rule carrying the case's Sigma id. Every miss is logged with the
// rule the event ended on and why; wazuhsim (same rules) says which level-0
// rule silenced an event that raised no alert.
func scoreRegression(t *testing.T, e *analysisd.Engine, res *wazuh.Result, cases []*adCase, sigma *engine.Ruleset, label string) int {
	t.Helper()
	var evs []analysisd.Event
	for _, c := range cases {
		for _, x := range c.xml {
			evs = append(evs, analysisd.Event{XML: x})
		}
	}
	t0 := time.Now()
	out, err := e.Run(evs)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(t0)
	owner := owners(res)
	sim, simErr := simRuleset(res.XML)
	if simErr != nil {
		t.Logf("wazuhsim cannot load the build (misses without alert are not explained): %v", simErr)
	}
	index := map[*ast.Rule]int{}
	for i := 0; i < sigma.Len(); i++ {
		index[sigma.Rule(i)] = i
	}
	evr := sigma.NewEvaluator()
	emitted := map[*ast.Rule]bool{}
	for _, em := range res.Report.Emissions {
		emitted[em.Rule] = true
	}
	// wazuhsim on the same build and events, for the agreement figure.
	noLog := map[int]bool{}
	for _, r := range res.Rules {
		if r.NoLog {
			noLog[r.ID] = true
		}
	}
	var session *wazuhsim.Session
	if sim != nil {
		session = sim.NewSession()
	}
	simAgree, simDiff := 0, 0
	t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	pass, k, notEmitted := 0, 0, 0
	reasons := map[string]int{}
	for _, c := range cases {
		hits := 0
		var why, kinds []string
		for j := range c.xml {
			r := out[k]
			ev := c.events[j]
			k++
			if session != nil {
				simID := 0
				if f := session.Process(wazuhsim.FromFlat(ev).Decode(), t1); f != nil && f.Level > 0 && !noLog[f.ID] {
					simID = f.ID
				}
				if simID == r.RuleID() {
					simAgree++
				} else {
					simDiff++
					t.Errorf("%s: %s event %d: wazuhsim ends on alert %d, wazuh-analysisd on %d", label, rel(c.capture), j, simID, r.RuleID())
				}
			}
			ok := false
			for _, a := range r.Alerts {
				if a.HasGroup("sigma_id_"+c.rule.ID) && slices.Contains(res.SigmaRules(a.RuleID), c.rule) {
					ok = true
				}
			}
			if ok {
				hits++
				continue
			}
			sigmaMatch := "?"
			if i, found := index[c.rule]; found {
				m, err := evr.MatchDetection(i, ev)
				sigmaMatch = fmt.Sprint(m)
				if err != nil {
					sigmaMatch = err.Error()
				}
			}
			var reason, kind string
			switch a := r.Final(); {
			case !emitted[c.rule]:
				kind, reason = "not emitted", "the backend skips the rule"
			case a != nil && owner[a.RuleID] != nil:
				kind = "another generated rule"
				other := "?"
				if i, found := index[owner[a.RuleID]]; found {
					m, err := evr.MatchDetection(i, ev)
					other = fmt.Sprint(m)
					if err != nil {
						other = err.Error()
					}
				}
				reason = fmt.Sprintf("ended on generated rule %d (level %d) of %q, which Sigma matches too: %s", a.RuleID, a.Level, owner[a.RuleID].Title, other)
			case a != nil:
				kind = "stock rule"
				reason = fmt.Sprintf("ended on stock rule %d (level %d, %q)", a.RuleID, a.Level, a.Description)
			default:
				kind, reason = "nothing", "no alert"
				if sim != nil {
					w := wazuhsim.FromFlat(ev)
					switch f := sim.Eval(w.Decode()); {
					case f == nil:
						reason += " (wazuhsim: no rule matches)"
					case f.Level == 0 && owner[f.ID] != nil:
						kind = "exception"
						reason += fmt.Sprintf(" (wazuhsim: level-0 generated rule %d of %q: an exception)", f.ID, owner[f.ID].Title)
					case f.Level == 0:
						kind = "stock level-0 rule"
						reason += fmt.Sprintf(" (wazuhsim: stock level-0 rule %d, %q)", f.ID, f.Description)
					default:
						reason += fmt.Sprintf(" (wazuhsim ends on rule %d level %d: a disagreement)", f.ID, f.Level)
					}
				}
			}
			kinds = append(kinds, kind)
			why = append(why, fmt.Sprintf("event %d: %s [Sigma matches: %s]", j, reason, sigmaMatch))
		}
		if hits >= c.want {
			pass++
			continue
		}
		if !emitted[c.rule] {
			notEmitted++
		}
		for _, k := range kinds {
			reasons[k]++
		}
		t.Logf("%s: MISS %s (%s): %d of %d events alert as the rule, want %d: %s", label, c.rule.Title, rel(c.capture), hits, len(c.xml), c.want, strings.Join(why, "; "))
	}
	var kinds []string
	for k, n := range reasons {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	t.Logf("%s: %d of %d regression cases pass on wazuh-analysisd (%.1f%%); %d events in %v; events of the missed cases by where they ended: %s; %d cases of rules the backend skips; wazuhsim ends %d events on the same alert, %d on another",
		label, pass, len(cases), 100*float64(pass)/float64(len(cases)), len(evs), elapsed.Round(time.Millisecond), strings.Join(kinds, ", "), notEmitted, simAgree, simDiff)
	return pass
}

func rel(p string) string {
	if i := strings.Index(p, "regression_data"); i >= 0 {
		return p[i:]
	}
	return p
}

// simRuleset loads the stock ruleset and a build into wazuhsim.
func simRuleset(xml []byte) (*wazuhsim.Ruleset, error) {
	root := shared.Root()
	rs, err := wazuhsim.LoadDirs([]string{filepath.Join(root, "reference", "wazuh-ruleset", "rules")})
	if err != nil {
		return nil, err
	}
	return rs, rs.AddFile(wazuhsim.DefaultRulesFile, xml)
}

// TestAnalysisdRegression runs the SigmaHQ regression captures through the
// real engine, (i) with the rules under test deployed together, (ii) with all
// of SigmaHQ deployed, and scores strictly (see scoreRegression).
func TestAnalysisdRegression(t *testing.T) {
	t.Parallel() // each runs its own engine; the two SigmaHQ loads (-t, reload) overlap
	cases, rules, all := regressionCases(t)
	sigma, _ := engine.NewRuleset(all, engine.Options{})
	res := mustBuild(t, rules)
	e := startEngine(t, res.XML)
	t.Logf("engine started with the %d rules under test (%d Wazuh rules) in %v", len(rules), res.Report.WazuhRules, e.StartDuration.Round(time.Millisecond))
	together := scoreRegression(t, e, res, cases, sigma, "rules under test")

	resAll := mustBuild(t, all)
	deploy(t, e, resAll.XML)
	t.Logf("all of SigmaHQ (%d Wazuh rules) reloaded in %v", resAll.Report.WazuhRules, e.ReloadDuration.Round(time.Millisecond))
	withAll := scoreRegression(t, e, resAll, cases, sigma, "all of SigmaHQ")

	t.Logf("SUMMARY: regression cases passing on wazuh-analysisd 4.14.7: %d/%d with the rules under test deployed together, %d/%d with all of SigmaHQ (floors %d and %d)",
		together, len(cases), withAll, len(cases), floorRegressionTogether, floorRegressionSigmaHQ)
	if together < floorRegressionTogether {
		t.Errorf("rules under test deployed together: %d cases pass, below the floor %d", together, floorRegressionTogether)
	}
	if withAll < floorRegressionSigmaHQ {
		t.Errorf("all of SigmaHQ deployed: %d cases pass, below the floor %d", withAll, floorRegressionSigmaHQ)
	}
}

// windowsSystem returns System values that bring a generated event of a
// Windows rule to its Wazuh parents: channel and event id from the engine's
// logsource profile, a provider named after the channel, and the level and
// keywords the channel's events carry (severityValue).
func windowsSystem(p *engine.Profile, r *ast.Rule) map[string]any {
	if r.Logsource.Product != "windows" {
		return nil
	}
	ls := gentest.LogsourceFields(p, r)
	ch, _ := ls["Channel"].(string)
	if ch == "" {
		return nil
	}
	out := map[string]any{"Computer": "WIN-RULEC", "Level": "4", "Keywords": "0x8000000000000000"}
	for k, v := range ls {
		out[k] = fmt.Sprint(v)
	}
	switch {
	case ch == "Security":
		out["Provider_Name"] = "Microsoft-Windows-Security-Auditing"
		out["Level"], out["Keywords"] = "0", "0x8020000000000000"
	case ch == "System":
		out["Provider_Name"] = "Service Control Manager"
	case ch == "Application":
		out["Provider_Name"] = "Application"
	default:
		out["Provider_Name"] = strings.SplitN(ch, "/", 2)[0]
	}
	return out
}

// TestAnalysisdDifferential feeds the same generated XML (the corpus rules
// and the SigmaHQ rules under test) and the same events (the regression
// captures, the corpus Windows logs and events generated from the rules'
// values) to wazuhsim and to wazuh-analysisd, and requires the same final
// alert (rule id, or none) for every event.
func TestAnalysisdDifferential(t *testing.T) {
	t.Parallel() // each runs its own engine; the two SigmaHQ loads (-t, reload) overlap
	cases, rules, _ := regressionCases(t)
	corpus := corpusRules(t)
	buildRules := append(append([]*ast.Rule(nil), corpus...), rules...)
	res := mustBuild(t, buildRules)

	type devent struct {
		label string
		xml   string
		ev    engine.Event
	}
	var evs []devent
	for _, c := range cases {
		for j := range c.xml {
			evs = append(evs, devent{fmt.Sprintf("%s event %d", rel(c.capture), j), c.xml[j], c.events[j]})
		}
	}
	nRegression := len(evs)
	logFiles, _ := filepath.Glob(filepath.Join("..", "..", "corpus", "logs", "windows_*.jsonl"))
	for _, f := range logFiles {
		recs, _, err := logs.ReadAll(f, logs.FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range recs {
			x, err := analysisd.WindowsEventXML(rec.Event)
			if err != nil {
				continue
			}
			evs = append(evs, devent{fmt.Sprintf("%s record %d", filepath.Base(f), i), x, rec.Event})
		}
	}
	nLogs := len(evs) - nRegression
	sigmaRS, _ := engine.NewRuleset(buildRules, engine.Options{})
	prof := sigmaRS.Profile()
	for _, r := range buildRules {
		sys := windowsSystem(prof, r)
		if sys == nil {
			continue
		}
		for k, m := range gentest.StringEvents(r, 12) {
			fields := map[string]engine.Value{}
			for f, v := range m {
				fields[f] = engine.Value{Kind: engine.KindString, S: fmt.Sprint(v)}
			}
			for f, v := range sys {
				fields[f] = engine.Value{Kind: engine.KindString, S: v.(string)}
			}
			ev := engine.NewFlatEvent(fields)
			x, err := analysisd.WindowsEventXML(ev)
			if err != nil {
				continue
			}
			evs = append(evs, devent{fmt.Sprintf("generated event %d of %q", k, r.Title), x, ev})
		}
	}
	nGen := len(evs) - nRegression - nLogs
	// Values the eventchannel path treats specially (escaping, entities,
	// trimming, dropped values, the agent's CR/LF conversion, non-ASCII), put
	// into the fields each regression event's rule reads.
	edges := []struct {
		name string
		fn   func(string) string
	}{
		{"trailing space", func(v string) string { return v + " " }},
		{"trailing tab", func(v string) string { return v + "\t" }},
		{"leading spaces", func(v string) string { return "  " + v }},
		{"quote", func(v string) string { return `"` + v + `"` }},
		{"apostrophe", func(v string) string { return v + "'" }},
		{"entities", func(v string) string { return v + " & <x>" }},
		{"newline", func(v string) string { return v[:len(v)/2] + "\r\n\t" + v[len(v)/2:] }},
		{"trailing backslash", func(v string) string { return v + `\\` }},
		{"non-ASCII", func(v string) string { return v + " éÄ" }},
		{"dash", func(string) string { return "-" }},
		{"(NULL)", func(string) string { return "(NULL)" }},
		{"empty", func(string) string { return "" }},
	}
	for _, c := range cases {
		fields := gentest.Fields(c.rule)
		for j, ev := range c.events {
			flat, ok := ev.(*engine.FlatEvent)
			if !ok {
				continue
			}
			n := 0
			for _, f := range fields {
				v, ok := flat.Fields[f]
				if !ok || v.Kind != engine.KindString || v.S == "" || n == 2 {
					continue
				}
				n++
				for _, m := range edges {
					cp := make(map[string]engine.Value, len(flat.Fields))
					for k, x := range flat.Fields {
						cp[k] = x
					}
					cp[f] = engine.Value{Kind: engine.KindString, S: m.fn(v.S)}
					mev := engine.NewFlatEvent(cp)
					x, err := analysisd.WindowsEventXML(mev)
					if err != nil {
						continue
					}
					evs = append(evs, devent{fmt.Sprintf("%s event %d, %s %s", rel(c.capture), j, f, m.name), x, mev})
				}
			}
		}
	}
	nEdge := len(evs) - nRegression - nLogs - nGen

	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	inputs := make([]wazuhsim.Input, len(evs))
	aevs := make([]analysisd.Event, len(evs))
	for i, d := range evs {
		// analysisd runs the events within a few seconds: one instant for wazuhsim.
		inputs[i] = wazuhsim.Input{Event: d.ev, Time: t0}
		aevs[i] = analysisd.Event{XML: d.xml}
	}
	simOut, _, err := wazuhsim.Check(res.XML, stock, inputs)
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, res.XML)
	realOut, err := e.Run(aevs)
	if err != nil {
		t.Fatal(err)
	}
	owner := owners(res)
	noLog := map[int]bool{}
	for _, r := range res.Rules {
		if r.NoLog {
			noLog[r.ID] = true
		}
	}
	name := func(id int, desc string) string {
		if id == 0 {
			return "no alert"
		}
		if r := owner[id]; r != nil {
			return fmt.Sprintf("generated rule %d (%s)", id, r.Title)
		}
		return fmt.Sprintf("stock rule %d (%s)", id, desc)
	}
	// simCannot says why wazuhsim cannot evaluate a generated rule: a pattern
	// outside what it runs (Go's RE2 under PCRE2 syntax), which it treats as
	// never matching.
	byID := map[int]wazuh.XMLRule{}
	for _, r := range res.Rules {
		byID[r.ID] = r
	}
	simCannot := func(ids ...int) string {
		var out []string
		for _, id := range ids {
			r, ok := byID[id]
			if !ok {
				continue
			}
			pats := []string{r.Regex}
			for _, f := range r.Fields {
				pats = append(pats, f.Pattern)
			}
			for _, p := range pats {
				if p == "" {
					continue
				}
				if _, err := wazuhsim.CompilePCRE2(p); err != nil {
					out = append(out, fmt.Sprintf("wazuhsim cannot run rule %d: %v", id, err))
					break
				}
			}
		}
		if len(out) == 0 {
			return ""
		}
		return "\n    cause: " + strings.Join(out, "; ")
	}
	agree, alerts, generated, unlogged := 0, 0, 0, 0
	var diffs []string
	for i, d := range evs {
		so := simOut[i]
		if so.Err != nil {
			diffs = append(diffs, fmt.Sprintf("%s: wazuhsim cannot decode it: %v", d.label, so.Err))
			continue
		}
		simID := 0
		if so.Alert {
			simID = so.RuleID
		}
		if noLog[simID] {
			// <options>no_log</options> (generate: false): the alert is raised
			// but never written to alerts.json, so analysisd shows none.
			simID = 0
			unlogged++
		}
		var realID int
		var realDesc string
		if a := realOut[i].Final(); a != nil {
			realID, realDesc = a.RuleID, a.Description
		}
		if len(realOut[i].Alerts) > 1 {
			diffs = append(diffs, fmt.Sprintf("%s: wazuh-analysisd raised %d alerts", d.label, len(realOut[i].Alerts)))
		}
		if simID == realID {
			agree++
			if realID != 0 {
				alerts++
			}
			if owner[realID] != nil {
				generated++
			}
			continue
		}
		simName := name(simID, so.Description)
		if !so.Alert && so.RuleID != 0 {
			simName += fmt.Sprintf(" (ended on level-0 rule %d, %s)", so.RuleID, so.Description)
		}
		msg := fmt.Sprintf("%s: wazuhsim %s, wazuh-analysisd %s%s", d.label, simName, name(realID, realDesc), simCannot(realID, simID))
		if len(diffs) < 5 {
			msg += "\n    event: " + d.xml
		}
		diffs = append(diffs, msg)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	t.Logf("SUMMARY: %d of %d events end on the same alert in wazuhsim and wazuh-analysisd (%d regression, %d corpus log, %d generated, %d edge-value events; %d agreeing events alert, %d of them as generated rules; %d end on a no_log rule in wazuhsim, which analysisd does not log); %d disagreements",
		agree, len(evs), nRegression, nLogs, nGen, nEdge, alerts, generated, unlogged, len(evs)-agree)
}
