package correlation

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

// benchStream streams 1,000,000 events over `keys` distinct group keys through an
// event_count and a value_count rule, reporting events/s and the heap in use at the end.
func benchStream(b *testing.B, keys, maxGroups int) {
	src := baseRules + `---
title: Count
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 1h, condition: {gte: 1000000}}
---
title: Distinct
correlation: {type: value_count, rules: [failed], group-by: [user], timespan: 1h, condition: {field: host, gte: 1000000}}
`
	res := frontend.LoadBytes("bench.yml", []byte(src))
	var failed *ast.Rule
	for _, r := range res.Rules {
		if r.Name == "failed" {
			failed = r
		}
	}
	const n = 1000000
	users := make([]engine.Value, keys)
	for i := range users {
		users[i] = engine.Value{Kind: engine.KindString, S: "user" + strconv.Itoa(i)}
	}
	hosts := make([]engine.Value, 64)
	for i := range hosts {
		hosts[i] = engine.Value{Kind: engine.KindString, S: "host" + strconv.Itoa(i)}
	}
	ev := engine.NewFlatEvent(map[string]engine.Value{})
	b.ReportAllocs()
	b.ResetTimer()
	var heap uint64
	for it := 0; it < b.N; it++ {
		e, _ := New(res.Rules, Options{MaxGroups: maxGroups})
		for i := 0; i < n; i++ {
			ev.Fields["user"] = users[(i*7919)%keys]
			ev.Fields["host"] = hosts[i%len(hosts)]
			e.Observe(Match{Rule: failed, Event: ev, Time: t0.Add(time.Duration(i) * time.Millisecond)})
		}
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = ms.HeapInuse
		if st := e.Stats(); st.Groups > 2*maxGroups {
			b.Fatalf("groups %d over cap %d", st.Groups, maxGroups)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(heap)/(1<<20), "heapMiB")
}

// BenchmarkCorrelation100kKeys: 1M events over 100,000 keys, cap 100,000.
func BenchmarkCorrelation100kKeys(b *testing.B) { benchStream(b, 100000, 100000) }

// BenchmarkCorrelation1MKeysCapped: 1M events over 1,000,000 keys with the cap at 100,000: memory stays flat.
func BenchmarkCorrelation1MKeysCapped(b *testing.B) { benchStream(b, 1000000, 100000) }
