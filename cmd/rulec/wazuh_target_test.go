package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

// TestTestTargetWazuh runs a SigmaHQ regression case through the generated
// Wazuh rules under the stock ruleset (rulec test --target wazuh).
func TestTestTargetWazuh(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	rule := filepath.Join(shared.Path(t, "sigmahq", "rules"), "windows", "process_creation", "proc_creation_win_wmic_process_creation.yml")
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "--target", "wazuh", "--stock-rules", stock, "-v", rule}, &out, &errOut)
	if code != 0 || !strings.HasSuffix(out.String(), "1 passed, 0 failed\n") {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	// A rule the backend cannot express fails with the backend's reason.
	out.Reset()
	code = run([]string{"rulec", "test", "--target", "wazuh", "--stock-rules", stock, "../../corpus/rules/windows/proc_creation_win_regex_and_fieldref.yml", "../../corpus/tests/windows.yml"}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "not converted for Wazuh: field reference") {
		t.Errorf("exit %d: %s", code, out.String())
	}
	// --target wazuh needs the stock rules.
	if code := run([]string{"rulec", "test", "--target", "wazuh", rule}, &out, &errOut); code != 2 {
		t.Errorf("without --stock-rules: exit %d", code)
	}
}
