package gogen

import "strings"

// The generated package's Detector runs its rules as a detect.Detector (the
// interface lives in engine/detection, which the generated package imports
// instead of the front end): detections as ast.Rule values built once from the
// metadata table, correlation alerts from its Correlator's engine, event times
// decided by detection.Time as the interpreter's detect.Stream decides them.

// emitDetector writes detector_gen.go.
func (g *generator) emitDetector() error {
	body := detectorAPI
	if g.corr == nil {
		body = detectorNoCorrelation
	}
	imports := map[string]bool{"context": true, "sync": true, "time": true, "github.com/rulec/rulec/ast": true,
		"github.com/rulec/rulec/engine/correlation": true, "github.com/rulec/rulec/engine/detection": true}
	return g.goFile("detector_gen.go", "", imports, detectorCommon+strings.TrimLeft(body, "\n"))
}

// detectorCommon is the part of detector_gen.go every package has.
const detectorCommon = `// ruleAST holds an ast.Rule of each detection rule, with its metadata, for
// the results of a Detector.
var ruleAST = sync.OnceValue(func() []*ast.Rule {
	out := make([]*ast.Rule, len(ruleTable))
	for i := range ruleTable {
		r := &ruleTable[i]
		out[i] = &ast.Rule{Kind: ast.KindDetection, ID: r.ID, Name: r.Name, Title: r.Title, Status: r.Status,
			Level: r.Level, Description: r.Description, Author: r.Author, License: r.License, Date: r.Date,
			Modified: r.Modified, Tags: r.Tags, References: r.References, FalsePositives: r.FalsePositives,
			Fields: r.Fields, Logsource: ast.Logsource{Product: r.Logsource.Product, Category: r.Logsource.Category,
				Service: r.Logsource.Service, Definition: r.Logsource.Definition}, Pos: ast.Pos{File: r.File, Line: r.Line}}
	}
	return out
})

// Detector runs the rules over one stream of events as a detect.Detector
// (github.com/rulec/rulec/detect; the interface is engine/detection's):
// detect.Run(ctx, NewDetector(...), events, emit) gives what the interpreter's
// detect.Stream gives for the same rules. It is not safe for concurrent use:
// use one per stream of events.
type Detector struct {
	m    *Matcher
	time correlation.TimeSource
	out  []detection.Result
`

// detectorAPI is the rest of detector_gen.go for a package with correlation rules.
const detectorAPI = `
	e *correlation.Engine
}

// corrAlertRule holds the correlation rules of alerts with their metadata, by the rule the engine knows.
var corrAlertRule = sync.OnceValue(func() map[*ast.Rule]*ast.Rule {
	out := make(map[*ast.Rule]*ast.Rule, len(corrTable))
	for i := range corrTable {
		c := &corrTable[i]
		r := *c.rule
		r.Status, r.Description, r.Author, r.Tags, r.References = c.Status, c.Description, c.Author, c.Tags, c.References
		r.Pos = ast.Pos{File: c.File, Line: c.Line}
		out[c.rule] = &r
	}
	return out
})

// corrSuppressed tells whether a correlation's alerts only feed other correlations.
var corrSuppressed = sync.OnceValue(func() func(*ast.Rule) bool { return correlation.SuppressedSet(corrAST) })

// NewDetector returns a Detector: ts names the event fields holding the time
// (see detection.Time), opts are the correlation budgets.
func NewDetector(ts correlation.TimeSource, opts correlation.Options) *Detector {
	e, _ := correlation.New(corrAST, opts)
	return &Detector{m: NewMatcher(), time: ts, e: e}
}

// Detect evaluates one event: its detections, each followed by the correlation
// alerts it completed. The slice is reused by the next call.
func (d *Detector) Detect(ctx context.Context, ev detection.Event) ([]detection.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.out = d.out[:0]
	var t time.Time
	timed := false
	for _, i := range d.m.MatchIndices(ev.Fields) {
		d.out = append(d.out, detection.Result{Rule: ruleAST()[i], Event: ev, Suppressed: ruleTable[i].Suppressed})
		b := corrBase(i)
		if b < 0 {
			continue
		}
		if !timed {
			t, _ = detection.Time(ev, d.time)
			timed = true
		}
		for _, a := range d.e.Observe(correlation.Match{Rule: corrAST[b], Event: ev.Fields, Time: t,
			Ref: correlation.EventRef{Source: ev.Source, Index: ev.Index}}) {
			d.out = append(d.out, alertResult(a, ev))
		}
	}
	return d.out, nil
}

// Flush closes every open window (end of the stream) and returns the alerts of
// correlations evaluated when their window closes.
func (d *Detector) Flush(ctx context.Context) ([]detection.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.out = d.out[:0]
	for _, a := range d.e.Flush() {
		d.out = append(d.out, alertResult(a, detection.Event{}))
	}
	return d.out, nil
}

// Stats returns the correlation engine's statistics.
func (d *Detector) Stats() correlation.Stats { return d.e.Stats() }

func alertResult(a correlation.Alert, ev detection.Event) detection.Result {
	suppressed := corrSuppressed()(a.Rule)
	if r := corrAlertRule()[a.Rule]; r != nil {
		a.Rule = r
	}
	return detection.Result{Rule: a.Rule, Event: ev, Alert: &a, Suppressed: suppressed}
}
`

// detectorNoCorrelation is the rest of detector_gen.go for a package without correlation rules.
const detectorNoCorrelation = `
}

// NewDetector returns a Detector. The package has no correlation rule: ts and
// opts are accepted for the same signature as packages that have some.
func NewDetector(ts correlation.TimeSource, opts correlation.Options) *Detector {
	return &Detector{m: NewMatcher(), time: ts}
}

// Detect evaluates one event: its detections. The slice is reused by the next call.
func (d *Detector) Detect(ctx context.Context, ev detection.Event) ([]detection.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.out = d.out[:0]
	for _, i := range d.m.MatchIndices(ev.Fields) {
		d.out = append(d.out, detection.Result{Rule: ruleAST()[i], Event: ev, Suppressed: ruleTable[i].Suppressed})
	}
	return d.out, nil
}

// Flush ends the stream; without correlation rules there is nothing to close.
func (d *Detector) Flush(ctx context.Context) ([]detection.Result, error) { return nil, ctx.Err() }

// Stats returns zero statistics: the package has no correlation rule.
func (d *Detector) Stats() correlation.Stats { return correlation.Stats{} }
`
