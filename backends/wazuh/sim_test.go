package wazuh_test

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/internal/pcre2test"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// loadWithStock loads the stock ruleset and a generated rules file after it.
func loadWithStock(t *testing.T, xmlData []byte) *wazuhsim.Ruleset {
	t.Helper()
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	f := filepath.Join(t.TempDir(), "9000-sigma_rules.xml")
	if err := os.WriteFile(f, xmlData, 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := wazuhsim.LoadDirs([]string{stock}, f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkValid checks what a Wazuh manager needs to load the file.
func checkValid(t *testing.T, res *wazuh.Result, rs *wazuhsim.Ruleset) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(res.XML)))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("output is not well-formed XML: %v", err)
		}
	}
	seen := map[int]bool{}
	patterns := map[string]bool{}
	for _, r := range res.Rules {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %d", r.ID)
		}
		seen[r.ID] = true
		if r.ID < wazuh.DefaultIDMin || r.ID > wazuh.DefaultIDMax {
			t.Errorf("rule id %d outside the custom range", r.ID)
		}
		if r.Level < 0 || r.Level > 16 {
			t.Errorf("rule %d: level %d", r.ID, r.Level)
		}
		for _, sid := range r.IfSID {
			if rs.Rule(sid) == nil {
				t.Errorf("rule %d: if_sid %d is not defined", r.ID, sid)
			}
		}
		for _, f := range r.Fields {
			patterns[f.Pattern] = true
		}
		if r.Regex != "" {
			patterns[r.Regex] = true
		}
		if sim := rs.Rule(r.ID); sim == nil {
			t.Errorf("rule %d was not loaded by the simulator", r.ID)
		}
	}
	for _, w := range rs.Warnings {
		if strings.Contains(w, "rule 1") && len(w) > 11 && w[5] == '1' { // generated ids start with 1000xx-1200xx
			t.Errorf("simulator: %s", w)
		}
	}
	var list []string
	for p := range patterns {
		list = append(list, p)
		if _, err := wazuhsim.CompilePCRE2(p); err != nil {
			// Go's regexp caps repeat counts at 1000; PCRE2 does not.
			t.Logf("simulator cannot run a generated pattern: %v", err)
		}
	}
	sort.Strings(list)
	if pcre2test.Path() == "" {
		t.Log("pcre2test not installed: generated patterns not compiled with PCRE2 (.ci/run installs pcre2-utils)")
		return
	}
	var cases []pcre2test.Case
	for _, p := range list {
		cases = append(cases, pcre2test.Case{Pattern: p})
	}
	for i, r := range pcre2test.Run(t, cases) {
		if r.CompileError != "" {
			t.Errorf("PCRE2 rejects %s: %s", list[i], r.CompileError)
		}
	}
	t.Logf("%d Wazuh rules, %d distinct PCRE2 patterns compiled", len(res.Rules), len(list))
}

func TestSigmaHQBuildIsValid(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	loaded := frontend.Load(dirs, frontend.Options{})
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs := loadWithStock(t, res.XML)
	checkValid(t, res, rs)
	rep := res.Report
	t.Logf("%d Sigma rules: %d emitted as %d Wazuh rules, %d skipped", rep.Rules, rep.Emitted, rep.WazuhRules, rep.Skipped)
	for _, rc := range rep.ByReason() {
		t.Logf("  skipped %5d %s", rc.Count, rc.Reason)
	}
	// Every skip has a documented reason: a fixed one of the lowering, or one
	// the profile gives for an unavailable logsource or an undecoded field.
	allowed := map[string]bool{}
	for _, r := range []string{"keyword search over all fields", "unresolved placeholder", "pattern too large",
		"untranslatable regular expression", wazuh.BacktrackReason, "field reference", "condition too complex", "value not decoded by Wazuh"} {
		allowed[r] = true
	}
	prof, err := wazuh.DefaultProfile()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range prof.Unavailable {
		allowed[u.Reason] = true
	}
	for _, fs := range prof.Fieldsets {
		for _, r := range fs.Unmapped {
			allowed[r] = true
		}
	}
	for _, s := range rep.Skips {
		if !allowed[s.Reason] && !strings.HasPrefix(s.Reason, "correlation") {
			t.Errorf("%s: undocumented skip reason %q: %s", s.Pos, s.Reason, s.Detail)
		}
	}
}

// TestRegressionEventsFireLikeSigma runs the generated rules, under the stock
// ruleset, on the SigmaHQ regression events: each event must end on the rule's
// Wazuh rule exactly when the engine's Sigma interpreter matches it.
func TestRegressionEventsFireLikeSigma(t *testing.T) {
	root := shared.Path(t, "sigmahq")
	dirs := shared.SigmaHQRuleDirs(t)
	loaded := frontend.Load(dirs, frontend.Options{})
	byID := map[string]*ast.Rule{}
	for _, r := range loaded.Rules {
		byID[r.ID] = r
	}
	type tcase struct {
		rule *ast.Rule
		evtx string
	}
	var cases []tcase
	var rules []*ast.Rule
	seen := map[*ast.Rule]bool{}
	for _, ec := range evtxCases(t, filepath.Join(root, "regression_data"), byID) {
		if _, err := os.Stat(ec.evtx); err == nil {
			cases = append(cases, tcase{ec.rule, ec.evtx})
			if !seen[ec.rule] {
				seen[ec.rule] = true
				rules = append(rules, ec.rule)
			}
		}
	}
	if len(cases) == 0 {
		t.Skip("no regression cases found")
	}
	res, err := wazuh.Build(rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs := loadWithStock(t, res.XML)
	checkValid(t, res, rs)
	alerts := map[*ast.Rule]map[int]bool{}
	for _, em := range res.Report.Emissions {
		if alerts[em.Rule] == nil {
			alerts[em.Rule] = map[int]bool{}
		}
		for _, id := range em.AlertIDs {
			alerts[em.Rule][id] = true
		}
	}
	eng, _ := engine.NewRuleset(rules, engine.Options{})
	index := map[*ast.Rule]int{}
	for i := 0; i < eng.Len(); i++ {
		index[eng.Rule(i)] = i
	}
	evr := eng.NewEvaluator()
	owner := map[int]*ast.Rule{}
	for _, em := range res.Report.Emissions {
		for _, id := range em.IDs {
			owner[id] = em.Rule
		}
	}
	var events, agree, shadowed, cross, trimmed, spaced, notEmitted, sigmaHits int
	for _, c := range cases {
		recs, rerrs, err := logs.ReadAll(c.evtx, logs.FormatEVTX)
		if err != nil {
			t.Errorf("%s: %v", c.evtx, err)
			continue
		}
		for _, e := range rerrs {
			t.Logf("%s: %v", c.evtx, e)
		}
		if alerts[c.rule] == nil {
			notEmitted++
			continue
		}
		i, ok := index[c.rule]
		if !ok {
			continue
		}
		for _, rec := range recs {
			events++
			want, err := evr.MatchDetection(i, rec.Event)
			if err != nil {
				t.Errorf("%s: engine: %v", c.evtx, err)
				continue
			}
			if want {
				sigmaHits++
			}
			w := wazuhsim.FromFlat(rec.Event)
			if trailingSpace(w) {
				spaced++
			}
			final := rs.Eval(w.Decode())
			got := final != nil && alerts[c.rule][final.ID]
			switch {
			case got == want:
				agree++
			case want && final != nil && final.Level > 0 && final.ID < wazuh.DefaultIDMin:
				shadowed++
				t.Logf("%s: %s: shadowed by stock rule %d (level %d, %s)", c.evtx, c.rule.Title, final.ID, final.Level, final.Description)
			case final != nil && owner[final.ID] != nil && owner[final.ID] != c.rule:
				cross++
				t.Logf("%s: %s: taken by generated rule %d of %q (one event, one alert; a level-0 exception of a higher rule hides lower siblings)", c.evtx, c.rule.Title, final.ID, owner[final.ID].Title)
			case final != nil && final.Level == 0 && final.ID < wazuh.DefaultIDMin && want:
				shadowed++
				t.Logf("%s: %s: stopped by stock level-0 rule %d (%s)", c.evtx, c.rule.Title, final.ID, final.Description)
			case trailingSpace(w) && agreesTrimmed(evr, i, rec.Event, got):
				// Wazuh trims trailing white space off EventData values; the
				// rule sees the trimmed value, which Sigma does not.
				trimmed++
				t.Logf("%s: %s: a value ends with white space that Wazuh trims (Sigma matches=%v on the original)", c.evtx, c.rule.Title, want)
			default:
				fid := 0
				if final != nil {
					fid = final.ID
				}
				t.Errorf("%s: %s: Sigma matches=%v, Wazuh ends on rule %d (alert=%v)", c.evtx, c.rule.Title, want, fid, got)
			}
		}
	}
	t.Logf("%d cases, %d events (%d Sigma matches): %d agree, %d shadowed by stock rules, %d taken by another generated rule, %d differ only by Wazuh's trimming of trailing white space (%d events have such a value); %d cases whose rule is not emitted",
		len(cases), events, sigmaHits, agree, shadowed, cross, trimmed, spaced, notEmitted)
}

// trailingSpace reports whether an EventData value ends with white space.
func trailingSpace(w wazuhsim.WindowsEvent) bool {
	for _, v := range w.EventData {
		if strings.TrimRight(v, " \t\r\n") != v {
			return true
		}
	}
	return false
}

// agreesTrimmed reports whether the Sigma verdict on the event with trailing
// white space trimmed off every value equals the Wazuh verdict.
func agreesTrimmed(evr *engine.Evaluator, i int, ev engine.Event, got bool) bool {
	flat, ok := ev.(*engine.FlatEvent)
	if !ok {
		return false
	}
	fields := make(map[string]engine.Value, len(flat.Fields))
	for k, v := range flat.Fields {
		if v.Kind == engine.KindString {
			v.S = strings.TrimRight(v.S, " \t\r\n")
		}
		fields[k] = v
	}
	want, err := evr.MatchDetection(i, engine.NewFlatEvent(fields))
	return err == nil && want == got
}
