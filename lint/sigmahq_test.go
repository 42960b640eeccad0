package lint

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestSigmaHQ lints the SigmaHQ rule folders (Wazuh target on) and logs the findings
// per check. SigmaHQ is curated, so an error-level finding there is most likely a
// false positive of a check: none is allowed.
func TestSigmaHQ(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	res := frontend.Load(dirs, frontend.Options{})
	rep := Run(res, Options{Targets: []string{TargetWazuh}, Backends: backends(), ReadFile: os.ReadFile})
	counts := map[string]int{}
	for _, f := range rep.Findings {
		counts[f.Check]++
		if f.Severity == ast.SeverityError {
			t.Errorf("%s: %s [%s]", f.Pos, f.Message, f.Check)
		}
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		return counts[ids[i]] > counts[ids[j]] || counts[ids[i]] == counts[ids[j]] && ids[i] < ids[j]
	})
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "\n  %5d %s", counts[id], id)
	}
	t.Logf("SigmaHQ rules*: %d rules, %d findings:%s", rep.Rules, len(rep.Findings), b.String())
}

// BenchmarkLintSigmaHQ measures `rulec lint ../shared/sigmahq/rules*`: load and lint.
func BenchmarkLintSigmaHQ(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	for b.Loop() {
		res := frontend.Load(dirs, frontend.Options{})
		Run(res, Options{ReadFile: os.ReadFile})
	}
}

// BenchmarkLintSigmaHQChecksOnly measures the checks alone on rules loaded once.
// The checks only read the AST, so one load serves every iteration.
func BenchmarkLintSigmaHQChecksOnly(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	res := frontend.Load(dirs, frontend.Options{})
	for b.Loop() {
		Run(res, Options{Targets: []string{TargetWazuh}, Backends: backends(), ReadFile: os.ReadFile})
	}
}
