package lint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/lint"
	"github.com/rulec/rulec/lint/linttest"
)

// TestWant runs the checks over lint/testdata/want, whose rules carry a
// `# want "regexp"` comment on each line where a finding is expected.
func TestWant(t *testing.T) {
	linttest.Run(t, filepath.Join("testdata", "want"), lint.Options{
		Targets:  []string{lint.TargetWazuh},
		Backends: []lint.Target{wazuh.LintTarget{}},
		ReadFile: os.ReadFile,
	})
}
