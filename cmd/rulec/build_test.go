package main

import (
	"bytes"
	"encoding/json"
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

// TestBuildReport: --report writes the JSON report (emitted, skipped with reasons and positions,
// shadows when the stock rules are at hand), also for a failed run; the shadowing list is a
// summary by default and complete with --verbose; --stock-rules defaults to none off a manager.
func TestBuildReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	rules := filepath.Join("..", "..", "corpus", "rules")
	stock := filepath.Join("..", "..", "..", "shared", "reference", "wazuh-ruleset", "rules")
	haveStock := true
	if _, err := os.Stat(stock); err != nil {
		haveStock = false
	}
	old := installedStockRules
	installedStockRules = filepath.Join(dir, "no-manager-here")
	defer func() { installedStockRules = old }()

	var out, errOut bytes.Buffer
	if code := run([]string{"rulec", "build", rules, "-o", filepath.Join(dir, "r.xml"), "--report", report}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "shadowing report skipped: give --stock-rules DIR") {
		t.Errorf("default --stock-rules is not none:\n%s", errOut.String())
	}
	rep := readBuildReport(t, report)
	if rep.Version != buildReportVersion || rep.Target != "wazuh" || rep.Failed || rep.Shadows != nil || rep.ShadowNote != "" {
		t.Errorf("header: %+v", rep)
	}
	s := rep.Summary
	if s.SigmaRules == 0 || s.Emitted+s.Skipped != s.SigmaRules || len(rep.Skipped) != s.Skipped || s.WazuhRules == 0 || s.FilesFailed != 0 {
		t.Errorf("summary: %+v (%d skipped listed)", s, len(rep.Skipped))
	}
	sum := 0
	for _, rc := range s.SkippedByReason {
		sum += rc.Count
	}
	if sum != s.Skipped {
		t.Errorf("skipped_by_reason sums to %d, want %d", sum, s.Skipped)
	}
	for _, sk := range rep.Skipped {
		if sk.File == "" || sk.Line == 0 || sk.Column == 0 || sk.Reason == "" || sk.Rule == "" {
			t.Errorf("skip without position or reason: %+v", sk)
		}
	}
	emitted := map[string]bool{}
	for _, e := range rep.Emitted {
		if e.File == "" || len(e.WazuhIDs) == 0 || e.Rule == "" {
			t.Errorf("emission: %+v", e)
		}
		emitted[e.Rule+e.File] = true
	}
	if len(emitted) == 0 {
		t.Error("no emitted rule")
	}

	// A failed run (a path that does not exist) still writes its report, which says so.
	if code := run([]string{"rulec", "build", rules, filepath.Join(dir, "missing"), "-o", filepath.Join(dir, "r.xml"), "--report", report}, &bytes.Buffer{}, &bytes.Buffer{}); code != 1 {
		t.Errorf("missing path: exit %d", code)
	}
	if rep := readBuildReport(t, report); !rep.Failed || rep.Summary.FilesFailed != 1 || len(rep.LoadErrors) == 0 {
		t.Errorf("failed run: failed=%v files_failed=%d load_errors=%v", rep.Failed, rep.Summary.FilesFailed, rep.LoadErrors)
	}
	if code := run([]string{"rulec", "build", rules, "--report", "-"}, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
		t.Errorf("--report - with the rules on stdout: exit %d, want 2", code)
	}

	if !haveStock {
		t.Logf("no stock rules at %s: shadowing report not checked", stock)
		return
	}
	errOut.Reset()
	out.Reset()
	if code := run([]string{"rulec", "build", rules, "--stock-rules", stock, "-o", filepath.Join(dir, "r.xml"), "--report", "-"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var rep2 buildReport
	if err := json.Unmarshal(out.Bytes(), &rep2); err != nil {
		t.Fatalf("--report -: %v", err)
	}
	if rep2.Shadows == nil || rep2.Summary.StockTreeNodes == 0 || rep2.Summary.TreeNodes <= rep2.Summary.StockTreeNodes {
		t.Errorf("with stock rules: %d shadows, tree %d/%d", len(rep2.Shadows), rep2.Summary.TreeNodes, rep2.Summary.StockTreeNodes)
	}
	n := 0
	for _, k := range rep2.Summary.ShadowsByKind {
		n += k
	}
	if len(rep2.Shadows) > 0 && (n == 0 || rep2.Summary.ShadowedWazuhRules == 0) {
		t.Errorf("shadow counts: %+v", rep2.Summary)
	}
	summary := errOut.String()
	var verbose bytes.Buffer
	run([]string{"rulec", "build", rules, "--stock-rules", stock, "-v", "-o", filepath.Join(dir, "r.xml")}, &bytes.Buffer{}, &verbose)
	if rep2.Summary.ShadowedWazuhRules > 0 {
		lines := func(s string) int { return strings.Count(s, "\n") }
		if lines(verbose.String()) < lines(summary)+rep2.Summary.ShadowedWazuhRules-1 {
			t.Errorf("--verbose does not list each shadowed rule: %d lines, summary %d, %d shadowed", lines(verbose.String()), lines(summary), rep2.Summary.ShadowedWazuhRules)
		}
		if !strings.Contains(summary, "--verbose lists each generated rule") {
			t.Errorf("summary lacks the --verbose hint:\n%s", summary)
		}
	}
}

func readBuildReport(t *testing.T, path string) buildReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rep buildReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Lists are [] rather than null, so consumers can iterate without checks.
	for _, key := range []string{`"load_errors": [`, `"emitted": [`, `"skipped": [`, `"dropped_variants": [`, `"correlations": [`, `"diagnostics": [`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("report lacks %s", key)
		}
	}
	return rep
}
