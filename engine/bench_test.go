package engine_test

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

// processCreation returns the SigmaHQ windows process_creation rules and the
// process-creation events (Sysmon 1, Security 4688) of the regression captures.
func processCreation(b *testing.B) ([]*ast.Rule, []engine.Event) {
	var rules []*ast.Rule
	for _, r := range sigmaHQRules(b) {
		if gentest.IsProcessCreationRule(r) {
			rules = append(rules, r)
		}
	}
	var events []engine.Event
	for _, rec := range regressionEvents(b) {
		if gentest.IsProcessCreationEvent(rec.Event) {
			events = append(events, rec.Event)
		}
	}
	if len(events) == 0 {
		b.Skip("no process creation events")
	}
	return rules, events
}

// BenchmarkProcessCreation evaluates every SigmaHQ windows process_creation rule
// on a stream of process-creation events: rulec's Ruleset, and sigma-go v0.6.6
// (one RuleEvaluator per rule, as in its README, and its ForRules bundle) on the
// same events. One op is one event against the whole rule set.
func BenchmarkProcessCreation(b *testing.B) {
	rules, events := processCreation(b)

	b.Run("rulec", func(b *testing.B) {
		rs, diags := engine.NewRuleset(rules, engine.Options{})
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		ev := rs.NewEvaluator()
		warmUp(ev, events)
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			matches += len(ev.Match(events[i%len(events)]))
		}
		gentest.Report(b, len(rules), len(events), matches)
	})

	files := make([]string, len(rules))
	for i, r := range rules {
		files[i] = r.Pos.File
	}
	gentest.BenchSigmaGo(b, files, events)
}

// BenchmarkAllRules evaluates every SigmaHQ detection rule (all logsources) on
// every event of the regression captures. One op is one event.
func BenchmarkAllRules(b *testing.B) {
	rules := sigmaHQRules(b)
	var events []engine.Event
	for _, rec := range regressionEvents(b) {
		events = append(events, rec.Event)
	}
	rs, diags := engine.NewRuleset(rules, engine.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	ev := rs.NewEvaluator()
	warmUp(ev, events)
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		matches += len(ev.Match(events[i%len(events)]))
	}
	gentest.Report(b, rs.Len(), len(events), matches)
}

// BenchmarkLoadCompileSigmaHQ loads every SigmaHQ rule file (rules* folders)
// and compiles the detection rules into a Ruleset: what rulec scan does before
// it reads the first event. One op is one load and compilation.
func BenchmarkLoadCompileSigmaHQ(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	b.ReportAllocs()
	rules, windows := 0, 0
	for i := 0; i < b.N; i++ {
		res := frontend.Load(dirs, frontend.Options{})
		rs, _ := engine.NewRuleset(res.Rules, engine.Options{})
		rules = rs.Len()
		windows = 0
		for _, r := range res.Rules {
			if strings.EqualFold(r.Logsource.Product, "windows") {
				windows++
			}
		}
	}
	b.ReportMetric(float64(rules), "rules")
	b.ReportMetric(float64(windows), "windows-rules")
}

// warmUp matches every event once, outside the timing: the index automata of
// the fields the events have are built on first use.
func warmUp(ev *engine.Evaluator, events []engine.Event) {
	for _, e := range events {
		ev.Match(e)
	}
}
