package wazuh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

// TestBuildSidecar: a root rule on the alert lines' marker, one rule per Sigma
// rule keyed on its id with level, MITRE ids and groups, a catch-all last;
// hostile ids are escaped; a duplicate id is reported once; ids are stable.
func TestBuildSidecar(t *testing.T) {
	rules := []*ast.Rule{
		{ID: "0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01", Title: "Whoami", Level: "high", Tags: []string{"attack.discovery", "attack.t1033"}, Pos: ast.Pos{File: "a.yml", Line: 1}},
		{ID: "x$(y)<z>.*", Title: "Hostile <id> & title", Level: "critical", Pos: ast.Pos{File: "b.yml", Line: 1}},
		{ID: "0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01", Title: "Duplicate", Pos: ast.Pos{File: "c.yml", Line: 1}},
	}
	ids, _ := NewIDMap(DefaultIDMin, DefaultIDMax)
	res, err := BuildSidecar(rules, SidecarOptions{IDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rules) != 4 || res.RootID != res.Rules[0].ID || res.CatchAllID != res.Rules[3].ID {
		t.Fatalf("%d rules: %+v", len(res.Rules), res.Rules)
	}
	root := res.Rules[0]
	if root.Level != 0 || root.DecodedAs != "json" || root.Fields[0].Name != "integration" || root.Fields[0].Pattern != `^rulec\z` {
		t.Errorf("root %+v", root)
	}
	w := res.Rules[1]
	prof, _ := DefaultProfile()
	if w.Level != prof.Level("high") || w.IfSID[0] != res.RootID || w.Fields[0].Name != "rule_id" ||
		w.Fields[0].Pattern != `^0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01\z` || strings.Join(w.Mitre, ",") != "T1033" ||
		!strings.Contains(strings.Join(w.Groups, ","), "sigma_id_0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01") || !strings.Contains(strings.Join(w.Groups, ","), "attack.t1033") {
		t.Errorf("rule %+v", w)
	}
	if p := res.Rules[2].Fields[0].Pattern; p != `^x\x24\(y\)\x3cz\x3e\.\*\z` {
		t.Errorf("hostile id pattern %s", p)
	}
	if len(res.Diagnostics) != 1 || !strings.Contains(res.Diagnostics[0].Message, "already given") {
		t.Errorf("diagnostics %v", res.Diagnostics)
	}
	if strings.Contains(string(res.XML), "&") {
		t.Errorf("entity in the XML:\n%s", res.XML)
	}
	// The id map keeps the ids when a rule is added before the others.
	path := filepath.Join(t.TempDir(), "ids.yml")
	os.WriteFile(path, ids.Bytes(), 0o644)
	ids2, err := LoadIDMap(path, DefaultIDMin, DefaultIDMax)
	if err != nil {
		t.Fatal(err)
	}
	again, err := BuildSidecar(append([]*ast.Rule{{ID: "new", Title: "New"}}, rules...), SidecarOptions{IDs: ids2})
	if err != nil {
		t.Fatal(err)
	}
	if again.RootID != res.RootID || again.CatchAllID != res.CatchAllID || again.ByRef["0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01"] != w.ID || again.ByRef["new"] <= res.CatchAllID {
		t.Errorf("ids moved: %+v vs %+v", again.ByRef, res.ByRef)
	}
}
