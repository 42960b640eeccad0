package gogen

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

// TestSigmaHQ generates a package from every SigmaHQ rule folder
// (../shared/sigmahq/rules*), which must vet and build. Unless -short, it then
// runs the differential test in the package: the compiled rules and the
// interpreter must agree on every record of the SigmaHQ regression captures
// (the whole rule set through Match) and on events generated from each rule
// (near misses included), rule by rule and through the index.
func TestSigmaHQ(t *testing.T) {
	dirs := shared.SigmaHQRuleDirs(t)
	regression := shared.Path(t, "sigmahq", "regression_data")
	dir := genDir(t, "sigmahq")
	opts := Options{Package: "sigmahq", BaseDir: dir}
	res, loaded, err := GeneratePaths(dirs, opts)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, d := range res.Diagnostics {
		if d.Severity == 0 {
			skipped++
			t.Log(d.Error())
		}
	}
	t.Logf("%d files, %d failed; %d detection rules (%d indexed), %d correlation rules, %d predicates (%d memoized), %d rules skipped, %d generated files",
		loaded.Files, len(loaded.FailedFiles), res.Rules, res.Indexed, res.Correlations, res.Predicates, res.Memoized, skipped, len(res.Files))
	writeFiles(t, dir, res)
	goCmd(t, dir, "vet", ".")
	if testing.Short() {
		goCmd(t, dir, "build", ".")
		return
	}
	writeDriver(t, dir, "sigmahq", opts, driverConfig{rulePaths: dirs, evtxRoot: regression, perRule: 40, perRuleMatch: 8})
	out := goCmd(t, dir, "test", "-count=1", "-v", "-timeout", "30m", "-run", "TestAgainstInterpreter", ".")
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "RESULT") {
			t.Log(strings.TrimSpace(l))
		}
	}
}
