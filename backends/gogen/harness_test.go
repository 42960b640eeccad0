package gogen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
// file and on events generated from each rule.
const driverTest = `package %[1]s

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rulec/rulec/backends/gogen/gentest"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

func TestAgainstInterpreter(t *testing.T) {
	res := frontend.Load([]string{%[2]q}, frontend.Options{})
	c := gentest.New(res.Rules, engine.Options{IgnoreLogsource: %[3]v}, NewMatcher())
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
	if path := %[4]q; path != "" {
		f, err := os.Open(path)
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
		}
	}
	for k, ev := range events {
		c.Match(ev, "event "+itoa(k))
		for i := range rules {
			c.Rule(i, ev, "event "+itoa(k))
		}
	}
	profile := c.RS.Profile()
	for i := range rules {
		ls := gentest.LogsourceFields(profile, c.RS.Rule(i))
		for k, m := range gentest.Events(c.RS.Rule(i), 60) {
			label := "rule " + itoa(i) + " generated event " + itoa(k)
			c.Rule(i, engine.NewMapEvent(m), label)
			if ls != nil {
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
	t.Logf("%%d events, %%d comparisons, %%d disagreements", c.Events, c.Checks, len(c.Diffs))
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
`

// runDriver generates a package from rulesDir, adds the driver test and runs it.
func runDriver(t *testing.T, name, rulesDir, eventsFile string, opts Options) (*Result, string) {
	t.Helper()
	dir := genDir(t, name)
	opts.Package = name
	res, loaded, err := GeneratePaths([]string{rulesDir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.FailedFiles) > 0 {
		t.Fatalf("rules do not load: %v", loaded.Diagnostics)
	}
	writeFiles(t, dir, res)
	src := fmt.Sprintf(driverTest, name, rulesDir, opts.IgnoreLogsource, eventsFile)
	if err := os.WriteFile(filepath.Join(dir, "driver_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "vet", ".")
	out := goCmd(t, dir, "test", "-count=1", "-v", "-run", "TestAgainstInterpreter", ".")
	return res, out
}
