package frontend

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/internal/shared"
)

// TestSigmaHQRulesLoad loads every SigmaHQ rule folder: zero failures allowed.
func TestSigmaHQRulesLoad(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	res := Load(dirs, Options{})
	for _, d := range res.Diagnostics {
		if d.Severity == ast.SeverityError {
			t.Errorf("%s", d.Error())
		}
	}
	counts := map[ast.Kind]int{}
	for _, r := range res.Rules {
		counts[r.Kind]++
	}
	t.Logf("SigmaHQ rules*: %d files, %d rules loaded (%d detection, %d correlation, %d filter), %d files failed",
		res.Files, len(res.Rules), counts[ast.KindDetection], counts[ast.KindCorrelation], counts[ast.KindFilter], len(res.FailedFiles))
	if res.Files < 3000 || len(res.Rules) < res.Files {
		t.Errorf("expected every one of the ~4,000 SigmaHQ files to load, got %d rules from %d files", len(res.Rules), res.Files)
	}
}

// TestSigmaHQDeprecatedUnsupported checks that deprecated/ and unsupported/ either
// load or fail with a precise reason (never a panic or a vague error).
func TestSigmaHQDeprecatedUnsupported(t *testing.T) {
	base := shared.Path(t, "sigmahq")
	res := Load([]string{filepath.Join(base, "deprecated"), filepath.Join(base, "unsupported")}, Options{})
	reasons := map[string]int{}
	for _, d := range res.Diagnostics {
		if d.Severity != ast.SeverityError {
			continue
		}
		if d.Pos.Line == 0 || d.Pos.Col == 0 {
			t.Errorf("diagnostic without line/column: %s", d.Error())
		}
		switch {
		case strings.Contains(d.Message, "Sigma 1.0 syntax"):
			reasons["legacy aggregation"]++
		case d.Code == "condition-syntax":
			reasons["non-Sigma condition"]++
		default:
			reasons[d.Code]++
			t.Errorf("unexpected failure reason: %s", d.Error())
		}
	}
	t.Logf("deprecated+unsupported: %d files, %d rules loaded, %d files failed; reasons: %v", res.Files, len(res.Rules), len(res.FailedFiles), reasons)
}

// TestSpecExamplesLoad loads the Sigma specification's own example documents.
func TestSpecExamplesLoad(t *testing.T) {
	dir := shared.Path(t, "reference", "sigma-specification", "tests")
	res := Load([]string{dir}, Options{})
	for _, d := range res.Diagnostics {
		// The examples reference rules that are not part of the examples.
		if d.Code != "unresolved-reference" {
			t.Errorf("%s", d.Error())
		}
	}
	if res.Files < 10 || len(res.Rules) < res.Files {
		t.Errorf("loaded %d rules from %d files", len(res.Rules), res.Files)
	}
}

// BenchmarkLoadSigmaHQ measures loading every SigmaHQ rule (rules* folders).
func BenchmarkLoadSigmaHQ(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	b.ReportAllocs()
	var rules int
	for i := 0; i < b.N; i++ {
		res := Load(dirs, Options{})
		rules = len(res.Rules)
	}
	b.ReportMetric(float64(rules), "rules")
}
