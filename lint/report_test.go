package lint

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/sarifcheck"
)

func TestTextColour(t *testing.T) {
	rep := lintText(t, "c.yml", replace("selection and not filter", "selection and not filtr"))
	var plain, colour bytes.Buffer
	rep.WriteText(&plain, TextOptions{})
	rep.WriteText(&colour, TextOptions{Color: true})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("plain report has escape sequences: %q", plain.String())
	}
	if !strings.Contains(colour.String(), "\x1b[31merror\x1b[0m") || !strings.Contains(colour.String(), "\x1b[2m[undefined-identifier]\x1b[0m") {
		t.Errorf("colour report: %q", colour.String())
	}
	if !strings.HasPrefix(plain.String(), "c.yml:21:34: error: condition references undefined search identifier \"filtr\" [undefined-identifier]\n") {
		t.Errorf("text line format: %q", plain.String())
	}
}

// fingerprints returns the fingerprints of a SARIF report's results, in order.
func fingerprints(t *testing.T, rep *Report) []string {
	t.Helper()
	var b bytes.Buffer
	if err := rep.WriteSARIF(&b, SARIFOptions{}); err != nil {
		t.Fatal(err)
	}
	sarifcheck.ValidateSARIF(t, b.Bytes())
	var log struct {
		Runs []struct {
			Results []struct {
				Message             struct{ Text string }
				PartialFingerprints map[string]string
			}
		}
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range log.Runs[0].Results {
		out = append(out, r.PartialFingerprints[FingerprintKey])
	}
	return out
}

// TestFingerprintsStable: fingerprints do not change between runs, nor when lines move.
func TestFingerprintsStable(t *testing.T) {
	bad := replace("author: rulec\n", "") + "---\n" + replace("author: rulec\n", "")
	a := fingerprints(t, lintText(t, "f.yml", bad))
	b := fingerprints(t, lintText(t, "f.yml", bad))
	c := fingerprints(t, lintText(t, "f.yml", "# a comment that moves every line\n\n"+bad))
	if len(a) == 0 || len(b) != len(a) || len(c) != len(a) {
		t.Fatalf("finding counts differ: %d / %d / %d", len(a), len(b), len(c))
	}
	for i, fp := range a {
		if fp == "" || b[i] != fp || c[i] != fp {
			t.Errorf("result %d: fingerprints %q / %q / %q", i, fp, b[i], c[i])
		}
	}
	// The two identical missing-author findings (and the duplicate-id pair) differ.
	var all []string
	rep := lintText(t, "f.yml", bad)
	s := map[string]int{}
	for _, f := range rep.Findings {
		all = append(all, rep.fingerprint(f, s))
	}
	sort.Strings(all)
	for i := 1; i < len(all); i++ {
		if all[i] == all[i-1] {
			t.Errorf("two findings share fingerprint %s", all[i])
		}
	}
}

// TestSARIFPaths: artifact URIs are relative to the root, with forward slashes and escapes.
func TestSARIFPaths(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "rules", "my rules")
	os.MkdirAll(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "r.yml"), []byte(replace("author: rulec\n", "")), 0o644)
	rep := Run(frontend.Load([]string{dir}, frontend.Options{}), Options{Root: dir})
	var b bytes.Buffer
	rep.WriteSARIF(&b, SARIFOptions{RootURI: "file:///repo/"})
	sarifcheck.ValidateSARIF(t, b.Bytes())
	if !strings.Contains(b.String(), `"uri": "rules/my%20rules/r.yml",
                  "uriBaseId": "%SRCROOT%"`) {
		t.Errorf("artifact location:\n%s", b.String())
	}
	// A finding without a line (an unreadable path) still has a valid location.
	rep = Run(frontend.Load([]string{filepath.Join(dir, "missing.yml")}, frontend.Options{}), Options{Root: dir})
	b.Reset()
	rep.WriteSARIF(&b, SARIFOptions{})
	sarifcheck.ValidateSARIF(t, b.Bytes())
	if len(findingsOf(rep, "io")) != 1 || strings.Contains(b.String(), `"region"`) {
		t.Errorf("io finding:\n%s", b.String())
	}
}

// TestFrontendCodesCatalogued: every diagnostic code the front end can emit is a check.
func TestFrontendCodesCatalogued(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "frontend", "*.go"))
	more, _ := filepath.Glob(filepath.Join("..", "frontend", "condition", "*.go"))
	files = append(files, more...)
	codeRe := regexp.MustCompile(`(?:Code: *|(?:errorf|warnf|errAt|warnAt)\([^,]+, *|diagAt\([^"]*?ast\.Severity\w+, *|problem\([^,]+, *)"([a-z]+(?:-[a-z]+)*)"`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range codeRe.FindAllStringSubmatch(string(data), -1) {
			found++
			if c := Lookup(m[1]); c == nil || !c.Frontend {
				t.Errorf("%s: front-end code %q is not a front-end check of the catalogue", f, m[1])
			}
		}
	}
	if found < 20 {
		t.Errorf("found only %d diagnostic codes in the front end; the pattern is out of date", found)
	}
}
