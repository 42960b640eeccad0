package gogen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corrDriver compares a generated package's Correlator with the interpreter
// and engine/correlation on the events of a JSON-lines file (with @timestamp).
const corrDriver = `package %[1]s

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
)

func alertText(a correlation.Alert) string {
	return fmt.Sprintf("%%s %%q %%v %%v %%s %%v", a.Rule.ID, a.Rule.Title, a.Group, a.Value, a.Time.Format(time.RFC3339Nano), a.Events)
}

func TestCorrelations(t *testing.T) {
	loaded := frontend.Load([]string{%[2]q}, frontend.Options{})
	rs, _ := engine.NewRuleset(loaded.Rules, engine.Options{})
	ev := rs.NewEvaluator()
	opts := correlation.Options{MaxGroups: 2}
	want, _ := correlation.New(loaded.Rules, opts)
	got := NewCorrelator(opts)
	recs, _, err := logs.ReadAll(%[3]q, logs.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	var gotAlerts, wantAlerts []string
	for _, rec := range recs {
		ref := correlation.EventRef{Source: rec.Source, Index: rec.Index}
		for _, i := range ev.Match(rec.Event) {
			if r := rs.Rule(i); want.Interested(r) {
				for _, a := range want.Observe(correlation.Match{Rule: r, Event: rec.Event, Time: rec.Time, Ref: ref}) {
					wantAlerts = append(wantAlerts, alertText(a))
				}
			}
		}
		for _, a := range got.Observe(rec.Event, rec.Time, ref, nil) {
			c := AlertCorrelation(a)
			if c == nil || c.Title != a.Rule.Title {
				t.Errorf("alert without its correlation: %%s", alertText(a))
			}
			gotAlerts = append(gotAlerts, alertText(a))
		}
	}
	for _, a := range want.Flush() {
		wantAlerts = append(wantAlerts, alertText(a))
	}
	for _, a := range got.Flush() {
		gotAlerts = append(gotAlerts, alertText(a))
	}
	if g, w := strings.Join(gotAlerts, "\n"), strings.Join(wantAlerts, "\n"); g != w {
		t.Errorf("alerts differ:\ncompiled:\n%%s\ninterpreter:\n%%s", g, w)
	}
	if got.Stats() != want.Stats() {
		t.Errorf("stats: compiled %%+v, interpreter %%+v", got.Stats(), want.Stats())
	}
	t.Logf("RESULT %%d alerts:\n%%s", len(gotAlerts), strings.Join(gotAlerts, "\n"))
}
`

// TestCorrelations compiles every correlation type (chains, aliases, also
// naming rules otherwise than their targets, value conditions, an unresolved
// reference, a hostile title) and checks that the
// generated Correlator raises the interpreter's alerts on the same stream,
// with a group cap that forces evictions.
func TestCorrelations(t *testing.T) {
	rules, _ := filepath.Abs("testdata/correlations")
	dir := genDir(t, "corr")
	res, _, err := GeneratePaths([]string{rules}, Options{Package: "corr", BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Correlations != 10 {
		t.Errorf("%d correlation rules compiled, want 10", res.Correlations)
	}
	unresolved := false
	for _, d := range res.Diagnostics {
		unresolved = unresolved || strings.Contains(d.Message, "no_such_rule")
	}
	if !unresolved {
		t.Errorf("no diagnostic for the unresolved reference: %v", res.Diagnostics)
	}
	writeFiles(t, dir, res)
	src := fmt.Sprintf(corrDriver, "corr", rules, filepath.Join(rules, "events.jsonl"))
	if err := os.WriteFile(filepath.Join(dir, "corr_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "vet", ".")
	out := goCmd(t, dir, "test", "-count=1", "-v", "-run", "TestCorrelations", ".")
	if !strings.Contains(out, "RESULT") || strings.Contains(out, "RESULT 0 alerts") {
		t.Fatalf("no alert raised:\n%s", out)
	}
	// Its aliases name an id in other case and a rule named like it: the
	// alert needs both base rules' fields read through the resolved targets.
	if !strings.Contains(out, `"Aliases By Target" [{ip 10.9.9.9}]`) {
		t.Errorf("no alert of the correlation whose aliases name the rules otherwise:\n%s", out)
	}
	t.Log(out[strings.Index(out, "RESULT"):])
}
