package detect

import (
	"context"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
)

// Stream evaluates a Program over one stream of events, with its own
// correlation state. It is the interpreter's Detector. A Stream is not safe for
// concurrent use: use one per stream of events (and per goroutine).
type Stream struct {
	p      *Program
	stream streamConfig
	ev     *engine.Evaluator
	corr   *correlation.Engine
	out    []Result
	// matchers are the evaluators of RunParallel's workers, kept for Panics.
	matchers []*engine.Evaluator
}

var _ Detector = (*Stream)(nil)

// NewStream returns a stream over the program, with the program's stream options
// and then opts.
func (p *Program) NewStream(opts ...StreamOption) *Stream {
	sc := p.stream
	for _, o := range opts {
		o(&sc)
	}
	// The references were checked when the program was built (Program.Warnings).
	corr, _ := correlation.New(p.rules, sc.corr)
	return &Stream{p: p, stream: sc, ev: p.rs.NewEvaluator(), corr: corr}
}

// Detect evaluates one event: see Detector. The slice is reused by the next call.
func (s *Stream) Detect(ctx context.Context, ev Event) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.detected(ev, s.ev.Match(ev.Fields)), nil
}

// detected builds the results of an event from the rules it matched (indices
// in ascending order), feeding correlations in order: the one implementation
// behind Detect and the parallel matchers of RunParallel.
func (s *Stream) detected(ev Event, matched []int) []Result {
	s.out = s.out[:0]
	var t timeOnce
	for _, i := range matched {
		r := s.p.rs.Rule(i)
		s.out = append(s.out, Result{Rule: r, Event: ev, Suppressed: s.p.suppressed[i]})
		if !s.p.feeds[i] {
			continue
		}
		for _, a := range s.corr.Observe(correlation.Match{Rule: r, Event: ev.Fields, Time: t.get(s, ev),
			Ref: correlation.EventRef{Source: ev.Source, Index: ev.Index}}) {
			s.out = append(s.out, s.alert(a, ev))
		}
	}
	return s.out
}

// timeOnce reads an event's time once, when a correlation first needs it.
type timeOnce struct {
	t    time.Time
	done bool
}

func (t *timeOnce) get(s *Stream, ev Event) time.Time {
	if !t.done {
		t.t, _ = s.stream.eventTime(ev)
		t.done = true
	}
	return t.t
}

// Flush ends the stream: see Detector.
func (s *Stream) Flush(ctx context.Context) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.out = s.out[:0]
	for _, a := range s.corr.Flush() {
		s.out = append(s.out, s.alert(a, Event{}))
	}
	return s.out, nil
}

func (s *Stream) alert(a correlation.Alert, ev Event) Result {
	return Result{Rule: a.Rule, Event: ev, Alert: &a, Suppressed: s.p.isSuppressed(a.Rule)}
}

// Stats returns the correlation state's statistics and every decision a budget took.
func (s *Stream) Stats() correlation.Stats { return s.corr.Stats() }

// Panic records a rule whose evaluation panicked; the event was evaluated without it.
type Panic struct {
	// Rule is the rule, or nil for a panic outside any rule (while selecting candidates).
	Rule *ast.Rule
	// Value is the first panic's value, Count how many evaluations panicked.
	Value any
	Count int
}

// Panics lists the rules whose evaluation panicked so far (in RunParallel's
// matchers too: their counts are added, the value is the first matcher's).
func (s *Stream) Panics() []Panic {
	var out []Panic
	at := map[int]int{}
	for _, ev := range append([]*engine.Evaluator{s.ev}, s.matchers...) {
		for _, p := range ev.Panics() {
			if k, ok := at[p.Rule]; ok {
				out[k].Count += p.Count
				continue
			}
			x := Panic{Value: p.Value, Count: p.Count}
			if p.Rule >= 0 {
				x.Rule = s.p.rs.Rule(p.Rule)
			}
			at[p.Rule] = len(out)
			out = append(out, x)
		}
	}
	return out
}
