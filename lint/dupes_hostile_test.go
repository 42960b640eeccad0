package lint

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/frontend"
)

// sameID is n rules (documents of one file) sharing one id and one name.
func sameID(n int) *frontend.Result {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "---\ntitle: Rule %d\nid: 5f1d3c9e-0f4b-4c2a-9d6e-2b7a8c1e4f00\nname: same\nstatus: test\nlevel: low\nlogsource: {product: windows}\ndetection: {sel: {A: x%d}, condition: sel}\n", i, i)
	}
	return frontend.LoadBytes("same.yml", []byte(b.String()))
}

// Issue 12: 10,000 rules with one id took 87 s and 17.8 GB, with a quadratic report
// (every rule listed every other). Now at most MaxGroupFindings findings per group,
// each naming at most MaxGroupFindings positions.
func TestDuplicateIDsLinear(t *testing.T) {
	res := sameID(10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	rep := Run(res, Options{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	var ids, names, size int
	for _, f := range rep.Findings {
		if f.Check != "duplicate-id" {
			continue
		}
		size += len(f.Message)
		if len(f.Related) > DefaultMaxGroupFindings {
			t.Errorf("%d related positions", len(f.Related))
		}
		switch {
		case strings.HasPrefix(f.Message, "id "):
			ids++
			if !strings.Contains(f.Message, "and 9989 more") {
				t.Errorf("message %q", f.Message)
			}
			if ids == DefaultMaxGroupFindings && !strings.Contains(f.Message, "(10000 rules share it; the other 9990 are not reported: at most 10 findings per group)") {
				t.Errorf("last finding of the group: %q", f.Message)
			}
		case strings.HasPrefix(f.Message, "name "):
			names++
		}
	}
	t.Logf("10,000 rules with one id: lint in %v, %d MB allocated, %d duplicate-id findings, %d bytes of messages", elapsed, alloc>>20, ids+names, size)
	if ids != 10 || names != 10 || alloc > 512<<20 {
		t.Errorf("%d id and %d name findings, %d MB allocated", ids, names, alloc>>20)
	}
	// A smaller cap is honoured, and small groups are reported in full.
	rep = Run(sameID(3), Options{MaxGroupFindings: 1})
	var msgs []string
	for _, f := range rep.Findings {
		if f.Check == "duplicate-id" {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 2 || !strings.Contains(msgs[0], "and 1 more (3 rules share it; the other 2 are not reported") {
		t.Errorf("cap 1: %q", msgs)
	}
	rep = Run(sameID(3), Options{})
	msgs = nil
	for _, f := range rep.Findings {
		if f.Check == "duplicate-id" {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 6 || strings.Contains(strings.Join(msgs, ""), "more") {
		t.Errorf("3 rules: %q", msgs)
	}
}
