package gentest

import (
	"context"
	"os"
	"testing"

	sigma "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/rulec/rulec/engine"
)

// BenchSigmaGo runs sigma-go v0.6.6 on the same events as the caller's own
// sub-benchmarks, as two sub-benchmarks: "sigma-go" (one RuleEvaluator per rule,
// as its README does) and "sigma-go-bundle" (its ForRules bundle). Rule files
// sigma-go cannot parse are left out. It returns the faster of the two's
// events/s, for callers that report a ratio measured in the same run.
func BenchSigmaGo(b *testing.B, ruleFiles []string, events []engine.Event) (best float64) {
	var parsed []sigma.Rule
	for _, f := range ruleFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if sr, err := sigma.ParseRule(data); err == nil {
			parsed = append(parsed, sr)
		}
	}
	maps := make([]map[string]any, len(events))
	for i, e := range events {
		maps[i] = SigmaGoEvent(e)
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
		Report(b, len(parsed), len(events), matches)
		best = max(best, rate(b))
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
		Report(b, len(parsed), len(events), matches)
		best = max(best, rate(b))
	})
	return best
}

// rate is a finished benchmark's events per second (one op is one event).
func rate(b *testing.B) float64 {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		return float64(b.N) / sec
	}
	return 0
}
