package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/sarifcheck"
	"github.com/rulec/rulec/lint"
)

func runLintCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(append([]string{"rulec", "lint"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestLintList(t *testing.T) {
	code, out, _ := runLintCmd(t, "--list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, c := range lint.Checks() {
		if !strings.Contains(out, c.ID+" ") {
			t.Errorf("--list lacks %s", c.ID)
		}
	}
	code, out, _ = runLintCmd(t, "--explain", "all-exact-values")
	if code != 0 || !strings.Contains(out, "no event") || !strings.Contains(out, lint.HelpBase+"#all-exact-values") {
		t.Errorf("--explain: exit %d\n%s", code, out)
	}
	if code, _, errOut := runLintCmd(t, "--explain", "nope"); code != 2 || !strings.Contains(errOut, "unknown check") {
		t.Errorf("--explain nope: exit %d, %q", code, errOut)
	}
}

func TestLintCorpus(t *testing.T) {
	corpus := filepath.Join("..", "..", "corpus", "lint")
	// The corpus's .rulec.yml says fail-on: warning.
	code, out, errOut := runLintCmd(t, corpus)
	if code != 1 || !strings.Contains(out, "metadata.yml:2:1: error: id \"whoami-1\" is not a UUID [invalid-id]") {
		t.Fatalf("exit %d, stderr %q, out:\n%s", code, errOut, out)
	}
	if strings.Contains(out, "missing-author") || strings.Contains(out, "excluded.yml") || strings.Contains(out, ".rulec.yml") {
		t.Errorf("configuration not applied:\n%s", out)
	}
	if code, _, _ := runLintCmd(t, "--fail-on", "none", corpus); code != 0 {
		t.Errorf("--fail-on none: exit %d", code)
	}
	if code, _, _ := runLintCmd(t, "--fail-on", "error", filepath.Join(corpus, "clean_rule.yml")); code != 0 {
		t.Errorf("clean.yml: exit %d", code)
	}
	code, out, _ = runLintCmd(t, "--format", "sarif", "--fail-on", "none", corpus)
	if code != 0 {
		t.Fatalf("sarif: exit %d", code)
	}
	sarifcheck.ValidateSARIF(t, []byte(out))
	if !strings.Contains(out, `"uri": "metadata.yml"`) || !strings.Contains(out, `"originalUriBaseIds"`) {
		t.Errorf("SARIF paths are not relative to the configuration's folder")
	}
	code, out, _ = runLintCmd(t, "--format", "json", "--no-config", corpus)
	var rep struct {
		Counts   map[string]int
		Findings []struct{ File, Check string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.Counts["error"] == 0 {
		t.Fatalf("json: exit %d, %v\n%s", code, err, out)
	}
	sawAuthor := false
	for _, f := range rep.Findings {
		sawAuthor = sawAuthor || f.Check == "missing-author"
	}
	if !sawAuthor {
		t.Errorf("--no-config still applied the configuration")
	}
}

func TestLintOutputFileAndUsageErrors(t *testing.T) {
	dir := t.TempDir()
	sarif := filepath.Join(dir, "out.sarif")
	corpus := filepath.Join("..", "..", "corpus", "lint")
	if code, out, _ := runLintCmd(t, "-f", "sarif", "-o", sarif, "--fail-on", "none", corpus); code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	data, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	sarifcheck.ValidateSARIF(t, data)
	for _, args := range [][]string{{"--format", "xml", corpus}, {"--fail-on", "fatal", corpus}, {"--target", "splunk", corpus}} {
		if code, _, _ := runLintCmd(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	bad := filepath.Join(dir, ".rulec.yml")
	os.WriteFile(bad, []byte("lint:\n  checks:\n    nope: off\n"), 0o644)
	if code, _, errOut := runLintCmd(t, "--config", bad, corpus); code != 2 || !strings.Contains(errOut, ".rulec.yml:3: unknown check") {
		t.Errorf("bad config: exit %d, %q", code, errOut)
	}
}

// TestLintContext: --context loads other rules for cross-file checks but reports only on the paths given.
func TestLintContext(t *testing.T) {
	corpus := filepath.Join("..", "..", "corpus", "lint")
	code, out, _ := runLintCmd(t, "--no-config", "--fail-on", "none", "--context", corpus, filepath.Join(corpus, "clean_rule.yml"))
	if code != 0 || !strings.Contains(out, `clean_rule.yml:1:1: warning: title "Whoami Execution" is also used at`) || strings.Contains(out, "\n"+filepath.Join(corpus, "metadata.yml")) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// The same files named by an absolute context path load once: no duplicate ids.
	abs, _ := filepath.Abs(corpus)
	_, out, _ = runLintCmd(t, "--no-config", "--fail-on", "none", "--context", abs, filepath.Join(corpus, "clean_rule.yml"))
	if strings.Contains(out, "duplicate-id") || strings.Count(out, "duplicate-title") != 1 {
		t.Errorf("absolute context loaded files twice:\n%s", out)
	}
}

func TestUseColor(t *testing.T) {
	var buf bytes.Buffer
	if useColor("auto", &buf) || !useColor("always", &buf) || useColor("never", os.Stdout) {
		t.Error("colour modes")
	}
	t.Setenv("NO_COLOR", "1")
	if useColor("auto", os.Stdout) {
		t.Error("NO_COLOR not respected")
	}
}
