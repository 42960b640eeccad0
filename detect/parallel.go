package detect

import (
	"context"
	"iter"
	"runtime"
	"sync"

	"github.com/rulec/rulec/engine"
)

// parallelBatch is the number of events a matcher takes at a time.
const parallelBatch = 64

// RunParallel is Run on s with the rule matching spread over workers
// goroutines (GOMAXPROCS when workers is 0): the events are read, and their
// results emitted and fed to correlations, on the calling goroutine in input
// order, so the results are the ones Run gives, in the same order. events and
// emit are called from the calling goroutine only. Events are matched in
// batches: an event's results may wait for later events to be read, so use Run
// for live streams whose next event may be long in coming. With one worker
// it is Run.
func (s *Stream) RunParallel(ctx context.Context, events iter.Seq2[Event, error], workers int, emit func(Result) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers == 1 {
		return Run(ctx, s, events, emit)
	}
	type batch struct {
		events  []Event
		matched []int // the matched rules of every event, one after the other
		ends    []int // ends[i]: the end of event i's rules in matched
		done    chan struct{}
	}
	jobs := make(chan *batch, workers)
	var wg sync.WaitGroup
	for range workers {
		m := s.p.rs.NewEvaluator()
		s.matchers = append(s.matchers, m)
		wg.Add(1)
		go func(m *engine.Evaluator) {
			defer wg.Done()
			for b := range jobs {
				for _, ev := range b.events {
					b.matched = append(b.matched, m.Match(ev.Fields)...)
					b.ends = append(b.ends, len(b.matched))
				}
				close(b.done)
			}
		}(m)
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	// pending are the batches handed to the matchers, oldest first.
	var pending []*batch
	var free []*batch
	newBatch := func() *batch {
		if n := len(free); n > 0 {
			b := free[n-1]
			free = free[:n-1]
			b.events, b.matched, b.ends = b.events[:0], b.matched[:0], b.ends[:0]
			b.done = make(chan struct{})
			return b
		}
		return &batch{events: make([]Event, 0, parallelBatch), done: make(chan struct{})}
	}
	// emitOldest waits for the oldest pending batch and emits its results.
	emitOldest := func() error {
		b := pending[0]
		pending = pending[1:]
		<-b.done
		start := 0
		for i, ev := range b.events {
			for _, r := range s.detected(ev, b.matched[start:b.ends[i]]) {
				if err := emit(r); err != nil {
					return err
				}
			}
			start = b.ends[i]
		}
		clear(b.events)
		free = append(free, b)
		return nil
	}
	drain := func() error {
		for len(pending) > 0 {
			if err := emitOldest(); err != nil {
				return err
			}
		}
		return nil
	}
	cur := newBatch()
	submit := func() error {
		if len(cur.events) == 0 {
			return nil
		}
		// At most 2 batches per matcher in flight: wait for the oldest first.
		for len(pending) >= 2*workers {
			if err := emitOldest(); err != nil {
				return err
			}
		}
		pending = append(pending, cur)
		jobs <- cur
		cur = newBatch()
		// Emit what is ready without waiting.
		for len(pending) > 0 {
			select {
			case <-pending[0].done:
				if err := emitOldest(); err != nil {
					return err
				}
				continue
			default:
			}
			break
		}
		return nil
	}
	for ev, err := range events {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			// As Run: the events read before have their results.
			if e := submit(); e != nil {
				return e
			}
			if e := drain(); e != nil {
				return e
			}
			return err
		}
		cur.events = append(cur.events, ev)
		if len(cur.events) == parallelBatch {
			if err := submit(); err != nil {
				return err
			}
		}
	}
	if err := submit(); err != nil {
		return err
	}
	if err := drain(); err != nil {
		return err
	}
	// Run over no more events: the flush and its alerts, as Run ends.
	return Run(ctx, s, func(func(Event, error) bool) {}, emit)
}
