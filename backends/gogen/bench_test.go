package gogen

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

// benchFile is the benchmark dropped into the generated package: one op is one
// process-creation event of the SigmaHQ regression captures evaluated against
// every SigmaHQ windows/process_creation rule, by the compiled package, by the
// interpreter (engine.Ruleset) and by sigma-go v0.6.6 (one RuleEvaluator per
// rule, and its ForRules bundle), on the same events as engine's
// BenchmarkProcessCreation.
const benchFile = `package %[1]s

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
)

var (
	ruleDirs   = %[2]s
	evtxRoot   = %[3]q
)

func processCreation(b *testing.B) ([]string, []engine.Event, *engine.Ruleset) {
	res := frontend.Load(ruleDirs, frontend.Options{})
	var rules []string
	var asts = res.Detections()[:0:0]
	for _, r := range res.Detections() {
		if gentest.IsProcessCreationRule(r) {
			rules = append(rules, r.Pos.File)
			asts = append(asts, r)
		}
	}
	rs, diags := engine.NewRuleset(asts, engine.Options{})
	if diags.HasErrors() || rs.Len() != len(Rules()) {
		b.Fatalf("interpreter: %%d rules, compiled %%d: %%v", rs.Len(), len(Rules()), diags)
	}
	var files []string
	filepath.WalkDir(evtxRoot, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	var events []engine.Event
	for _, f := range files {
		recs, _, err := logs.ReadAll(f, logs.FormatEVTX)
		if err != nil {
			b.Fatal(err)
		}
		for _, rec := range recs {
			if gentest.IsProcessCreationEvent(rec.Event) {
				events = append(events, rec.Event)
			}
		}
	}
	if len(events) == 0 {
		b.Skip("no process creation events")
	}
	return rules, events, rs
}


func BenchmarkProcessCreation(b *testing.B) {
	files, events, rs := processCreation(b)

	b.Run("compiled", func(b *testing.B) {
		m := NewMatcher()
		matches := 0
		count := func(*Rule) { matches++ }
		for _, ev := range events {
			m.Match(ev, func(*Rule) {})
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			m.Match(events[i%%len(events)], count)
		}
		gentest.Report(b, len(Rules()), len(events), matches)
	})

	b.Run("interpreter", func(b *testing.B) {
		ev := rs.NewEvaluator()
		for _, e := range events {
			ev.Match(e) // index automata are built on first use
		}
		matches := 0
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			matches += len(ev.Match(events[i%%len(events)]))
		}
		gentest.Report(b, rs.Len(), len(events), matches)
	})

	gentest.BenchSigmaGo(b, files, events)
}

`

// BenchmarkProcessCreation compiles every SigmaHQ windows/process_creation rule
// with gen-go into a package inside the module, then runs that package's
// benchmark (compiled matchers, the interpreter and sigma-go on the same
// process-creation events of the regression captures) with `go test -bench`.
// The generated package's benchmark lines are printed as they come; this
// benchmark reports their events/s and allocations per event as its metrics.
// It runs once: compiling the generated package takes most of its time.
func BenchmarkProcessCreation(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	regression := shared.Path(b, "sigmahq", "regression_data")
	res0 := frontend.Load(dirs, frontend.Options{})
	var rules []*ast.Rule
	for _, r := range res0.Detections() {
		if gentest.IsProcessCreationRule(r) {
			rules = append(rules, r)
		}
	}
	dir := genDir(b, "bench")
	if keep := os.Getenv("GOGEN_BENCH_DIR"); keep != "" {
		dir = keep // keep the generated package for profiling
		os.MkdirAll(dir, 0o755)
	}
	res, err := Generate(rules, Options{Package: "bench", BaseDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	writeFiles(b, dir, res)
	paths := make([]string, len(dirs))
	for i, d := range dirs {
		paths[i] = strconv.Quote(d)
	}
	src := fmt.Sprintf(benchFile, "bench", "[]string{"+strings.Join(paths, ", ")+"}", regression)
	if err := os.WriteFile(filepath.Join(dir, "bench_test.go"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	bench := os.Getenv("GOGEN_BENCH") // sub-benchmark filter, e.g. "compiled|interpreter"
	if bench == "" {
		bench = "."
	}
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "ProcessCreation/("+bench+")", "-benchmem", ".")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	metrics := map[string]float64{}
	sc := bufio.NewScanner(io.TeeReader(out, os.Stdout))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[0], "BenchmarkProcessCreation/") {
			continue
		}
		name := strings.TrimPrefix(f[0], "BenchmarkProcessCreation/")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		for k := 2; k+1 < len(f); k += 2 {
			v, err := strconv.ParseFloat(f[k], 64)
			if err != nil {
				continue
			}
			switch f[k+1] {
			case "events/s":
				metrics[name+"-events/s"] = v
			case "allocs/op":
				metrics[name+"-allocs/event"] = v
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("generated package benchmark: %v", err)
	}
	for k, v := range metrics {
		b.ReportMetric(v, k)
	}
	b.Logf("%d rules compiled (%d indexed, %d predicates, %d shared)", res.Rules, res.Indexed, res.Predicates, res.Memoized)
}
