package gogen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
)

// genDir returns a fresh folder for a generated package inside the module
// (under testdata, which `go ./...` skips), removed after the test.
func genDir(t testing.TB, name string) string {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// goCmd runs the go tool in dir and returns its combined output, failing the test on error.
func goCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// writeFiles writes the generated files into dir.
func writeFiles(t testing.TB, dir string, res *Result) {
	t.Helper()
	if err := WriteDir(dir, res.Files); err != nil {
		t.Fatal(err)
	}
}

// driverTest is a test file dropped into a generated package: it compares the
// package with the interpreter on the same rules, on the events of a JSON-lines
// file, on the records of every .evtx file under a folder, and on events
// generated from each rule (rule by rule, and through the index with the
// rule's logsource fields added).
const driverTest = `package %[1]s

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/detection"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
)

var (
	rulePaths     = %[2]s
	ignoreLS      = %[3]v
	profilePath   = %[9]q
	eventsFile    = %[4]q
	evtxRoot      = %[5]q
	perRule       = %[6]d
	perRuleMatch  = %[7]d
	allRulesEvent = %[8]v
)

func TestAgainstInterpreter(t *testing.T) {
	res := frontend.Load(rulePaths, frontend.Options{})
	opts := engine.Options{IgnoreLogsource: ignoreLS}
	if profilePath != "" {
		p, err := engine.LoadProfile(profilePath)
		if err != nil {
			t.Fatal(err)
		}
		opts.Profile = p
	}
	c := gentest.New(res.Rules, opts, NewMatcher())
	rules := Rules()
	if c.RS.Len() != len(rules) {
		t.Fatalf("%%d compiled rules, the interpreter has %%d", len(rules), c.RS.Len())
	}
	for i, r := range rules {
		src := c.RS.Rule(i)
		got := []any{r.Index, r.ID, r.Name, r.Title, r.Status, r.Description, r.Author, r.License, r.Date, r.Modified, r.Level,
			r.Tags, r.References, r.FalsePositives, r.Fields, r.Logsource.Product, r.Logsource.Category, r.Logsource.Service, r.Logsource.Definition, r.Line}
		want := []any{i, src.ID, src.Name, src.Title, src.Status, src.Description, src.Author, src.License, src.Date, src.Modified, src.Level,
			src.Tags, src.References, src.FalsePositives, src.Fields, src.Logsource.Product, src.Logsource.Category, src.Logsource.Service, src.Logsource.Definition, src.Pos.Line}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rule %%d metadata:\n got  %%#v\n want %%#v", i, got, want)
		}
	}
	var events []engine.Event
	var labels []string
	if eventsFile != "" {
		f, err := os.Open(eventsFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			dec := json.NewDecoder(strings.NewReader(sc.Text()))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("event %%q: %%v", sc.Text(), err)
			}
			events = append(events, engine.NewMapEvent(m))
			labels = append(labels, "event "+strconv.Itoa(len(labels)))
		}
	}
	if evtxRoot != "" {
		var files []string
		filepath.WalkDir(evtxRoot, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
				files = append(files, p)
			}
			return nil
		})
		sort.Strings(files)
		for _, f := range files {
			recs, _, err := logs.ReadAll(f, logs.FormatEVTX)
			if err != nil {
				t.Fatalf("%%s: %%v", f, err)
			}
			for _, r := range recs {
				events = append(events, r.Event)
				labels = append(labels, f+" record "+strconv.Itoa(r.Index))
			}
		}
		if len(files) == 0 {
			t.Fatalf("no .evtx file under %%s", evtxRoot)
		}
	}
	near, nDeclared := 0, 0
	// Each fixed event is also compared as declared from other sources: the
	// logsource decision (engine.LogsourceClaim.Admits) must be the same.
	declared := []engine.Source{{Product: "windows"}, {Product: "zeek", Service: "rdp"}, {Product: "linux", Service: "auditd"}, {Category: "webserver"}}
	// The package's Detector (a detection.Detector) detects what the interpreter matches.
	var det detection.Detector = NewDetector(correlation.TimeSource{}, correlation.Options{})
	for k, ev := range events {
		c.Match(ev, labels[k])
		var wantRefs, gotRefs []string
		for _, i := range c.Eval.Match(ev) {
			wantRefs = append(wantRefs, c.RS.Rule(i).Ref())
		}
		results, err := det.Detect(context.Background(), detection.Event{Fields: ev, Index: k})
		for _, r := range results {
			if r.Alert == nil {
				gotRefs = append(gotRefs, r.Rule.Ref())
			}
		}
		if err != nil || !reflect.DeepEqual(gotRefs, wantRefs) {
			t.Errorf("%%s: Detector %%v (%%v), interpreter %%v", labels[k], gotRefs, err, wantRefs)
		}
		for _, src := range declared {
			c.Match(engine.WithSource(ev, src), labels[k]+" declared "+src.String())
			nDeclared++
		}
		if allRulesEvent {
			for i := range rules {
				c.Rule(i, ev, labels[k])
			}
		}
		// Near misses of matching events: each field a matched rule reads, changed or removed.
		var fields []string
		seen := map[string]bool{}
		for _, i := range append([]int(nil), c.Eval.Match(ev)...) {
			for _, f := range gentest.Fields(c.RS.Rule(i)) {
				if !seen[f] && len(fields) < 12 {
					seen[f] = true
					fields = append(fields, f)
				}
			}
		}
		for n, m := range gentest.NearMisses(ev, fields) {
			c.Match(m, labels[k]+" near miss "+strconv.Itoa(n))
			near++
		}
	}
	fixed := c.Events - near - nDeclared
	profile := c.RS.Profile()
	for i := range rules {
		ls := gentest.LogsourceFields(profile, c.RS.Rule(i))
		for k, m := range gentest.Events(c.RS.Rule(i), perRule) {
			label := "rule " + strconv.Itoa(i) + " generated event " + strconv.Itoa(k)
			c.Rule(i, engine.NewMapEvent(m), label)
			if k == 0 {
				// Declared as of the rule's own logsource, as of another product.
				lsrc := engine.ClaimOf(c.RS.Rule(i).Logsource, true).Source
				c.Match(engine.WithSource(engine.NewMapEvent(m), lsrc), label+" declared "+lsrc.String())
				c.Match(engine.WithSource(engine.NewMapEvent(m), engine.Source{Product: "nosuchproduct"}), label+" declared product=nosuchproduct")
			}
			if ls != nil && k < perRuleMatch {
				for f, v := range ls {
					m[f] = v
				}
				c.Match(engine.NewMapEvent(m), label+" in its logsource")
			}
		}
	}
	for _, d := range c.Diffs {
		t.Error(d)
	}
	t.Logf("RESULT %%d rules, %%d log events, %%d near misses of them, %%d events in all, %%d comparisons, %%d disagreements", len(rules), fixed, near, c.Events, c.Checks, len(c.Diffs))
}
`

// driverConfig says what the driver test reads.
type driverConfig struct {
	rulePaths    []string
	eventsFile   string
	evtxRoot     string
	perRule      int
	perRuleMatch int
	allRules     bool // compare every rule alone on every fixed event
	profile      string
}

// writeDriver adds the driver test to a generated package folder.
func writeDriver(t testing.TB, dir, pkg string, opts Options, cfg driverConfig) {
	t.Helper()
	paths := "[]string{"
	for i, p := range cfg.rulePaths {
		if i > 0 {
			paths += ", "
		}
		paths += strconv.Quote(p)
	}
	paths += "}"
	src := fmt.Sprintf(driverTest, pkg, paths, opts.IgnoreLogsource, cfg.eventsFile, cfg.evtxRoot, cfg.perRule, cfg.perRuleMatch, cfg.allRules, cfg.profile)
	if err := os.WriteFile(filepath.Join(dir, "driver_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runDriver generates a package from rulesDir, adds the driver test and runs it.
// A profile path, when given, is loaded into opts.Profile and by the driver.
func runDriver(t *testing.T, name, rulesDir, eventsFile string, opts Options, profile ...string) (*Result, string) {
	t.Helper()
	dir := genDir(t, name)
	opts.Package = name
	cfg := driverConfig{rulePaths: []string{rulesDir}, eventsFile: eventsFile, perRule: 60, perRuleMatch: 60, allRules: true}
	if len(profile) > 0 {
		p, err := engine.LoadProfile(profile[0])
		if err != nil {
			t.Fatal(err)
		}
		opts.Profile, cfg.profile = p, profile[0]
	}
	res, loaded, err := GeneratePaths([]string{rulesDir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.FailedFiles) > 0 {
		t.Fatalf("rules do not load: %v", loaded.Diagnostics)
	}
	writeFiles(t, dir, res)
	writeDriver(t, dir, name, opts, cfg)
	goCmd(t, dir, "vet", ".")
	out := goCmd(t, dir, "test", "-count=1", "-v", "-run", "TestAgainstInterpreter", ".")
	return res, out
}
