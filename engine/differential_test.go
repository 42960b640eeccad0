package engine_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

var searchPrefix = regexp.MustCompile(`error evaluating search \S+: `)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const disagreementsFile = "testdata/sigmago_disagreements.txt"

// TestDifferentialSigmaGo compares rulec with sigma-go v0.6.6 on every SigmaHQ
// rule sigma-go can evaluate, over (1) the regression captures' events of the
// rule's logsource and (2) events generated from the rule's own values and
// variations of them. Every disagreement must be explained by a known sigma-go
// gap (see gap in sigmago_test.go: rulec reproducing the gap gives sigma-go's
// answer, and each gap departs from the cited part of the specification), and
// the list of disagreeing rules must equal testdata/sigmago_disagreements.txt.
func TestDifferentialSigmaGo(t *testing.T) {
	root := shared.Path(t, "sigmahq")
	rules := sigmaHQRules(t)
	rs, diags := engine.NewRuleset(rules, engine.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	recs := regressionEvents(t)
	regression := make([]sample, len(recs))
	for i, r := range recs {
		regression[i] = sample{ev: r.Event, m: gentest.SigmaGoEvent(r.Event)}
	}
	ev := rs.NewEvaluator()

	regDiffs, regCompared, regExcluded := differential(t, rs, func(i int) []sample {
		var out []sample
		for _, s := range regression {
			if ev.InLogsource(i, s.ev) {
				out = append(out, s)
			}
		}
		return out
	})
	genDiffs, genCompared, genExcluded := differential(t, rs, func(i int) []sample {
		var out []sample
		for _, m := range gentest.StringEvents(rs.Rule(i), 40) {
			out = append(out, mapSample(m))
		}
		return out
	})
	t.Logf("regression events: %d rules compared, %d not evaluable by sigma-go, %d disagreements", regCompared, regExcluded, len(regDiffs))
	t.Logf("generated events: %d rules compared, %d not evaluable by sigma-go, %d disagreements", genCompared, genExcluded, len(genDiffs))

	// Explain every disagreement and list them by rule.
	type key struct{ file, events, gap string }
	counts := map[key]int{}
	unexplained := 0
	for _, set := range []struct {
		name  string
		diffs []disagreement
	}{{"regression", regDiffs}, {"generated", genDiffs}} {
		for _, d := range set.diffs {
			g := explain(d.rule, d.sample.ev, d.sigma)
			if g == 0 {
				unexplained++
				t.Errorf("unexplained disagreement: %s: rulec=%v sigma-go=%v on %v", d.rule.Pos.File, d.rulec, d.sigma, d.sample.m)
			}
			rel, err := filepath.Rel(root, d.rule.Pos.File)
			if err != nil {
				rel = d.rule.Pos.File
			}
			counts[key{filepath.ToSlash(rel), set.name, g.String()}]++
		}
	}
	var lines []string
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%d", k.file, k.events, k.gap, n))
	}
	sort.Strings(lines)

	// Regression cases: SigmaHQ names each capture <rule id>.evtx.
	byID := map[string][]sample{}
	for i, r := range recs {
		id := strings.TrimSuffix(filepath.Base(r.Source), filepath.Ext(r.Source))
		byID[strings.ToLower(id)] = append(byID[strings.ToLower(id)], regression[i])
	}
	docs := map[string]int{}
	for i := 0; i < rs.Len(); i++ {
		docs[rs.Rule(i).Pos.File]++
	}
	cases, rulecHits, sigmaHits := 0, 0, 0
	var missed []string
	for i := 0; i < rs.Len(); i++ {
		r := rs.Rule(i)
		evs := byID[strings.ToLower(r.ID)]
		if r.RegressionTestsPath == "" || len(evs) == 0 {
			continue
		}
		cases++
		rulecHit, sigmaHit := false, false
		var why string
		o, err := newOracle(r, docs)
		if err != nil {
			why = "sigma-go cannot load the rule: " + err.Error()
		}
		for _, s := range evs {
			ok, _ := ev.MatchRule(i, s.ev)
			rulecHit = rulecHit || ok
			if o == nil {
				continue
			}
			want, err := o.match(s.m)
			switch {
			case err != nil:
				// sigma-go visits searches in map order: name the cause, not the search.
				why = "sigma-go cannot evaluate the rule: " + searchPrefix.ReplaceAllString(err.Error(), "")
			case want:
				sigmaHit = true
			case ok:
				why = explain(r, s.ev, false).String()
			}
		}
		if rulecHit {
			rulecHits++
		} else {
			t.Errorf("rulec misses the regression case of %s", r.Pos.File)
		}
		if sigmaHit {
			sigmaHits++
			continue
		}
		rel, _ := filepath.Rel(root, r.Pos.File)
		missed = append(missed, fmt.Sprintf("# missed\t%s\t%s", filepath.ToSlash(rel), why))
	}
	t.Logf("regression cases present: %d; rulec detects %d, sigma-go detects %d", cases, rulecHits, sigmaHits)
	sort.Strings(missed)
	got := disagreementsHeader + strings.Join(lines, "\n") + "\n" + missedHeader +
		fmt.Sprintf("# %d regression cases present: rulec detects %d, sigma-go detects %d\n", cases, rulecHits, sigmaHits) +
		strings.Join(missed, "\n") + "\n"
	if *update {
		if err := os.WriteFile(disagreementsFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(disagreementsFile)
	if err != nil {
		t.Fatalf("%v (run go test ./engine -run TestDifferentialSigmaGo -args -update)", err)
	}
	if string(want) != got {
		t.Errorf("disagreements differ from %s (review, then go test ./engine -run TestDifferentialSigmaGo -args -update):\n%s",
			disagreementsFile, lineDiff(string(want), got))
	}
}

const missedHeader = `#
# Regression cases sigma-go does not detect (rulec detects every case), with the reason:
# an explanation as above, or sigma-go refusing the rule. The modifiers it refuses are
# specified in sigma-appendix-modifiers.md (windash, expand, base64offset, fieldref, cased,
# exists, ...); %name% placeholders are specified there under expand.
`

const disagreementsHeader = `# Disagreements between rulec and sigma-go v0.6.6 (TestDifferentialSigmaGo).
# One line per rule, event set and explanation: rule file (relative to ../shared/sigmahq),
# events (regression: the regression captures' events of the rule's logsource; generated:
# events built from the rule's values), the sigma-go gaps that explain the disagreement
# (rulec made to reproduce them gives sigma-go's answer), and the number of events.
# In each case rulec follows the Sigma specification (sigma-rules-specification.md):
#   literal-values          sigma-go compares values as written; "String Wildcard": * is any run of
#                           characters, ? is one character; "Escape Character": \* and \? are plain
#                           wildcard characters and \\ is one backslash.
#   missing-field-as-<nil>  sigma-go reads a missing field as the text "<nil>" (so contains: 'i'
#                           matches it); in Sigma a missing field only matches null / exists: false.
#   no-keyword-search       sigma-go reads a '|all' keyword list as a field named "" that never
#                           matches; Sigma searches keywords in every value of the event.
`

// lineDiff shows the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			b.WriteString("+ " + l + "\n")
		}
	}
	return b.String()
}
