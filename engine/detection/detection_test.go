package detection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
)

// fake detects every event twice and alerts at Flush.
type fake struct{ rule, corr *ast.Rule }

func (f fake) Detect(ctx context.Context, ev Event) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return []Result{{Rule: f.rule, Event: ev}, {Rule: f.corr, Event: ev, Alert: &correlation.Alert{Rule: f.corr}}}, nil
}

func (f fake) Flush(ctx context.Context) ([]Result, error) {
	return []Result{{Rule: f.corr, Alert: &correlation.Alert{Rule: f.corr}}}, ctx.Err()
}

func TestRun(t *testing.T) {
	d := fake{&ast.Rule{Title: "r"}, &ast.Rule{Title: "c"}}
	boom := errors.New("boom")
	seq := func(n int, last error, cancel func()) func(func(Event, error) bool) {
		return func(yield func(Event, error) bool) {
			for i := range n {
				if i == 2 && cancel != nil {
					cancel()
				}
				if !yield(Event{Source: "e", Index: i}, nil) {
					return
				}
			}
			if last != nil {
				yield(Event{}, last)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		n       int
		last    error
		cancel  func()
		emitErr int // emit fails at this result (1-based)
		want    string
		err     error
	}{
		{name: "in order, then flush", ctx: context.Background(), n: 2, want: "r0 c0 r1 c1 c-"},
		{name: "no events", ctx: context.Background(), want: "c-"},
		{name: "event error", ctx: context.Background(), n: 1, last: boom, want: "r0 c0", err: boom},
		{name: "emit error", ctx: context.Background(), n: 3, emitErr: 3, want: "r0 c0 r1", err: boom},
		{name: "cancelled", ctx: ctx, n: 5, cancel: cancel, want: "r0 c0 r1 c1", err: context.Canceled},
	} {
		var got []string
		err := Run(tc.ctx, d, seq(tc.n, tc.last, tc.cancel), func(r Result) error {
			idx := fmt.Sprint(r.Event.Index)
			if r.Event.Source == "" { // an alert of Flush
				idx = "-"
			}
			got = append(got, r.Rule.Title+idx)
			if len(got) == tc.emitErr {
				return boom
			}
			return nil
		})
		if strings.Join(got, " ") != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, strings.Join(got, " "), err, tc.want, tc.err)
		}
	}
}

func TestTime(t *testing.T) {
	own := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	field := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	fields := engine.NewMapEvent(map[string]any{"UtcTime": "2026-03-01 10:00:00.000", "ts": "1772359200"})
	for _, tc := range []struct {
		name string
		ev   Event
		ts   correlation.TimeSource
		want time.Time
		ok   bool
	}{
		{"own time", Event{Fields: fields, Time: own}, correlation.TimeSource{}, own, true},
		{"default fields", Event{Fields: fields}, correlation.TimeSource{}, field, true},
		{"configured over own", Event{Fields: fields, Time: own}, correlation.TimeSource{Fields: []string{"ts"}}, field, true},
		{"configured missing", Event{Fields: fields, Time: own}, correlation.TimeSource{Fields: []string{"nope"}}, own, true},
		{"none", Event{Fields: engine.NewMapEvent(map[string]any{})}, correlation.TimeSource{}, time.Time{}, false},
	} {
		got, ok := Time(tc.ev, tc.ts)
		if !got.Equal(tc.want) || ok != tc.ok {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
