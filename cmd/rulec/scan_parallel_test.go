package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/internal/shared"
)

// TestScanParallelSameOutput: scanning with the rules matched on several
// goroutines writes the same bytes (matches, correlation alerts, summary) as
// scanning on one, over a log long enough to fill many batches, and over the
// SigmaHQ regression captures with all SigmaHQ rules when present.
func TestScanParallelSameOutput(t *testing.T) {
	dir := t.TempDir()
	var long bytes.Buffer
	for range 150 {
		for _, f := range []string{"windows_sysmon.jsonl", "windows_security.jsonl", "linux.jsonl"} {
			data, err := os.ReadFile(filepath.Join("../../corpus/logs", f))
			if err != nil {
				t.Fatal(err)
			}
			long.Write(data)
		}
	}
	longLog := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(longLog, long.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	type run struct {
		name        string
		rules, logs []string
	}
	runs := []run{{"corpus", []string{"../../corpus/rules", "../../corpus/correlation"}, []string{longLog, "../../corpus/logs/bad.jsonl", longLog}}}
	if root := shared.Root(); root != "" {
		if _, err := os.Stat(filepath.Join(root, "sigmahq", "regression_data")); err == nil && !testing.Short() {
			var captures []string
			filepath.WalkDir(filepath.Join(root, "sigmahq", "regression_data"), func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.HasSuffix(p, ".evtx") {
					captures = append(captures, p)
				}
				return nil
			})
			rules, _ := filepath.Glob(filepath.Join(root, "sigmahq", "rules*"))
			runs = append(runs, run{"sigmahq", rules, captures})
		}
	} else {
		t.Log("shared material absent: the SigmaHQ comparison is skipped")
	}
	scan := func(r run, workers int) (string, string) {
		var out, errOut bytes.Buffer
		err := runScan(strings.NewReader(""), &out, &errOut, scanConfig{rules: r.rules, logs: r.logs, format: "json",
			logFormat: logs.FormatAuto, quiet: true, corr: correlation.Options{MaxGroups: 100000}, workers: workers})
		if err != nil {
			errOut.WriteString("error: " + err.Error())
		}
		return out.String(), errOut.String()
	}
	for _, r := range runs {
		wantOut, wantErr := scan(r, 1)
		if strings.Count(wantOut, "\n") < 10 {
			t.Fatalf("%s: too few matches to compare: %q %s", r.name, wantOut, wantErr)
		}
		for _, workers := range []int{2, 3} {
			gotOut, gotErr := scan(r, workers)
			if gotOut != wantOut {
				t.Errorf("%s, %d workers: output differs from one worker's (%d vs %d bytes)", r.name, workers, len(gotOut), len(wantOut))
			}
			if gotErr != wantErr {
				t.Errorf("%s, %d workers: standard error differs:\n%s\nwant:\n%s", r.name, workers, gotErr, wantErr)
			}
		}
	}
}
