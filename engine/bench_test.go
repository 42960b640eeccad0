package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"

	sigma "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
)

// processCreation returns the SigmaHQ windows process_creation rules and the
// process-creation events (Sysmon 1, Security 4688) of the regression captures.
func processCreation(b *testing.B) ([]*ast.Rule, []engine.Event) {
	var rules []*ast.Rule
	for _, r := range sigmaHQRules(b) {
		if strings.EqualFold(r.Logsource.Product, "windows") && strings.EqualFold(r.Logsource.Category, "process_creation") {
			rules = append(rules, r)
		}
	}
	var events []engine.Event
	for _, rec := range regressionEvents(b) {
		ch, _ := rec.Event.Get("Channel")
		id, _ := rec.Event.Get("EventID")
		if (ch.S == "Microsoft-Windows-Sysmon/Operational" && id.S == "1") || (ch.S == "Security" && id.S == "4688") {
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
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			matches += len(ev.Match(events[i%len(events)]))
		}
		report(b, len(rules), len(events), matches)
	})

	var parsed []sigma.Rule
	for _, r := range rules {
		data, err := os.ReadFile(r.Pos.File)
		if err != nil {
			b.Fatal(err)
		}
		if sr, err := sigma.ParseRule(data); err == nil {
			parsed = append(parsed, sr)
		}
	}
	maps := make([]map[string]any, len(events))
	for i, e := range events {
		maps[i] = toSigmaGo(e)
	}

	b.Run("sigma-go", func(b *testing.B) {
		evals := make([]*sigmaeval.RuleEvaluator, len(parsed))
		for i, r := range parsed {
			evals[i] = sigmaeval.ForRule(r)
		}
		ctx := context.Background()
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m := maps[i%len(maps)]
			for _, e := range evals {
				if res, err := e.Matches(ctx, m); err == nil && res.Match {
					matches++
				}
			}
		}
		report(b, len(parsed), len(events), matches)
	})

	b.Run("sigma-go-bundle", func(b *testing.B) {
		bundle := sigmaeval.ForRules(parsed)
		ctx := context.Background()
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, _ := bundle.Matches(ctx, maps[i%len(maps)])
			for _, r := range res {
				if r.Match {
					matches++
				}
			}
		}
		report(b, len(parsed), len(events), matches)
	})
}

func report(b *testing.B, rules, events, matches int) {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(b.N)/sec, "events/s")
	}
	b.ReportMetric(float64(rules), "rules")
	b.ReportMetric(float64(events), "stream")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}

// toSigmaGo converts an event to the flat map sigma-go reads.
func toSigmaGo(e engine.Event) map[string]any {
	m := map[string]any{}
	e.Each(func(field string, v engine.Value) bool {
		switch v.Kind {
		case engine.KindNumber:
			if v.N == float64(int64(v.N)) {
				m[field] = int(v.N)
			} else {
				m[field] = v.N
			}
		case engine.KindBool:
			m[field] = v.B
		case engine.KindNull:
			m[field] = nil
		default:
			m[field] = v.S
		}
		return true
	})
	return m
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
	matches := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		matches += len(ev.Match(events[i%len(events)]))
	}
	report(b, rs.Len(), len(events), matches)
}
