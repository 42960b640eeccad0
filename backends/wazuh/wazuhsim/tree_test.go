package wazuhsim

import (
	"slices"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/backends/wazuh/shadow"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestTreeMatchesShadowModel: the shadowing analysis (package shadow) builds
// analysisd's rule tree; the simulator copies it to run events (sync), and
// the copy must be that tree, node for node, for the stock ruleset with all
// of SigmaHQ's generated rules, loaded in two steps.
func TestTreeMatchesShadowModel(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: loads all of SigmaHQ")
	}
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	loaded := frontend.Load(shared.SigmaHQRuleDirs(t), frontend.Options{})
	res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := LoadDirs([]string{stock})
	if err != nil {
		t.Fatal(err)
	}
	model, err := shadow.Load([]string{stock})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"stock", "stock and generated"} {
		if step != "stock" {
			if err := sim.AddFile(DefaultRulesFile, res.XML); err != nil {
				t.Fatal(err)
			}
			if err := model.AddFile(DefaultRulesFile, res.XML); err != nil {
				t.Fatal(err)
			}
		}
		var ids, depths []int
		var walk func(list []*node, d int)
		walk = func(list []*node, d int) {
			for _, n := range list {
				ids, depths = append(ids, n.rule.ID), append(depths, d)
				walk(n.children, d+1)
			}
		}
		walk(sim.roots, 0)
		rules, mdepths := model.Tree()
		mids := make([]int, len(rules))
		for i, r := range rules {
			mids[i] = r.ID
		}
		if !slices.Equal(ids, mids) || !slices.Equal(depths, mdepths) {
			i := 0
			for i < min(len(ids), len(mids)) && ids[i] == mids[i] && depths[i] == mdepths[i] {
				i++
			}
			t.Fatalf("%s: trees differ at preorder node %d (simulator %d nodes, shadow model %d)", step, i, len(ids), len(mids))
		}
		t.Logf("%s: %d tree nodes agree", step, len(ids))
	}
}
