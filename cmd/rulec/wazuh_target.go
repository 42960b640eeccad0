package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
)

// wazuhMatcher answers `does rule i fire` by building the rules for Wazuh and
// running each event through the Wazuh-semantics simulator with the stock
// ruleset. Wazuh raises one alert per event, so the rule fires only when the
// event's one alert comes from one of its own Wazuh rules; when it does not,
// Explain names the rule the event ended on and why.
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
	for _, s := range res.Report.Skips {
		m.skipped[s.Sigma] = s.Reason
	}
	return m, sim.Warnings, nil
}

// outcome runs the event through Wazuh: the rule it ends on (nil when no rule
// of the tree matched).
func (m *wazuhMatcher) outcome(ev engine.Event) (*wazuhsim.Rule, error) {
	dec, err := wazuhsim.Input{Event: ev}.Decode()
	if err != nil {
		return nil, fmt.Errorf("Wazuh cannot decode this event: %w", err)
	}
	// A fresh session per event: detection tests do not share correlation state.
	return m.sim.NewSession().Process(dec, time.Unix(0, 0)), nil
}

// MatchRule runs the event through Wazuh and reports whether its alert comes
// from one of rule i's Wazuh rules.
func (m *wazuhMatcher) MatchRule(i int, ev engine.Event) (bool, error) {
	r := m.rs.Rule(i)
	if reason, ok := m.skipped[r]; ok {
		return false, fmt.Errorf("not converted for Wazuh: %s", reason)
	}
	got, err := m.outcome(ev)
	if err != nil || got == nil || got.Level == 0 {
		return false, err
	}
	// Strict: the alert must name the rule (its own, or one that carries its
	// groups because the event matches both).
	return slices.Contains(m.build.SigmaRules(got.ID), r), nil
}

// Explain says where an event that rule i missed ended in Wazuh, and why.
func (m *wazuhMatcher) Explain(i int, ev engine.Event) string {
	got, err := m.outcome(ev)
	if err != nil {
		return err.Error()
	}
	mine, err := m.ev.MatchRule(i, ev)
	sigma := ""
	switch {
	case err != nil:
	case mine:
		sigma = "; the Sigma interpreter matches the rule on this event"
	default:
		sigma = "; the Sigma interpreter does not match the rule on this event either"
	}
	if got == nil {
		return "no Wazuh rule matched the event (it was not decoded into the rule's parents)" + sigma
	}
	desc := fmt.Sprintf("rule %d (level %d, %q)", got.ID, got.Level, got.Description)
	r, alerts, ok := m.build.Owner(got.ID)
	switch {
	case !ok && got.Level == 0:
		return "the event ended on stock level-0 " + desc + ", which hides it from every sibling" + sigma
	case !ok:
		return "the event alerted as stock " + desc + ", tried before the generated rules (one alert per event)" + sigma
	case r == m.rs.Rule(i) && !alerts:
		return "the event ended on the rule's own level-0 exception " + desc + sigma
	case !alerts:
		return fmt.Sprintf("the event ended on level-0 exception %s of Sigma rule %q, which hides it from every sibling%s", desc, r.Title, sigma)
	default:
		return fmt.Sprintf("the event alerted as %s of Sigma rule %q, tried first (one alert per event)%s", desc, r.Title, sigma)
	}
}

// MatchDetection is MatchRule: Wazuh rules always carry their logsource's parents.
func (m *wazuhMatcher) MatchDetection(i int, ev engine.Event) (bool, error) {
	return m.MatchRule(i, ev)
}

// InLogsource defers to the engine's logsource profile, for messages.
func (m *wazuhMatcher) InLogsource(i int, ev engine.Event) bool {
	return m.ev.InLogsource(i, ev)
}
