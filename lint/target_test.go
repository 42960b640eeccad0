package lint

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
)

// The Wazuh backend implements Target without importing lint.
var _ Target = wazuh.LintTarget{}

// backends are the target implementations the tests pass, as cmd/rulec does.
func backends() []Target { return []Target{wazuh.LintTarget{}} }

// TestNoBackendImport proves that lint imports no backend: target checks go
// through Target, regex analysis through internal/backtrack.
func TestNoBackendImport(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Skipf("go list -deps: %v: %s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "/rulec/backends/") || strings.HasSuffix(pkg, "/rulec/engine") || strings.Contains(pkg, "/rulec/engine/") {
			t.Errorf("lint depends on %s", pkg)
		}
	}
	if !strings.Contains(string(out), "github.com/rulec/rulec/lint\n") {
		t.Errorf("go list -deps . does not list lint itself:\n%s", out)
	}
}

// fakeTarget reports every rule as unsupported, at its detection key.
type fakeTarget struct{ err error }

func (fakeTarget) Name() string { return TargetWazuh }

func (f fakeTarget) Unsupported(rules []*ast.Rule, report func(*ast.Rule, ast.Pos, string)) error {
	for _, r := range rules {
		report(r, r.KeyPos("detection"), "fake reason")
	}
	return f.err
}

// TestTargetInterface: wazuh-unsupported reports what the Target given in
// Options.Backends says, and says so when no implementation was given.
func TestTargetInterface(t *testing.T) {
	rep := Run(frontend.LoadBytes("x.yml", []byte(cleanRule)), Options{Targets: []string{TargetWazuh}, Backends: []Target{fakeTarget{}}})
	fs := findingsOf(rep, "wazuh-unsupported")
	if len(fs) != 1 || fs[0].Message != "not convertible to Wazuh: fake reason" || fs[0].Pos.Line != 16 {
		t.Errorf("with a fake target: %s", describe(fs))
	}
	rep = Run(frontend.LoadBytes("x.yml", []byte(cleanRule)), Options{Targets: []string{TargetWazuh}})
	fs = findingsOf(rep, "wazuh-unsupported")
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "not available") {
		t.Errorf("without a target implementation: %s", describe(fs))
	}
}
