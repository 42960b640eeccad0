package wazuh_test

import (
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// BenchmarkBuildSigmaHQ converts every loaded SigmaHQ rule to one Wazuh rules file
// (loading the YAML is outside the timer).
func BenchmarkBuildSigmaHQ(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	loaded := frontend.Load(dirs, frontend.Options{})
	prof, err := wazuh.DefaultProfile()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := wazuh.Build(loaded.Rules, wazuh.Options{Profile: prof}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildSigmaHQWithShadowing converts every loaded SigmaHQ rule with
// the stock ruleset's shadowing report (loading the YAML is outside the
// timer): cold, with an empty verdicts cache each time (every search runs and
// the cache file is written), and warm, with the cache a previous build wrote.
func BenchmarkBuildSigmaHQWithShadowing(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	stock := shared.Path(b, "reference", "wazuh-ruleset", "rules")
	loaded := frontend.Load(dirs, frontend.Options{})
	prof, err := wazuh.DefaultProfile()
	if err != nil {
		b.Fatal(err)
	}
	build := func(b *testing.B, cache string) {
		if _, err := wazuh.Build(loaded.Rules, wazuh.Options{Profile: prof, StockRules: stock, ShadowCache: cache}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			build(b, b.TempDir())
		}
	})
	warm := b.TempDir()
	build(b, warm)
	b.Run("warm", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			build(b, warm)
		}
	})
}
