package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildCommand builds the corpus: XML on stdout, the report (skips by
// reason, shadowing with the stock rules when they are at hand) on stderr,
// deterministic output, and --strict failing on skipped rules.
func TestBuildCommand(t *testing.T) {
	stock := filepath.Join("..", "..", "..", "shared", "reference", "wazuh-ruleset", "rules")
	args := []string{"rulec", "build", "../../corpus/rules", "--stock-rules", stock}
	if _, err := os.Stat(stock); err != nil {
		t.Logf("no stock rules at %s: shadowing report not checked", stock)
		args = []string{"rulec", "build", "../../corpus/rules", "--stock-rules", ""}
	}
	var out, errOut bytes.Buffer
	if code := run(args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "<!--") || !strings.Contains(out.String(), `<group name="sigma,">`) {
		t.Errorf("stdout is not a rules file: %.200q", out.String())
	}
	report := errOut.String()
	for _, want := range []string{"wazuh: ", " emitted as ", "skipped", "correlation type not expressible in Wazuh"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if args[len(args)-1] != "" && !strings.Contains(report, "shadowing: ") {
		t.Errorf("no shadowing report:\n%s", report)
	}
	var out2 bytes.Buffer
	run(args, &out2, &bytes.Buffer{})
	if out.String() != out2.String() {
		t.Error("build output is not deterministic")
	}
	if code := run(append([]string{"rulec", "build", "--strict", "--stock-rules", ""}, "../../corpus/rules"), &bytes.Buffer{}, &bytes.Buffer{}); code != 1 {
		t.Errorf("--strict with skipped rules: exit %d, want 1", code)
	}
	if code := run([]string{"rulec", "build", "../../corpus/rules", "--stock-rules", "/nonexistent"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("--stock-rules on a missing folder: exit %d, want 2", code)
	}
}
