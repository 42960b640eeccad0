package ruletest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
)

// correlationFixture feeds a timed event sequence through the ruleset and the
// correlation engine and compares the alerts of the correlation under test.
func (r *Runner) correlationFixture(fx *Fixture) Case {
	c := Case{Kind: "correlation", Where: fmt.Sprintf("%s:%d", fx.File, fx.Line), Rule: fx.Correlation, Name: fx.Name}
	if c.Name == "" {
		c.Name = fx.Correlation
	}
	if r.SkipCorrelations != "" {
		c.Status, c.Message = Skip, r.SkipCorrelations
		return c
	}
	target := r.findCorrelation(fx.Correlation)
	if target == nil {
		c.Status, c.Message = Fail, fmt.Sprintf("correlation rule %q is not among the loaded rules", fx.Correlation)
		return c
	}
	c.Rule = ruleLabel(target)
	prog := detect.FromRuleset(r.rs, r.All, detect.Tolerance(fx.Tolerance))
	for _, err := range prog.Warnings() {
		if errors.Is(err, detect.ErrUnresolved) {
			c.Status, c.Message = Fail, err.Error()
			return c
		}
	}
	// The fixture's events in order, each with its time: the record's own, else a time field.
	pos := 0
	events := func(yield func(detect.Event, error) bool) {
		feed := func(ev engine.Event, t0 logs.Record, where string) bool {
			t, ok := prog.EventTime(detect.Event{Fields: ev, Time: t0.Time})
			if !ok {
				return yield(detect.Event{}, fmt.Errorf("%sevent %d has no time field (%s)", where, pos, strings.Join(correlation.DefaultTimeFields(), ", ")))
			}
			defer func() { pos++ }()
			return yield(detect.Event{Fields: ev, Time: t, Source: "events", Index: pos}, nil)
		}
		for _, it := range fx.Events {
			if it.File == "" {
				if !feed(toEvent(it.Event), logs.Record{}, "") {
					return
				}
				continue
			}
			path, err := r.fixturePath(fx.File, it.File)
			if err != nil {
				yield(detect.Event{}, fmt.Errorf("reading %s: %v", it.File, err))
				return
			}
			recs, _, err := logs.ReadAll(path, it.Format)
			if err != nil {
				yield(detect.Event{}, fmt.Errorf("reading %s: %v", path, err))
				return
			}
			for _, rec := range recs {
				if !feed(rec.Event, rec, path+": ") {
					return
				}
			}
		}
	}
	var got []correlation.Alert
	err := detect.Run(context.Background(), prog.NewStream(), events, func(res detect.Result) error {
		if res.Alert != nil && res.Rule == target {
			got = append(got, *res.Alert)
		}
		return nil
	})
	if err != nil {
		c.Status, c.Message = Fail, err.Error()
		return c
	}
	if msg := compareAlerts(fx.Alerts, got); msg != "" {
		c.Status, c.Message = Fail, msg+"; got "+describeAlerts(got)
		return c
	}
	c.Status, c.Message = Pass, fmt.Sprintf("%d alerts as expected over %d events", len(got), pos)
	return c
}

// findCorrelation resolves a correlation rule by id (case-insensitive), name or title.
func (r *Runner) findCorrelation(ref string) *ast.Rule {
	for _, x := range r.All {
		if x.Kind == ast.KindCorrelation && (strings.EqualFold(x.ID, ref) && x.ID != "" || x.Name == ref && x.Name != "") {
			return x
		}
	}
	for _, x := range r.All {
		if x.Kind == ast.KindCorrelation && x.Title == ref {
			return x
		}
	}
	return nil
}

func compareAlerts(want []ExpectedAlert, got []correlation.Alert) string {
	if len(want) != len(got) {
		return fmt.Sprintf("want %d alerts, got %d", len(want), len(got))
	}
	for i, w := range want {
		a := got[i]
		for f, v := range w.Group {
			found := false
			for _, g := range a.Group {
				found = found || g.Field == f && g.Value == v
			}
			if !found {
				return fmt.Sprintf("alert %d (line %d): want group %s=%q", i, w.Line, f, v)
			}
		}
		if w.Events != nil {
			var idx []int
			for _, e := range a.Events {
				idx = append(idx, e.Index)
			}
			if fmt.Sprint(idx) != fmt.Sprint(w.Events) {
				return fmt.Sprintf("alert %d (line %d): want events %v, got %v", i, w.Line, w.Events, idx)
			}
		}
		if w.Value != nil && *w.Value != a.Value {
			return fmt.Sprintf("alert %d (line %d): want value %g, got %g", i, w.Line, *w.Value, a.Value)
		}
	}
	return ""
}

func describeAlerts(as []correlation.Alert) string {
	if len(as) == 0 {
		return "no alerts"
	}
	var parts []string
	for _, a := range as {
		var g []string
		for _, v := range a.Group {
			g = append(g, v.Field+"="+v.Value)
		}
		sort.Strings(g)
		var idx []string
		for _, e := range a.Events {
			idx = append(idx, fmt.Sprint(e.Index))
		}
		parts = append(parts, fmt.Sprintf("{%s value=%g events=[%s]}", strings.Join(g, ","), a.Value, strings.Join(idx, " ")))
	}
	return strings.Join(parts, " ")
}
