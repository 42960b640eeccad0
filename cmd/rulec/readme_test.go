package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/lint"
)

// readme returns the repository's README.md.
func readme(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readmeInts finds re in the README and returns its groups as integers (commas allowed).
func readmeInts(t *testing.T, text, re string) []int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("README no longer says %s: update this test with the README", re)
	}
	var out []int
	for _, g := range m[1:] {
		n, err := strconv.Atoi(strings.ReplaceAll(g, ",", ""))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestReadmeFigures compares the README's figures with what the code says, so they cannot go
// stale: the number of lint checks, the commands table, the corpus fixture count and, when
// ../shared/sigmahq is present, the SigmaHQ build counts.
func TestReadmeFigures(t *testing.T) {
	text := readme(t)

	if got := readmeInts(t, text, `\*\*Checks\*\* \((\d+),`)[0]; got != len(lint.Checks()) {
		t.Errorf("README says %d lint checks, lint.Checks() has %d", got, len(lint.Checks()))
	}

	// The commands table lists every command, and only commands that exist.
	app := newApp(nil, nil, nil)
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `rulec ([a-z-]+)").FindAllStringSubmatch(text, -1) {
		listed[m[1]] = true
		if app.Command(m[1]) == nil {
			t.Errorf("README lists rulec %s, which is not a command", m[1])
		}
	}
	for _, c := range app.Commands {
		if !c.Hidden && !listed[c.Name] {
			t.Errorf("README's commands table lacks rulec %s", c.Name)
		}
	}

	want := readmeInts(t, text, `rulec test corpus/rules corpus/tests +# rule fixtures \((\d+) passed, (\d+) failed\)`)
	code, stdout, errOut := cliRun(t, "", "test", filepath.Join("..", "..", "corpus", "rules"), filepath.Join("..", "..", "corpus", "tests"))
	got := readmeInts(t, stdout+errOut, `(\d+) passed, (\d+) failed`)
	if got[0] != want[0] || got[1] != want[1] || code != 0 {
		t.Errorf("README says the corpus fixtures give %d passed, %d failed; rulec test says %v (exit %d)", want[0], want[1], got, code)
	}

	shared := filepath.Join("..", "..", "..", "shared", "sigmahq")
	if env := os.Getenv("RULEC_SHARED"); env != "" {
		shared = filepath.Join(env, "sigmahq")
	}
	dirs, _ := filepath.Glob(filepath.Join(shared, "rules*"))
	if len(dirs) == 0 {
		t.Logf("no SigmaHQ rules under %s: build figures not checked", shared)
		return
	}
	res := frontend.Load(dirs, frontend.Options{})
	out, err := wazuh.Build(res.Rules, wazuh.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Report
	w := readmeInts(t, text, `On all of SigmaHQ \((\d+) rules, `+"`rulec build\\s+\\.\\./shared/sigmahq/rules\\*`"+`\): \*\*(\d+) emitted\*\* as (\d+) Wazuh rules[^,]*, (\d+) skipped`)
	if w[0] != r.Rules || w[1] != r.Emitted || w[2] != r.WazuhRules || w[3] != r.Skipped {
		t.Errorf("README says SigmaHQ builds %d rules: %d emitted as %d Wazuh rules, %d skipped; the build says %d: %d as %d, %d",
			w[0], w[1], w[2], w[3], r.Rules, r.Emitted, r.WazuhRules, r.Skipped)
	}
	w = readmeInts(t, text, `the build of all of SigmaHQ \(([\d,]+) Sigma rules as ([\d,]+)\s+Wazuh rules`)
	if w[0] != r.Emitted || w[1] != r.WazuhRules {
		t.Errorf("README's real-engine section says %d Sigma rules as %d Wazuh rules; the build says %d as %d", w[0], w[1], r.Emitted, r.WazuhRules)
	}

	// The placeholder values of examples/profiles/site.yml, as rulec build --profile applies them.
	unresolved := func(r wazuh.Report) int {
		n := 0
		for _, sk := range r.Skips {
			if sk.Reason == "unresolved placeholder" {
				n++
			}
		}
		return n
	}
	prof, err := loadProfiles(filepath.Join("..", "..", "examples", "profiles", "site.yml"))
	if err != nil {
		t.Fatal(err)
	}
	resolvePlaceholders(res.Rules, prof.Engine.Placeholders)
	site, err := wazuh.Build(res.Rules, wazuh.Options{Profile: prof.Wazuh})
	if err != nil {
		t.Fatal(err)
	}
	w = readmeInts(t, text, `examples/profiles/site.yml \.\./shared/sigmahq/rules\*`+"`"+` emits \*\*(\d+)\*\* rules \((\d+) more\), with (\d+) unresolved placeholders\s+\((\d+) without the profile\)`)
	if w[0] != site.Report.Emitted || w[1] != site.Report.Emitted-r.Emitted || w[2] != unresolved(site.Report) || w[3] != unresolved(r) {
		t.Errorf("README says the site profile emits %d rules (%d more), %d unresolved placeholders (%d without); the build says %d (%d more), %d (%d)",
			w[0], w[1], w[2], w[3], site.Report.Emitted, site.Report.Emitted-r.Emitted, unresolved(site.Report), unresolved(r))
	}
}
