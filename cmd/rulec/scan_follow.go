package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
)

// followFlags are rulec scan's flags of the live mode.
func followFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "follow one growing JSON lines log (Wazuh's archives.json) as tail -F does, through rotation and truncation, writing alerts as JSON lines; ends on SIGINT/SIGTERM or --follow-idle"},
		&cli.BoolFlag{Name: "from-start", Usage: "with --follow: read the log's existing content first (default: start at its end)"},
		&cli.DurationFlag{Name: "follow-idle", Usage: "with --follow: stop after this long without new data (default: never)"},
		&cli.DurationFlag{Name: "follow-poll", Value: 250 * time.Millisecond, Usage: "with --follow: how often the log is checked for new data, rotation and truncation"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "with --follow: append the alerts to this file (created if needed; one JSON line per alert, written as it fires) instead of standard output"},
	}
}

// followAlert is one alert line of rulec scan --follow: a scan match plus the
// marker the sidecar Wazuh rules (rulec build --sidecar) key on, and the
// Wazuh agent of the event when the log says it.
type followAlert struct {
	scanMatch
	// Integration is always "rulec".
	Integration string `json:"integration"`
	// EventAgent is the Wazuh agent the event came from (archives.json).
	EventAgent *followAgent `json:"event_agent,omitempty"`
}

type followAgent struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// followIntegration marks rulec's alert lines for the sidecar rules.
const followIntegration = "rulec"

// followCommand checks the live mode's flags and runs it.
func followCommand(c *cli.Context, cfg scanConfig) error {
	if len(cfg.logs) != 1 || cfg.logs[0] == stdio {
		return failUsage(c, "rulec scan --follow: give exactly one log file to follow")
	}
	if cfg.format != "json" {
		return failUsage(c, "rulec scan --follow writes JSON lines; --format text is not supported")
	}
	if cfg.logFormat != logs.FormatAuto && cfg.logFormat != logs.FormatJSONLines {
		return failUsage(c, "rulec scan --follow reads JSON lines (--log-format jsonl or auto)")
	}
	opt := logs.FollowOptions{FromStart: c.Bool("from-start"), Idle: c.Duration("follow-idle"), Poll: c.Duration("follow-poll")}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := c.App.Writer
	if p := c.String("output"); p != "" && p != stdio {
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintf(c.App.ErrWriter, "rulec scan: %v\n", err)
			return exitError{1}
		}
		defer fh.Close()
		out = fh
	}
	return runFollow(ctx, out, c.App.ErrWriter, cfg, opt)
}

// runFollow scans the events appended to cfg.logs[0] until ctx ends or the
// log stays idle for opt.Idle, writing each alert as one JSON line to out.
func runFollow(ctx context.Context, out, stderr io.Writer, cfg scanConfig, opt logs.FollowOptions) error {
	res := applyPipelines(frontend.Load(cfg.rules, frontend.Options{}), cfg.pipelines)
	printDiagnostics(stderr, res.Diagnostics)
	rs, diags := engine.NewRuleset(res.Rules, cfg.engine)
	printDiagnostics(stderr, diags)
	corr, corrErrs := correlation.New(res.Rules, cfg.corr)
	for _, err := range append(corrErrs, corr.Warnings()...) {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	isSuppressed := correlation.SuppressedSet(res.Rules)
	suppressed := func(r *ast.Rule) bool { return !cfg.showSuppressed && isSuppressed(r) }
	feeds := make([]bool, rs.Len())
	for i := range feeds {
		feeds[i] = corr.Interested(rs.Rule(i))
	}
	w := &followWriter{out: out}
	ev := rs.NewEvaluator()
	var events, alerts, recordErrors int
	opt.Notify = func(msg string) { fmt.Fprintf(stderr, "note: %s\n", msg) }
	path := cfg.logs[0]
	err := logs.Follow(ctx, path, opt, func(rec logs.Record, err error) error {
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			recordErrors++
			return nil
		}
		if cfg.source != (engine.Source{}) {
			rec.Event = engine.WithSource(rec.Event, cfg.source)
		}
		events++
		for _, i := range ev.Match(rec.Event) {
			r := rs.Rule(i)
			if !suppressed(r) {
				alerts++
				w.match(r, rec)
			}
			if !feeds[i] {
				continue
			}
			t := rec.Time
			if t.IsZero() || len(cfg.time.Fields) > 0 {
				if tt, ok := cfg.time.Time(rec.Event); ok {
					t = tt
				}
			}
			for _, a := range corr.Observe(correlation.Match{Rule: r, Event: rec.Event, Time: t,
				Ref: correlation.EventRef{Source: rec.Source, Index: rec.Index}}) {
				if !suppressed(a.Rule) {
					alerts++
					w.alert(a, rec)
				}
			}
		}
		return w.err
	})
	for _, a := range corr.Flush() {
		if !suppressed(a.Rule) {
			alerts++
			w.alert(a, logs.Record{})
		}
	}
	printCorrelationStats(stderr, corr.Stats())
	fmt.Fprintf(stderr, "%d events followed in %s, %d alerts (%d rules evaluated), %d unreadable records\n",
		events, path, alerts, rs.Len(), recordErrors)
	if err == nil {
		err = w.err
	}
	if err != nil {
		fmt.Fprintf(stderr, "rulec scan: %v\n", err)
		return exitError{1}
	}
	if len(res.FailedFiles) > 0 || diags.HasErrors() || len(ev.Panics()) > 0 {
		return exitError{1}
	}
	return nil
}

// followWriter writes each alert as one JSON line with one write (a file
// opened for appending gets whole lines, each as soon as it fires).
type followWriter struct {
	out io.Writer
	err error
}

func (w *followWriter) match(r *ast.Rule, rec logs.Record) {
	m := scanMatch{RuleID: r.Ref(), Title: r.Title, Level: r.Level, Tags: r.Tags, Source: rec.Source,
		EventIndex: rec.Index, Line: rec.Line, RuleFile: r.Pos.File}
	if !rec.Time.IsZero() {
		m.Time = rec.Time.UTC().Format(time.RFC3339Nano)
	}
	w.write(m, rec.Event)
}

func (w *followWriter) alert(a correlation.Alert, rec logs.Record) {
	r := a.Rule
	m := scanMatch{RuleID: r.Ref(), Title: r.Title, Level: r.Level, Tags: r.Tags, RuleFile: r.Pos.File,
		Correlation: &scanCorrelation{Type: string(r.Correlation.Type), Group: a.Group, Value: a.Value, Events: a.Events}}
	if n := len(a.Events); n > 0 {
		m.Source, m.EventIndex = a.Events[n-1].Source, a.Events[n-1].Index
	}
	if !a.Time.IsZero() {
		m.Time = a.Time.UTC().Format(time.RFC3339Nano)
	}
	if m.Correlation.Group == nil {
		m.Correlation.Group = []correlation.GroupValue{}
	}
	w.write(m, rec.Event)
}

func (w *followWriter) write(m scanMatch, ev engine.Event) {
	if w.err != nil {
		return
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	a := followAlert{scanMatch: m, Integration: followIntegration}
	if ev != nil {
		id, _ := ev.Get("agent.id")
		name, _ := ev.Get("agent.name")
		if id.S != "" || name.S != "" {
			a.EventAgent = &followAgent{ID: id.S, Name: name.S}
		}
	}
	b, err := json.Marshal(a)
	if err != nil {
		w.err = err
		return
	}
	if _, err := w.out.Write(append(b, '\n')); err != nil {
		w.err = fmt.Errorf("writing alerts: %w", err)
	}
}
