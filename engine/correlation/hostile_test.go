package correlation

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

// Issue 12, correlation evasion and fan-out: each test builds the hostile input
// and asserts the bound and its report in Stats.

func loadSrc(t testing.TB, src string) ([]*ast.Rule, map[string]*ast.Rule) {
	t.Helper()
	res := frontend.LoadBytes("h.yml", []byte(baseRules+"---\n"+src))
	if len(res.FailedFiles) > 0 {
		t.Fatalf("%v", res.Diagnostics)
	}
	m := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		m[r.Name] = r
		m[r.Title] = r
	}
	return res.Rules, m
}

func user(name string) engine.Event {
	return engine.NewFlatEvent(map[string]engine.Value{"user": {Kind: engine.KindString, S: name}})
}

// allocated returns the bytes fn allocated and the heap in use after it.
func allocated(fn func()) (total, inUse uint64) {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	total = b.TotalAlloc - a.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&b)
	return total, b.HeapInuse
}

// fanoutGraph has `levels` levels of three correlations, each referencing the three
// below: one base event makes 3^level alerts at each level (the 14 KB graph
// made 531,441).
func fanoutGraph(levels int) string {
	var b strings.Builder
	for l := 1; l <= levels; l++ {
		for k := 0; k < 3; k++ {
			refs := "failed"
			if l > 1 {
				refs = fmt.Sprintf("l%d_0, l%d_1, l%d_2", l-1, l-1, l-1)
			}
			fmt.Fprintf(&b, "---\ntitle: L%d %d\nname: l%d_%d\ncorrelation: {type: event_count, rules: [%s], timespan: 1h, condition: {gte: 1}}\n", l, k, l, k, refs)
		}
	}
	return strings.TrimPrefix(b.String(), "---\n")
}

func TestFanOutBudget(t *testing.T) {
	rules, m := loadSrc(t, fanoutGraph(10)) // 88,572 alerts from one event without a budget
	e, _ := New(rules, Options{MaxAlertsPerEvent: 500, MaxAlerts: 700})
	var n int
	total, _ := allocated(func() { n = len(e.Observe(Match{Rule: m["failed"], Event: user("a"), Time: t0})) })
	st := e.Stats()
	t.Logf("one event through 10 levels of 3: %d alerts, %d KB allocated, %+v", n, total>>10, st)
	if n != 500 || st.FanOutCut != 1 || st.AlertsCut == 0 {
		t.Errorf("alerts %d, stats %+v; want 500 and the cut reported", n, st)
	}
	if total > 16<<20 {
		t.Errorf("allocated %d MB", total>>20)
	}
	// The run's total: 200 more, then nothing.
	n = len(e.Observe(Match{Rule: m["failed"], Event: user("a"), Time: t0}))
	n += len(e.Observe(Match{Rule: m["failed"], Event: user("a"), Time: t0}))
	if n != 200 {
		t.Errorf("second and third events: %d alerts, want 200 (MaxAlerts 700)", n)
	}
}

func TestFutureTimestampRefused(t *testing.T) {
	corr := "title: C\ncorrelation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 2}}"
	rules, m := loadSrc(t, corr)
	run := func(opts Options, forged time.Time) ([]Alert, Stats) {
		e, _ := New(rules, opts)
		var as []Alert
		as = append(as, e.Observe(Match{Rule: m["failed"], Event: user("x"), Time: forged})...)
		for i := 0; i < 4; i++ {
			as = append(as, e.Observe(Match{Rule: m["failed"], Event: user("v"), Time: t0.Add(time.Duration(i) * time.Second)})...)
		}
		return append(as, e.Flush()...), e.Stats()
	}
	// Against the wall clock: 9999-12-31 (before: 0 alerts, 4 late events).
	as, st := run(Options{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	if len(as) != 2 || st.Future != 1 || st.Late != 0 {
		t.Errorf("9999-12-31: %d alerts, %+v; want 2 and one future event", len(as), st)
	}
	// Against the stream's clock: a second event two days ahead, first in the stream
	// after one normal event, is held and refused when the stream goes on behind it.
	e, _ := New(rules, Options{Now: func() time.Time { return t0.Add(365 * 24 * time.Hour) }})
	var n int
	n += len(e.Observe(Match{Rule: m["failed"], Event: user("v"), Time: t0}))
	n += len(e.Observe(Match{Rule: m["failed"], Event: user("x"), Time: t0.Add(48 * time.Hour)}))
	for i := 1; i < 4; i++ {
		n += len(e.Observe(Match{Rule: m["failed"], Event: user("v"), Time: t0.Add(time.Duration(i) * time.Second)}))
	}
	if st := e.Stats(); n != 2 || st.Future != 1 || st.Late != 0 {
		t.Errorf("stream jump: %d alerts, %+v", n, st)
	}
	// The first event of the stream forged within the wall clock's tolerance: the
	// second, far behind it, restarts the clock.
	e, _ = New(rules, Options{Now: func() time.Time { return t0.Add(365 * 24 * time.Hour) }})
	n = len(e.Observe(Match{Rule: m["failed"], Event: user("x"), Time: t0.Add(300 * 24 * time.Hour)}))
	for i := 0; i < 4; i++ {
		n += len(e.Observe(Match{Rule: m["failed"], Event: user("v"), Time: t0.Add(time.Duration(i) * time.Second)}))
	}
	if st := e.Stats(); n != 2 || st.Future != 1 || st.Late != 0 || st.Groups != 0 {
		t.Errorf("forged first event: %d alerts, %+v", n, st)
	}
	// A real gap (two events agree on the new time) moves the clock.
	e, _ = New(rules, Options{Now: func() time.Time { return t0.Add(365 * 24 * time.Hour) }})
	n = len(e.Observe(Match{Rule: m["failed"], Event: user("v"), Time: t0}))
	n += len(e.Observe(Match{Rule: m["failed"], Event: user("w"), Time: t0.Add(48 * time.Hour)}))
	n += len(e.Observe(Match{Rule: m["failed"], Event: user("w"), Time: t0.Add(48*time.Hour + time.Second)}))
	if st := e.Stats(); n != 1 || st.Future != 0 {
		t.Errorf("real gap: %d alerts, %+v; want 1 and nothing refused", n, st)
	}
}

func TestCapEvictionKeepsGroupsCloseToFiring(t *testing.T) {
	corr := "title: C\ncorrelation: {type: event_count, rules: [failed], group-by: [user], timespan: 1h, condition: {gte: 5}}"
	rules, m := loadSrc(t, corr)
	e, _ := New(rules, Options{MaxGroups: 1000})
	var as []Alert
	for i := 0; i < 4; i++ {
		as = append(as, e.Observe(Match{Rule: m["failed"], Event: user("victim"), Time: t0})...)
	}
	for i := 0; i < 10000; i++ { // junk users, one event each, after the victim's
		as = append(as, e.Observe(Match{Rule: m["failed"], Event: user(fmt.Sprint("junk", i)), Time: t0.Add(time.Second)})...)
	}
	as = append(as, e.Observe(Match{Rule: m["failed"], Event: user("victim"), Time: t0.Add(2 * time.Second)})...)
	st := e.Stats()
	if len(as) != 1 || as[0].Group[0].Value != "victim" {
		t.Errorf("alerts %q; want the victim's (before: none)", describe(as))
	}
	if st.CapEvictions != 9001 || st.MaxEvictedProgress != 20 || st.Groups > 1000 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeepChainReported(t *testing.T) {
	var b strings.Builder
	for l := 1; l <= 20; l++ {
		ref := "failed"
		if l > 1 {
			ref = fmt.Sprintf("d%d", l-1)
		}
		fmt.Fprintf(&b, "---\ntitle: D%d\nname: d%d\ncorrelation: {type: event_count, rules: [%s], timespan: 1h, condition: {gte: 1}}\n", l, l, ref)
	}
	rules, m := loadSrc(t, strings.TrimPrefix(b.String(), "---\n"))
	e, errs := New(rules, Options{})
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	as := e.Observe(Match{Rule: m["failed"], Event: user("a"), Time: t0})
	st := e.Stats()
	if len(as) != 16 || st.DeepRules != 4 || st.DepthCut != 1 || len(e.Warnings()) != 4 ||
		!strings.Contains(e.Warnings()[0].Error(), `correlation "D17" is 17 levels above detection rules`) {
		t.Errorf("%d alerts, %+v, warnings %v", len(as), st, e.Warnings())
	}
}

// A window without group-by used to keep every event (3 M events: 870 MB).
func TestWindowMemoryBounded(t *testing.T) {
	const events = 200000
	tests := []struct {
		cond  string
		check func(Stats) bool
	}{
		{"type: event_count, rules: [failed], timespan: 1d, condition: {lt: 5}", func(s Stats) bool { return s.Folded > events-600 }},
		{"type: event_count, rules: [failed], timespan: 1d, condition: {gte: 100000000}", func(s Stats) bool { return s.Merged > 0 && s.Merged <= events }},
		{"type: value_avg, rules: [failed], timespan: 1d, condition: {field: n, gt: 5}", func(s Stats) bool { return s.Folded > events-600 }},
		{"type: value_count, rules: [failed], timespan: 1d, condition: {field: n, gte: 100000}", func(s Stats) bool { return s.Truncated == 0 && s.Folded > events-20 }},
		{"type: value_median, rules: [failed], timespan: 1d, condition: {field: n, gt: 5}", func(s Stats) bool { return s.Truncated > 0 }},
		{"type: temporal_ordered, rules: [failed, success], timespan: 1d", func(s Stats) bool { return s.Folded == events-1 }},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			rules, m := loadSrc(t, "title: W\ncorrelation: {"+tc.cond+"}")
			e, _ := New(rules, Options{})
			ev := engine.NewFlatEvent(map[string]engine.Value{"n": {Kind: engine.KindNumber, N: 3, S: "3"}})
			total, heap := allocated(func() {
				for i := 0; i < events; i++ {
					e.Observe(Match{Rule: m["failed"], Event: ev, Time: t0.Add(time.Duration(i) * time.Millisecond)})
				}
			})
			st := e.Stats()
			var kept int
			for _, c := range e.corrs {
				for _, el := range c.groups {
					kept += len(el.Value.(*group).entries)
				}
			}
			t.Logf("%d events: %d kept, %d MB allocated, heap %d MB, %+v", events, kept, total>>20, heap>>20, st)
			if kept > DefaultMaxWindowEvents*2 || !tc.check(st) {
				t.Errorf("%d events kept, stats %+v", kept, st)
			}
			runtime.KeepAlive(e)
		})
	}
}

// The bounded modes keep the exact count: a sliding count over the window cap
// still fires at its threshold, and a value_count over repeated values stays exact.
func TestBoundedWindowsStayExact(t *testing.T) {
	rules, m := loadSrc(t, "title: W\ncorrelation: {type: event_count, rules: [failed], timespan: 1h, condition: {gte: 50}}\n---\ntitle: V\ncorrelation: {type: value_count, rules: [failed], timespan: 1h, condition: {field: n, gte: 3}}")
	e, _ := New(rules, Options{MaxWindowEvents: 16})
	var fired []string
	for i := 0; i < 50; i++ {
		n := "1"
		if i == 48 {
			n = "2"
		} else if i == 49 {
			n = "3"
		}
		ev := engine.NewFlatEvent(map[string]engine.Value{"n": {Kind: engine.KindString, S: n}})
		for _, a := range e.Observe(Match{Rule: m["failed"], Event: ev, Time: t0.Add(time.Duration(i) * time.Second), Ref: EventRef{Index: i}}) {
			fired = append(fired, fmt.Sprintf("%s=%v", a.Rule.Title, a.Value))
		}
	}
	if strings.Join(fired, " ") != "W=50 V=3" {
		t.Errorf("fired %v, stats %+v", fired, e.Stats())
	}
}
