// Package detect is rulec's Go API: compile Sigma rules once into a Program,
// then run detection and correlation over streams of events.
//
// The model is cel-go's Env.Compile -> Program.Eval and OPA's
// rego.PrepareForEval: the costly work (loading YAML, resolving references,
// compiling matchers and their indexes) happens once in Compile, and the
// Program it returns is immutable and safe for concurrent use. Correlation
// state belongs to one stream of events, so evaluation goes through a Stream
// (Program.NewStream), one per stream and per goroutine. Run feeds a sequence
// of events to any Detector, in order, and hands every result to a callback.
//
//	prog, err := detect.Compile(rulesFS, detect.Paths("rules"))  // err lists problems as file:line:col
//	s := prog.NewStream(detect.TimeFields("ts"))
//	results, err := s.Detect(ctx, detect.Event{Fields: ev})
//	...
//	results, err = s.Flush(ctx)                                    // end of stream: windows close
//
// Rules that fail to load or compile are reported and left out; the others run.
package detect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/pipeline"
)

// Event is one event fed to a Detector.
type Event struct {
	// Fields holds the event's fields (engine.MapEvent over decoded JSON, or a log reader's record).
	Fields engine.Event
	// Time is the event's own time (a log record's timestamp); zero when unknown.
	// Correlations read the time fields (TimeFields) when it is zero or when time
	// fields are configured.
	Time time.Time
	// Source and Index locate the event (a file name and the record's position);
	// correlation alerts list them.
	Source string
	Index  int
}

// Result is a detection (a rule matched an event) or a correlation alert.
type Result struct {
	// Rule is the detection rule that matched or the correlation rule that fired.
	Rule *ast.Rule
	// Event is the event that matched or that completed the alert (zero for alerts of Flush).
	Event Event
	// Alert is set on correlation alerts: group, value and contributing events.
	Alert *correlation.Alert
	// Suppressed is set when the rule only feeds correlations (it is referenced by
	// correlations with generate: false): most callers do not report such results.
	Suppressed bool
}

// Detector is what a stream of events runs through: the interpreter's Stream,
// or a generated package's Correlator adapted to it. Implementations are not
// expected to be safe for concurrent use: correlation state is per stream.
type Detector interface {
	// Detect evaluates one event and returns its detections, each followed by the
	// correlation alerts it completed. The slice may be reused by the next call.
	Detect(ctx context.Context, ev Event) ([]Result, error)
	// Flush ends the stream: it closes every open correlation window and returns
	// the alerts decided at close.
	Flush(ctx context.Context) ([]Result, error)
}

// Run feeds the events to d in order and calls emit with every result, in
// order; the results of an event are emitted before the next event is read. At
// the end of the events it flushes d and emits the last alerts. Run stops at the
// first error an event carries, emit returns or ctx reports (cancellation stops
// a stream between two events, without flushing), and returns it.
func Run(ctx context.Context, d Detector, events iter.Seq2[Event, error], emit func(Result) error) error {
	for ev, err := range events {
		if err != nil {
			return err
		}
		rs, err := d.Detect(ctx, ev)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	rs, err := d.Flush(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// Program is a compiled rule set: detection rules with their matchers and
// indexes, and correlation rules. It is immutable and safe for concurrent use;
// evaluate it through Streams.
type Program struct {
	rules  []*ast.Rule // every loaded rule, correlations included
	rs     *engine.Ruleset
	diags  ErrorList
	stream streamConfig
	// warnings are the correlation rules that cannot run, and the budget decisions taken for them.
	warnings []error
	// suppressed and feeds are per ruleset index: the rule only feeds correlations / some correlation uses it.
	suppressed, feeds []bool
	isSuppressed      func(*ast.Rule) bool
}

// Compile loads the rules of fsys (the paths given by Paths, default all of
// it), applies the pipelines, compiles them and checks the correlations. The
// Program holds every rule that loaded and compiled. The error, when not nil, is
// an ErrorList of every problem found (Program.Diagnostics has the warnings too).
func Compile(fsys fs.FS, opts ...Option) (*Program, error) {
	cfg := newConfig(opts)
	paths := cfg.paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	res := frontend.LoadFS(fsys, paths, frontend.Options{})
	diags := res.Diagnostics
	rules := res.Rules
	if len(cfg.pipelines) > 0 {
		var ds ast.Diagnostics
		rules, ds = pipeline.Resolve(cfg.pipelines).Apply(rules)
		diags = append(diags, ds...)
	}
	p := compile(rules, cfg)
	p.diags = append(ErrorList(diags), p.diags...)
	return p, p.diags.Err()
}

// CompileRules is Compile for rules already loaded (frontend.Load or LoadFS,
// with pipelines applied); Paths and Pipelines do not apply.
func CompileRules(rules []*ast.Rule, opts ...Option) (*Program, error) {
	p := compile(rules, newConfig(opts))
	return p, p.diags.Err()
}

func compile(rules []*ast.Rule, cfg config) *Program {
	rs, diags := engine.NewRuleset(rules, engine.Options{Profile: cfg.profile, IgnoreLogsource: cfg.ignoreLogsource})
	p := fromRuleset(rs, rules, cfg.stream)
	p.diags = ErrorList(diags)
	return p
}

// FromRuleset makes a Program of a ruleset compiled by engine.NewRuleset; rules
// are all the loaded rules (correlations and the rules they reference included).
func FromRuleset(rs *engine.Ruleset, rules []*ast.Rule, opts ...StreamOption) *Program {
	var sc streamConfig
	for _, o := range opts {
		o(&sc)
	}
	return fromRuleset(rs, rules, sc)
}

func fromRuleset(rs *engine.Ruleset, rules []*ast.Rule, sc streamConfig) *Program {
	p := &Program{rules: rules, rs: rs, stream: sc}
	corr, errs := correlation.New(rules, p.stream.corr)
	for _, err := range errs {
		p.warnings = append(p.warnings, unresolvedError{err})
	}
	p.warnings = append(p.warnings, corr.Warnings()...)
	p.isSuppressed = correlation.SuppressedSet(rules)
	p.suppressed = make([]bool, rs.Len())
	p.feeds = make([]bool, rs.Len())
	for i := range p.suppressed {
		p.suppressed[i] = p.isSuppressed(rs.Rule(i))
		p.feeds[i] = corr.Interested(rs.Rule(i))
	}
	return p
}

// Len returns the number of detection rules that compiled.
func (p *Program) Len() int { return p.rs.Len() }

// Rules returns every rule of the program, correlations included. They are shared: do not modify them.
func (p *Program) Rules() []*ast.Rule { return p.rules }

// Diagnostics returns the problems found by Compile, errors and warnings, with their positions.
func (p *Program) Diagnostics() ErrorList { return p.diags }

// Warnings returns the correlation rules that cannot run (their references are not
// loaded: errors.Is(err, ErrUnresolved)) and the budget decisions taken for the
// others (chains deeper than correlation.Options.MaxDepth).
func (p *Program) Warnings() []error { return p.warnings }

// ErrUnresolved marks the Warnings of correlations whose referenced rules are not loaded.
var ErrUnresolved = errors.New("correlation reference not loaded")

type unresolvedError struct{ error }

func (e unresolvedError) Is(target error) bool { return target == ErrUnresolved }
func (e unresolvedError) Unwrap() error        { return e.error }

// Suppressed reports whether a rule only feeds correlations (it is referenced by correlations with generate: false).
func (p *Program) Suppressed(r *ast.Rule) bool { return p.isSuppressed(r) }

// EventTime returns the time correlations use for ev: ev.Time, unless it is zero
// or time fields are configured (TimeFields), then the first time field that
// parses (TimeLayout). False when neither gives a time.
func (p *Program) EventTime(ev Event) (time.Time, bool) { return p.stream.eventTime(ev) }

// ErrorList is a list of problems found in rules, each at file:line:column,
// sorted by position, as go/scanner.ErrorList.
type ErrorList []ast.Diagnostic

// Error describes the first problem and how many more there are.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", l[0].Error(), len(l)-1)
}

// Err returns l when it holds an error (a warning alone is no error), else nil.
func (l ErrorList) Err() error {
	if ast.Diagnostics(l).HasErrors() {
		return l
	}
	return nil
}
