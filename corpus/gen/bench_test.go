package gen

import (
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
)

// BenchmarkCorpus runs the compiled corpus rules and the interpreter over the
// corpus logs: one op is one event against every rule.
func BenchmarkCorpus(b *testing.B) {
	paths, _ := generateArgs(b)
	files, _ := filepath.Glob("../logs/*.jsonl")
	var events []engine.Event
	for _, f := range files {
		recs, _, err := logs.ReadAll(f, logs.FormatAuto)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			events = append(events, r.Event)
		}
	}
	if len(events) == 0 {
		b.Skip("no corpus logs")
	}
	b.Run("compiled", func(b *testing.B) {
		m := NewMatcher()
		n := 0
		count := func(*Rule) { n++ }
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m.Match(events[i%len(events)], count)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("interpreter", func(b *testing.B) {
		rs, _ := engine.NewRuleset(frontend.Load(paths, frontend.Options{}).Rules, engine.Options{})
		ev := rs.NewEvaluator()
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			ev.Match(events[i%len(events)])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
