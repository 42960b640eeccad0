package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine/correlation"
)

// rulec scan reports every decision the correlation budgets took (issue 12).
func TestPrintCorrelationStats(t *testing.T) {
	var b bytes.Buffer
	printCorrelationStats(&b, correlation.Stats{})
	if b.Len() != 0 {
		t.Errorf("nothing to report, printed %q", b.String())
	}
	printCorrelationStats(&b, correlation.Stats{CapEvictions: 3, MaxEvictedProgress: 20, Future: 1, FanOutCut: 1, AlertsCut: 7,
		DeepRules: 2, DepthCut: 5, Folded: 9, Merged: 4, Truncated: 6})
	out := b.String()
	for _, want := range []string{"3 groups evicted", "at 20% of its threshold", "1 events refused for a time beyond the future tolerance",
		"1 events whose alerts were cut at the fan-out budget (1000 per event)", "7 alerts dropped", "2 correlations deeper than 16",
		"5 chained alerts", "9 events counted in window aggregates", "4 events merged", "6 events dropped from windows over 10000"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in %q", want, out)
		}
	}
}
