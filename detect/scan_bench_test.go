package detect

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"iter"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/gentest"
	"github.com/rulec/rulec/internal/shared"
)

// BenchmarkScanProcessCreation is rulec scan end to end after loading: the
// SigmaHQ windows/process_creation rules over the regression captures'
// process-creation events as JSON lines (evtx_dump's shape, about 1.7 KB an
// event), read, flattened, matched and correlated, on one core (Run) and on
// every core (RunParallel); sigma-go's evaluator runs on the same events,
// already decoded, in the same run. One op is one event. The parallel
// sub-benchmark reports its speed-up over the faster sigma-go variant.
func BenchmarkScanProcessCreation(b *testing.B) {
	res := frontend.Load(shared.SigmaHQRuleDirs(b), frontend.Options{})
	var rules []*ast.Rule
	var files []string
	for _, r := range res.Detections() {
		if gentest.IsProcessCreationRule(r) {
			rules = append(rules, r)
			files = append(files, r.Pos.File)
		}
	}
	prog, err := CompileRules(rules)
	if err != nil {
		b.Fatal(err)
	}
	data, n := gentest.ProcessCreationJSONL(b)
	var events []engine.Event
	rd, err := logs.NewReader("bench.jsonl", bytes.NewReader(data), logs.FormatJSONLines)
	if err != nil {
		b.Fatal(err)
	}
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		events = append(events, rec.Event)
	}
	if len(events) != n {
		b.Fatalf("read %d of %d events", len(events), n)
	}
	// stream reads the JSON lines over and over, up to count events (parsed
	// on a goroutine of their own when ahead, as rulec scan does on several cores).
	stream := func(count int, ahead bool) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			for read := 0; read < count; {
				rd, err := logs.NewReader("bench.jsonl", bytes.NewReader(data), logs.FormatJSONLines)
				if err != nil {
					yield(Event{}, err)
					return
				}
				if ahead {
					rd = logs.ReadAhead(rd, 4)
				}
				for ; read < count; read++ {
					rec, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil || !yield(Event{Fields: rec.Event, Time: rec.Time, Source: rec.Source, Index: rec.Index, Line: rec.Line}, err) {
						rd.Close()
						return
					}
				}
				rd.Close()
			}
		}
	}
	sigmaGo := gentest.BenchSigmaGo(b, files, events)
	benchScan(b, prog, n, stream, sigmaGo)
}

// benchScan runs a scan over stream(b.N events, read ahead) on one core and on
// every core, reporting events/s and, when sigmaGo is known, the ratio to it.
func benchScan(b *testing.B, prog *Program, streamLen int, stream func(count int, ahead bool) iter.Seq2[Event, error], sigmaGo float64) {
	for _, c := range []struct {
		name    string
		workers int
	}{{"rulec-1-core", 1}, {"rulec-all-cores", 0}} {
		b.Run(c.name, func(b *testing.B) {
			// Warm up outside the timing: the engine builds a field's automaton
			// on the first event that has the field (part of loading, not of reading).
			if err := prog.NewStream().RunParallel(context.Background(), stream(2*streamLen, false), 1, func(Result) error { return nil }); err != nil {
				b.Fatal(err)
			}
			matches := 0
			b.ReportAllocs()
			b.ResetTimer()
			err := prog.NewStream().RunParallel(context.Background(), stream(b.N, c.workers != 1), c.workers, func(Result) error {
				matches++
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			gentest.Report(b, prog.Len(), streamLen, matches)
			if sec := b.Elapsed().Seconds(); sec > 0 && sigmaGo > 0 {
				b.ReportMetric(float64(b.N)/sec/sigmaGo, "x-sigma-go")
			}
		})
	}
}

// BenchmarkScanEVTX is rulec scan of EVTX files after loading: every SigmaHQ
// rule of product windows over the SigmaHQ regression captures (.evtx), each
// file opened, parsed, rendered, matched and correlated, over and over (file
// overhead included), on one core and on every core (each file parsed on its
// own goroutine, the next one opened ahead, as rulec scan does). One op is one event.
func BenchmarkScanEVTX(b *testing.B) {
	res := frontend.Load(shared.SigmaHQRuleDirs(b), frontend.Options{})
	var rules []*ast.Rule
	for _, r := range res.Rules {
		if strings.EqualFold(r.Logsource.Product, "windows") {
			rules = append(rules, r)
		}
	}
	prog, err := CompileRules(rules)
	if err != nil {
		b.Fatal(err)
	}
	var files []string
	filepath.WalkDir(shared.Path(b, "sigmahq", "regression_data"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	open := func(i int, ahead bool) logs.Reader {
		rd, err := logs.Open(files[i%len(files)], logs.FormatEVTX)
		if err != nil {
			b.Fatal(err)
		}
		if ahead {
			rd = logs.ReadAhead(rd, 4)
		}
		return rd
	}
	stream := func(count int, ahead bool) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			rd := open(0, ahead)
			defer func() { rd.Close() }()
			for i, read := 0, 0; read < count; i++ {
				next := open(i+1, ahead)
				for read < count {
					rec, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						continue // unreadable records are reported by the reader tests
					}
					read++
					if !yield(Event{Fields: rec.Event, Time: rec.Time, Source: rec.Source, Index: rec.Index}, nil) {
						next.Close()
						return
					}
				}
				rd.Close()
				rd = next
			}
		}
	}
	benchScan(b, prog, len(files), stream, 0)
}

// BenchmarkLoadCompileWindows is what rulec scan waits for before reading a
// log: loading every SigmaHQ rule file (rules* folders) and compiling the
// rules of product windows (one op is one load and compile).
func BenchmarkLoadCompileWindows(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		res := frontend.Load(dirs, frontend.Options{})
		var rules []*ast.Rule
		for _, r := range res.Rules {
			if strings.EqualFold(r.Logsource.Product, "windows") {
				rules = append(rules, r)
			}
		}
		prog, err := CompileRules(rules)
		if err != nil {
			b.Fatal(err)
		}
		n = prog.Len()
	}
	b.ReportMetric(float64(n), "rules")
}
