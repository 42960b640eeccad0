package engine

import (
	"testing"

	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestSigmaHQCompiles compiles every SigmaHQ rule: only rules whose regular
// expressions RE2 cannot run may fail, each with a diagnostic.
func TestSigmaHQCompiles(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	res := frontend.Load(dirs, frontend.Options{})
	rs, diags := NewRuleset(res.Rules, Options{})
	for _, d := range diags {
		t.Log(d.Error())
	}
	t.Logf("%d rules loaded, %d compiled, %d diagnostics", len(res.Rules), rs.Len(), len(diags))
	indexed, total := 0, 0
	for _, g := range rs.Groups() {
		t.Logf("group %-60s rules %4d indexed %4d", g.Key, g.Rules, g.Indexed)
		indexed += g.Indexed
		total += g.Rules
	}
	t.Logf("indexed %d of %d", indexed, total)
}
