//go:build linux

package wazuh_test

import (
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/analysisd"
	"github.com/rulec/rulec/internal/shared"
)

// BenchmarkAnalysisdConfigTestSigmaHQ measures what a manager pays at every
// start for all of SigmaHQ: `wazuh-analysisd -t` with the build deployed,
// against the stock ruleset alone in the same run (the target is at
// most 3x). It also reports the rule-tree size the build computes.
func BenchmarkAnalysisdConfigTestSigmaHQ(b *testing.B) {
	dirs := sigmaHQDirs()
	if len(dirs) == 0 {
		b.Skip("../shared/sigmahq absent")
	}
	e := analysisd.Find(b)
	stockXML, err := e.StockLocalRules()
	if err != nil {
		b.Fatal(err)
	}
	res, err := wazuh.Build(frontend.Load(dirs, frontend.Options{}).Rules,
		wazuh.Options{StockRules: shared.Path(b, "reference", "wazuh-ruleset", "rules")})
	if err != nil {
		b.Fatal(err)
	}
	var stock, all float64
	b.ResetTimer()
	for range b.N {
		if out, err := e.ConfigTest(stockXML); err != nil {
			b.Fatalf("-t on the stock ruleset: %v\n%s", err, out)
		}
		stock += e.ConfigTestDuration.Seconds()
		if out, err := e.ConfigTest(res.XML); err != nil {
			b.Fatalf("-t on the SigmaHQ build: %v\n%s", err, out)
		}
		all += e.ConfigTestDuration.Seconds()
	}
	n := float64(b.N)
	b.ReportMetric(stock/n, "stock-s")
	b.ReportMetric(all/n, "sigmahq-s")
	b.ReportMetric(all/stock, "x-stock")
	b.ReportMetric(float64(res.Report.WazuhRules), "wazuh-rules")
	if res.Report.StockTreeNodes > 0 {
		b.ReportMetric(float64(res.Report.TreeNodes)/float64(res.Report.StockTreeNodes), "x-stock-nodes")
	}
}
