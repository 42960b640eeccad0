package detect

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"
)

// TestRunParallelSameAsRun: RunParallel gives Run's results in Run's order
// (detections and correlation alerts), whatever the number of workers and
// however the events fall into batches, and stops where Run stops.
func TestRunParallelSameAsRun(t *testing.T) {
	prog, err := Compile(testRules, Paths("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for i := range 1000 {
		image := "whoami.exe"
		if i%3 == 1 {
			image = "notepad.exe"
		}
		evs = append(evs, event(i, fmt.Sprint("user", i%7), image, (i/5)%60))
	}
	collect := func(run func(emit func(Result) error) error) (string, error) {
		var got []Result
		err := run(func(r Result) error {
			got = append(got, r)
			return nil
		})
		return describe(got), err
	}
	want, err := collect(func(emit func(Result) error) error {
		return Run(context.Background(), prog.NewStream(), events(evs...), emit)
	})
	if err != nil || want == "" {
		t.Fatalf("Run: %v, %q", err, want)
	}
	for _, n := range []int{0, 1, 2, 3, 8, 1000, 1001} {
		for _, workers := range []int{0, 1, 2, 4} {
			got, err := collect(func(emit func(Result) error) error {
				return prog.NewStream().RunParallel(context.Background(), events(evs[:min(n, len(evs))]...), workers, emit)
			})
			w, _ := collect(func(emit func(Result) error) error {
				return Run(context.Background(), prog.NewStream(), events(evs[:min(n, len(evs))]...), emit)
			})
			if err != nil || got != w {
				t.Errorf("%d events, %d workers: err %v, results differ from Run:\n%s\nwant:\n%s", n, workers, err, got, w)
			}
		}
	}

	// An event error and a cancellation: the events read before have their results, as with Run.
	boom := errors.New("boom")
	failing := func(at int, cancel func()) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) {
			for i, ev := range evs {
				if i == at {
					if cancel != nil {
						cancel()
					} else {
						yield(Event{}, boom)
						return
					}
				}
				if !yield(ev, nil) {
					return
				}
			}
		}
	}
	for _, at := range []int{0, 5, 64, 300} {
		for _, cancelled := range []bool{false, true} {
			run := func(parallel bool) (string, error) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var c func()
				if cancelled {
					c = cancel
				}
				return collect(func(emit func(Result) error) error {
					if parallel {
						return prog.NewStream().RunParallel(ctx, failing(at, c), 2, emit)
					}
					return Run(ctx, prog.NewStream(), failing(at, c), emit)
				})
			}
			w, werr := run(false)
			got, err := run(true)
			if got != w || !errors.Is(err, werr) || werr == nil {
				t.Errorf("stop at %d (cancelled %v): err %v (Run: %v), results differ: %d vs %d bytes", at, cancelled, err, werr, len(got), len(w))
			}
		}
	}
	// An emit error stops it at once.
	n := 0
	if err := prog.NewStream().RunParallel(context.Background(), events(evs...), 2, func(Result) error { n++; return boom }); err != boom || n != 1 {
		t.Errorf("emit error: %v after %d results", err, n)
	}
}
