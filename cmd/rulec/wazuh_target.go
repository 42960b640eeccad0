package main

import (
	"fmt"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
)

// wazuhMatcher answers `does rule i fire` by building the rules for Wazuh and
// running each event through the Wazuh-semantics simulator with the stock
// ruleset. Wazuh raises one alert per event (the deepest rule that matched), so
// the rule counts as firing when the event alerts on one of its Wazuh rules, or
// on the Wazuh rule of another Sigma rule that Sigma semantics also fires on the
// event while rule i does too (the event is detected; which of the two rules
// reports it is Wazuh's choice).
type wazuhMatcher struct {
	rs    *engine.Ruleset
	build *wazuh.Result
	sim   *wazuhsim.Ruleset
	ev    *engine.Evaluator
	// skipped maps Sigma rules the backend left out to the reason.
	skipped map[*ast.Rule]string
}

func newWazuhMatcher(rs *engine.Ruleset, rules []*ast.Rule, stockDir string, profile *wazuh.Profile) (*wazuhMatcher, []string, error) {
	res, err := wazuh.Build(rules, wazuh.Options{Profile: profile})
	if err != nil {
		return nil, nil, fmt.Errorf("building the Wazuh rules: %w", err)
	}
	sim, err := wazuhsim.LoadDirs([]string{stockDir})
	if err != nil {
		return nil, nil, fmt.Errorf("loading the stock rules from %s: %w", stockDir, err)
	}
	if err := sim.AddFile(wazuhsim.DefaultRulesFile, res.XML); err != nil {
		return nil, sim.Warnings, fmt.Errorf("loading the generated rules: %w", err)
	}
	m := &wazuhMatcher{rs: rs, build: res, sim: sim, ev: rs.NewEvaluator(), skipped: map[*ast.Rule]string{}}
	byRef := map[string]*ast.Rule{}
	for _, r := range rules {
		byRef[r.Ref()+"\x00"+r.Pos.File] = r
	}
	for _, s := range res.Report.Skips {
		if r := byRef[s.Rule+"\x00"+s.Pos.File]; r != nil {
			m.skipped[r] = s.Reason
		}
	}
	return m, sim.Warnings, nil
}

// MatchRule runs the event through Wazuh and reports whether it alerts on rule i.
func (m *wazuhMatcher) MatchRule(i int, ev engine.Event) (bool, error) {
	r := m.rs.Rule(i)
	if reason, ok := m.skipped[r]; ok {
		return false, fmt.Errorf("not converted for Wazuh: %s", reason)
	}
	dec, err := wazuhsim.Input{Event: ev}.Decode()
	if err != nil {
		return false, fmt.Errorf("Wazuh cannot decode this event: %w", err)
	}
	// A fresh session per event: detection tests do not share correlation state.
	got := m.sim.NewSession().Process(dec, time.Unix(0, 0))
	if got == nil || got.Level == 0 {
		return false, nil
	}
	sr, ok := m.build.SigmaRule(got.ID)
	switch {
	case !ok:
		return false, nil
	case sr == r:
		return true, nil
	}
	ev2 := m.ev
	mine, err := ev2.MatchRule(i, ev)
	if err != nil || !mine {
		return false, err
	}
	for j := 0; j < m.rs.Len(); j++ {
		if m.rs.Rule(j) == sr {
			return ev2.MatchRule(j, ev)
		}
	}
	return false, nil
}

// MatchDetection is MatchRule: Wazuh rules always carry their logsource's parents.
func (m *wazuhMatcher) MatchDetection(i int, ev engine.Event) (bool, error) {
	return m.MatchRule(i, ev)
}

// InLogsource defers to the engine's logsource profile, for messages.
func (m *wazuhMatcher) InLogsource(i int, ev engine.Event) bool {
	return m.ev.InLogsource(i, ev)
}
