package gen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/backends/gogen"
	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
)

// generateArgs reads the rule paths and the package name of doc.go's go:generate line.
func generateArgs(t testing.TB) (paths []string, pkg string) {
	t.Helper()
	f, err := os.Open("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//go:generate go run github.com/rulec/rulec/cmd/rulec gen-go ")
		if !ok {
			continue
		}
		args := strings.Fields(line)
		for i := 0; i < len(args); i++ {
			switch args[i] {
			case "-pkg":
				i++
				pkg = args[i]
			case "-o":
				i++
				if args[i] != "." {
					t.Fatalf("the test expects -o ., found %q", args[i])
				}
			default:
				paths = append(paths, args[i])
			}
		}
		return paths, pkg
	}
	t.Fatal("doc.go has no go:generate line for rulec gen-go")
	return nil, ""
}

// TestFresh regenerates the package as go generate does and compares it with
// the committed files: run `go generate ./corpus/gen` after changing the rules,
// the generator or the engine's default profile.
func TestFresh(t *testing.T) {
	paths, pkg := generateArgs(t)
	res, err := gogen.Generate(frontend.Load(paths, frontend.Options{}).Rules, gogen.Options{Package: pkg, BaseDir: "."})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, f := range res.Files {
		want[f.Name] = true
		cur, err := os.ReadFile(f.Name)
		if err != nil {
			t.Errorf("%s is missing: run go generate ./corpus/gen", f.Name)
			continue
		}
		if !bytes.Equal(cur, f.Data) {
			t.Errorf("%s is stale: run go generate ./corpus/gen", f.Name)
		}
	}
	old, _ := filepath.Glob("*_gen.go")
	for _, name := range old {
		if !want[name] {
			t.Errorf("%s is no longer generated: run go generate ./corpus/gen", name)
		}
	}
}

// TestAgainstInterpreter checks the compiled rules against the interpreter on
// the corpus logs and on events generated from each rule (near misses included).
func TestAgainstInterpreter(t *testing.T) {
	paths, _ := generateArgs(t)
	loaded := frontend.Load(paths, frontend.Options{})
	c := gentest.New(loaded.Rules, engine.Options{}, NewMatcher())
	if c.RS.Len() != len(Rules()) {
		t.Fatalf("%d compiled rules, the interpreter has %d", len(Rules()), c.RS.Len())
	}
	for i, r := range Rules() {
		if src := c.RS.Rule(i); r.ID != src.ID || r.Title != src.Title {
			t.Errorf("rule %d is %q, the interpreter's is %q", i, r.Title, src.Title)
		}
	}
	files, _ := filepath.Glob("../logs/*.jsonl")
	n := 0
	for _, file := range files {
		recs, _, err := logs.ReadAll(file, logs.FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		for k, rec := range recs {
			label := file + " record " + itoa(k)
			c.Match(rec.Event, label)
			for i := range Rules() {
				c.Rule(i, rec.Event, label)
			}
			n++
		}
	}
	profile := c.RS.Profile()
	for i := range Rules() {
		ls := gentest.LogsourceFields(profile, c.RS.Rule(i))
		for k, m := range gentest.Events(c.RS.Rule(i), 80) {
			label := "rule " + itoa(i) + " generated event " + itoa(k)
			c.Rule(i, engine.NewMapEvent(m), label)
			for f, v := range ls {
				m[f] = v
			}
			c.Match(engine.NewMapEvent(m), label)
		}
	}
	for _, d := range c.Diffs {
		t.Error(d)
	}
	if n == 0 {
		t.Error("no corpus log records read")
	}
	t.Logf("%d log records, %d events, %d comparisons", n, c.Events, c.Checks)
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[p:])
		}
	}
}

// TestMatchAllocs checks that matching does not allocate once the Matcher's buffers have grown.
func TestMatchAllocs(t *testing.T) {
	recs, _, err := logs.ReadAll("../logs/windows_sysmon.jsonl", logs.FormatAuto)
	if err != nil || len(recs) == 0 {
		t.Fatalf("corpus log: %v", err)
	}
	m := NewMatcher()
	hits := 0
	count := func(*Rule) { hits++ }
	for _, r := range recs {
		m.Match(r.Event, count)
	}
	allocs := testing.AllocsPerRun(20, func() {
		for _, r := range recs {
			m.Match(r.Event, count)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pass over %d events, want 0", allocs, len(recs))
	}
	if hits == 0 {
		t.Error("no rule matched the Sysmon corpus log")
	}
}

// alertText renders an alert for comparison.
func alertText(a correlation.Alert) string {
	return fmt.Sprintf("%s %s %v %v %s %v", a.Rule.ID, a.Rule.Title, a.Group, a.Value, a.Time.Format(time.RFC3339Nano), a.Events)
}

// TestCorrelationsAgainstInterpreter feeds the corpus logs to the compiled
// Correlator and to the interpreter with engine/correlation over the same
// rules: the alerts must be the same, in the same order.
func TestCorrelationsAgainstInterpreter(t *testing.T) {
	paths, _ := generateArgs(t)
	loaded := frontend.Load(paths, frontend.Options{})
	rs, _ := engine.NewRuleset(loaded.Rules, engine.Options{})
	ev := rs.NewEvaluator()
	want, errs := correlation.New(loaded.Rules, correlation.Options{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := NewCorrelator(correlation.Options{})
	if len(Correlations()) == 0 {
		t.Fatal("no correlation rule compiled")
	}
	var gotAlerts, wantAlerts []string
	files, _ := filepath.Glob("../logs/*.jsonl")
	for _, file := range files {
		recs, _, err := logs.ReadAll(file, logs.FormatAuto)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			ts := rec.Time
			if ts.IsZero() {
				ts, _ = correlation.TimeSource{}.Time(rec.Event)
			}
			ref := correlation.EventRef{Source: rec.Source, Index: rec.Index}
			for _, i := range ev.Match(rec.Event) {
				if r := rs.Rule(i); want.Interested(r) {
					for _, a := range want.Observe(correlation.Match{Rule: r, Event: rec.Event, Time: ts, Ref: ref}) {
						wantAlerts = append(wantAlerts, alertText(a))
					}
				}
			}
			for _, a := range got.Observe(rec.Event, ts, ref, nil) {
				if AlertCorrelation(a) == nil {
					t.Errorf("alert of an unknown correlation: %s", alertText(a))
				}
				gotAlerts = append(gotAlerts, alertText(a))
			}
		}
	}
	for _, a := range want.Flush() {
		wantAlerts = append(wantAlerts, alertText(a))
	}
	for _, a := range got.Flush() {
		gotAlerts = append(gotAlerts, alertText(a))
	}
	if strings.Join(gotAlerts, "\n") != strings.Join(wantAlerts, "\n") {
		t.Errorf("alerts differ:\ncompiled:\n%s\ninterpreter:\n%s", strings.Join(gotAlerts, "\n"), strings.Join(wantAlerts, "\n"))
	}
	if len(wantAlerts) == 0 {
		t.Error("the corpus logs raise no correlation alert")
	}
	t.Logf("%d alerts", len(gotAlerts))
	for _, r := range Rules() {
		if src := rs.Rule(r.Index); r.Suppressed != correlation.Suppressed(src, loaded.Rules) {
			t.Errorf("rule %q: Suppressed %v", r.Title, r.Suppressed)
		}
	}
}

// corpusEvents chains the records of the corpus logs into one stream.
func corpusEvents(t *testing.T) func(func(detect.Event, error) bool) {
	files, _ := filepath.Glob("../logs/*.jsonl")
	return func(yield func(detect.Event, error) bool) {
		for _, file := range files {
			rd, err := logs.Open(file, logs.FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			for ev, err := range detect.Records(rd) {
				if err != nil {
					break // Records ends at a bad record (bad.jsonl); both detectors see the same events
				}
				if !yield(ev, nil) {
					rd.Close()
					return
				}
			}
			rd.Close()
		}
	}
}

// TestDetectorAgainstStream runs the corpus logs through the generated
// Detector and through the interpreter's detect.Stream with detect.Run: the
// same detections and alerts, in the same order, with the same metadata.
func TestDetectorAgainstStream(t *testing.T) {
	paths, _ := generateArgs(t)
	prog, err := detect.CompileRules(frontend.Load(paths, frontend.Options{}).Rules)
	if err != nil {
		t.Fatal(err)
	}
	run := func(d detect.Detector) []string {
		var out []string
		err := detect.Run(context.Background(), d, corpusEvents(t), func(r detect.Result) error {
			s := fmt.Sprintf("%s %q %s %v %s:%d suppressed=%v event=%s#%d", r.Rule.Ref(), r.Rule.Title, r.Rule.Level, r.Rule.Tags,
				filepath.ToSlash(r.Rule.Pos.File), r.Rule.Pos.Line, r.Suppressed, r.Event.Source, r.Event.Index)
			if r.Alert != nil {
				s += " alert " + alertText(*r.Alert)
			}
			out = append(out, s)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := run(prog.NewStream())
	got := run(NewDetector(correlation.TimeSource{}, correlation.Options{}))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results differ:\ngenerated:\n%s\ninterpreter:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	alerts := 0
	for _, s := range want {
		if strings.Contains(s, " alert ") {
			alerts++
		}
	}
	if len(want) == 0 || alerts == 0 {
		t.Errorf("%d results, %d alerts: the corpus should give both", len(want), alerts)
	}
	t.Logf("%d results, %d alerts", len(want), alerts)
}

// The generated Detector is a detect.Detector.
var _ detect.Detector = (*Detector)(nil)
