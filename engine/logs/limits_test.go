package logs

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

// nestedJSON is one line of `depth` nested objects with keys of keyLen bytes; the
// innermost value holds the needle.
func nestedJSON(depth, keyLen int) string {
	var b strings.Builder
	key := strings.Repeat("k", keyLen)
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, `{"v%d":"x","%s":`, i, key)
	}
	b.WriteString(`"the needle"`)
	b.WriteString(strings.Repeat("}", depth))
	b.WriteString("\n")
	return b.String()
}

func measure(fn func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	fn()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// readAllLimits reads every record and record error of a text log.
func readAllLimits(t *testing.T, src string, lim Limits) ([]Record, []error) {
	t.Helper()
	rd, err := NewReaderLimits("h.log", strings.NewReader(src), FormatAuto, lim)
	if err != nil {
		t.Fatal(err)
	}
	var recs []Record
	var errs []error
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		recs = append(recs, rec)
	}
}

// Issue 12: a 3 MB nested-JSON line with a keyword rule took 7.7 GB (every
// ancestor path string is built). The path budget keeps the cost linear in the
// record and the keyword still matches.
func TestNestedJSONPathBudget(t *testing.T) {
	src := nestedJSON(1000, 200) // 215 KB: 100 MB of paths without a budget
	res := frontend.LoadBytes("k.yml", []byte("title: k\nlogsource: {product: test}\ndetection:\n    keywords: ['needle']\n    condition: keywords\n"))
	rs, diags := engine.NewRuleset(res.Rules, engine.Options{IgnoreLogsource: true})
	if diags.HasErrors() || rs.Len() != 1 {
		t.Fatalf("%v %v", res.Diagnostics, diags)
	}
	run := func(lim Limits) (uint64, []int, []error) {
		var matched []int
		var errs []error
		alloc := measure(func() {
			recs, es := readAllLimits(t, src, lim)
			errs = es
			ev := rs.NewEvaluator()
			for _, r := range recs {
				matched = append(matched, ev.Match(r.Event)...)
			}
		})
		return alloc, matched, errs
	}
	unbounded, m0, _ := run(Limits{MaxPathBytes: 1 << 40})
	bounded, m1, errs := run(Limits{})
	t.Logf("%d KB nested line with a keyword rule: %d MB allocated without the budget, %d MB with it", len(src)>>10, unbounded>>20, bounded>>20)
	if len(m0) != 1 || len(m1) != 1 {
		t.Errorf("keyword matches: %v without the budget, %v with it; want the rule both times", m0, m1)
	}
	if len(errs) != 1 || !errors.Is(errs[0], ErrLimit) || !strings.Contains(errs[0].Error(), "h.log:1: record 0: ") ||
		!strings.Contains(errs[0].Error(), "Limits.MaxPathBytes") {
		t.Errorf("report: %v", errs)
	}
	if bounded > 40*uint64(len(src)) {
		t.Errorf("%d bytes allocated for a %d-byte record: not linear", bounded, len(src))
	}
	// An ordinary nested record is untouched.
	recs, errs := readAllLimits(t, `{"a":{"b":{"c":"d"}},"e":[{"f":1}]}`+"\n", Limits{})
	if v, ok := recs[0].Event.Get("a.b.c"); !ok || v.S != "d" || len(errs) != 0 {
		t.Errorf("a.b.c = %v %v, errors %v", v, ok, errs)
	}
}

// Issue 12: one auditd serial spread over a million lines took 3.3 GB. The
// records of one event and the bytes of all open events are bounded, and the cut
// is reported.
func TestAuditAssemblyBounded(t *testing.T) {
	var b strings.Builder
	const lines = 100000
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "type=PATH msg=audit(1700000000.000:42): item=%d name=\"/tmp/file%d\" inode=%d nametype=NORMAL\n", i, i, i)
	}
	b.WriteString("type=SYSCALL msg=audit(1700000000.000:43): syscall=59 exe=\"/bin/sh\"\n")
	src := b.String()
	var recs []Record
	var errs []error
	live := func(lim Limits) (alloc, heap uint64) {
		alloc = measure(func() { recs, errs = readAllLimits(t, src, lim) })
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return alloc, ms.HeapAlloc
	}
	recs = nil
	alloc0, heap0 := live(Limits{MaxAuditRecords: 1 << 30, MaxAuditEventBytes: 1 << 40, MaxAuditPendingBytes: 1 << 40})
	recs = nil
	alloc, heap := live(Limits{})
	t.Logf("%d lines of one serial (%d MB): %d MB allocated and %d MB live without the limits, %d MB and %d MB with them",
		lines, len(src)>>20, alloc0>>20, heap0>>20, alloc>>20, heap>>20)
	if len(recs) != 2 || len(errs) != 1 || !errors.Is(errs[0], ErrLimit) ||
		!strings.Contains(errs[0].Error(), fmt.Sprintf("audit event 1700000000.000:42: %d records beyond 1024 records", lines-DefaultMaxAuditRecords)) {
		t.Fatalf("%d records, errors %v", len(recs), errs)
	}
	if v, _ := recs[0].Event.Get("item"); len(v.Arr) != DefaultMaxAuditRecords {
		t.Errorf("first event has %d items, want %d", len(v.Arr), DefaultMaxAuditRecords)
	}
	if heap > 16<<20 || alloc > 6*uint64(len(src)) {
		t.Errorf("%d MB allocated and %d MB live for %d MB of input", alloc>>20, heap>>20, len(src)>>20)
	}
	// The bytes of all open events: many serials open at once, completed early past the cap.
	b.Reset()
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "type=SYSCALL msg=audit(1700000000.000:%d): syscall=59 comm=\"%s\"\n", i, strings.Repeat("x", 1000))
	}
	recs, errs = readAllLimits(t, b.String(), Limits{MaxAuditPendingBytes: 50000})
	if len(recs) != 200 || len(errs) < 150 || !strings.Contains(errs[0].Error(), "completed before its end") {
		t.Errorf("%d records, %d errors: %v", len(recs), len(errs), errs[:min(len(errs), 2)])
	}
}
