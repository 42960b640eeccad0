package shadow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportGraph keeps the simulator and the Sigma engine out of the
// production import graph of the Wazuh backend: the backend and this analysis
// must not depend on wazuhsim (a test oracle) nor on engine, read from the
// Deps of `go list -json`.
func TestImportGraph(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: skipping the import graph check")
	}
	const mod = "github.com/rulec/rulec/"
	out, err := exec.Command(goBin, "list", "-json", mod+"backends/wazuh", mod+"backends/wazuh/shadow").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := []string{mod + "backends/wazuh/wazuhsim", mod + "engine"}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list -json: %v", err)
		}
		seen++
		if len(p.Deps) == 0 {
			t.Errorf("%s: no dependencies listed", p.ImportPath)
		}
		for _, d := range p.Deps {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s", p.ImportPath, d)
				}
			}
		}
	}
	if seen != 2 {
		t.Errorf("go list described %d packages, want 2", seen)
	}
}
