package detect

import (
	"context"
	"fmt"
	"testing"

	"github.com/rulec/rulec/engine/correlation"
)

// BenchmarkStream measures what the API adds to the engine per event: a
// Stream.Detect against the engine's own loop (Evaluator.Match, then the
// correlation engine for the rules it uses), over events of which half match
// and feed an event_count correlation grouped by 64 users.
func BenchmarkStream(b *testing.B) {
	prog, err := Compile(testRules, Paths("testdata/rules"))
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]Event, 1024)
	for i := range evs {
		image := "whoami.exe"
		if i%2 == 1 {
			image = "notepad.exe"
		}
		evs[i] = event(i, fmt.Sprint("user", i%64), image, i%60)
	}
	ctx := context.Background()
	b.Run("engine", func(b *testing.B) {
		ev := prog.rs.NewEvaluator()
		corr, _ := correlation.New(prog.rules, correlation.Options{})
		ts := correlation.TimeSource{}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e := evs[i%len(evs)]
			for _, r := range ev.Match(e.Fields) {
				t, _ := ts.Time(e.Fields)
				corr.Observe(correlation.Match{Rule: prog.rs.Rule(r), Event: e.Fields, Time: t,
					Ref: correlation.EventRef{Source: e.Source, Index: e.Index}})
			}
		}
	})
	b.Run("stream", func(b *testing.B) {
		s := prog.NewStream()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Detect(ctx, evs[i%len(evs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
