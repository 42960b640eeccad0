package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
)

// scanMatch is one JSON output line of rulec scan.
type scanMatch struct {
	RuleID     string   `json:"rule_id"`
	Title      string   `json:"title"`
	Level      string   `json:"level,omitempty"`
	Tags       []string `json:"tags"`
	Source     string   `json:"source"`
	EventIndex int      `json:"event_index"`
	Line       int      `json:"line,omitempty"`
	Time       string   `json:"time,omitempty"`
	RuleFile   string   `json:"rule_file"`
	// Correlation is set on correlation alerts.
	Correlation *scanCorrelation `json:"correlation,omitempty"`
}

// scanCorrelation describes a correlation alert: the event that completed it is source/event_index.
type scanCorrelation struct {
	Type   string                   `json:"type"`
	Group  []correlation.GroupValue `json:"group"`
	Value  float64                  `json:"value"`
	Events []correlation.EventRef   `json:"events"`
}

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "evaluate detection rules on log files and print every match",
		ArgsUsage: "LOGS... (files or folders; - for standard input)",
		Description: "Prints one JSON object per match (rule_id, title, level, tags, source, event_index, line, time,\n" +
			"rule_file), or one line per match with --format text, and a summary on stderr. Log formats are\n" +
			"sniffed from the content (" + formatNames() + "); --log-format names one.\n" +
			"A rule only fires on events of its logsource, as the logsource profile (--profile) defines it.\n" +
			"Folders are read recursively (regular files, in lexical order); gzip-compressed logs of any format are\n" +
			"decompressed. A log named - is read from standard input (source \"<stdin>\"). The exit status is 1 when a log or\n" +
			"rule file could not be read, a rule could not be compiled or panicked, 2 on usage errors.",
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "rules", Aliases: []string{"r"}, Usage: "rule files or folders (repeatable; required)"},
			&cli.StringFlag{Name: "format", Value: "json", Usage: "output format: json or text"},
			&cli.StringFlag{Name: "log-format", Value: "auto", Usage: "log format: " + formatNames()},
			&cli.StringFlag{Name: "profile", Usage: "logsource profile YAML file (default: the built-in profile)"},
			&cli.BoolFlag{Name: "no-logsource", Usage: "let every rule see every event (ignore logsources)"},
			&cli.StringFlag{Name: "logsource", Usage: "declare the logsource of the log files, e.g. product=zeek,service=rdp (rules whose logsource contradicts it skip their events; replaces logsources: of .rulec.yml)"},
			&cli.StringFlag{Name: "config", Usage: "read the configuration (pipelines:, logsources:) from `FILE` instead of looking for .rulec.yml"},
			&cli.BoolFlag{Name: "no-config", Usage: "ignore any .rulec.yml"},
			&cli.BoolFlag{Name: "show-suppressed", Usage: "also print matches of rules that only feed correlations (generate: false)"},
			&cli.StringSliceFlag{Name: "time-field", Usage: "event field holding the event time, for correlations (repeatable; default: the record's own time, else @timestamp, timestamp, time, UtcTime, ...)"},
			&cli.StringFlag{Name: "time-format", Usage: "layout of the time field: a Go time layout, or unix, unix_ms, unix_us, unix_ns (default: RFC 3339 and common layouts, epochs by magnitude)"},
			&cli.DurationFlag{Name: "tolerance", Usage: "accept events this far out of time order in correlation windows (e.g. 30s)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress line on standard error (it is drawn only when standard error is a terminal)"},
			&cli.IntFlag{Name: "max-groups", Value: 100000, Usage: "cap on live correlation groups per rule (at least 1); the group furthest from firing is evicted past it"},
		}, followFlags()...),
		Action: func(c *cli.Context) error {
			if len(c.StringSlice("rules")) == 0 {
				return failUsage(c, "rulec scan: give the rules with --rules PATH (repeatable)")
			}
			if n := c.Int("max-groups"); n < 1 {
				return failUsage(c, fmt.Sprintf("rulec scan: --max-groups must be at least 1, found %d", n))
			}
			if c.NArg() == 0 {
				return failUsage(c, "rulec scan: give at least one log file (- for standard input)")
			}
			stdins := 0
			for _, p := range c.Args().Slice() {
				if p == stdio {
					stdins++
				}
			}
			if stdins > 1 {
				return failUsage(c, "rulec scan: standard input (-) can be read once")
			}
			format := c.String("format")
			if format != "json" && format != "text" {
				return failUsage(c, fmt.Sprintf("rulec scan: --format must be json or text, found %q", format))
			}
			logFormat, err := logs.ParseFormat(c.String("log-format"))
			if err != nil {
				return failUsage(c, "rulec scan: "+err.Error())
			}
			opts := engine.Options{IgnoreLogsource: c.Bool("no-logsource")}
			var source engine.Source
			if ls := c.String("logsource"); ls != "" {
				if source, err = engine.ParseSource(ls); err != nil {
					return failUsage(c, "rulec scan: --logsource: "+err.Error())
				}
			}
			var declared *configLogsources
			if file := configFile(c, c.StringSlice("rules")); file != "" && source == (engine.Source{}) {
				if declared, err = loadConfigLogsources(file); err != nil {
					return failUsage(c, "rulec scan: "+err.Error())
				}
			}
			if p := c.String("profile"); p != "" {
				if opts.Profile, err = engine.LoadProfile(p); err != nil {
					return failUsage(c, "rulec scan: "+err.Error())
				}
			}
			cfg := scanConfig{
				rules: c.StringSlice("rules"), logs: c.Args().Slice(), format: format, logFormat: logFormat,
				engine: opts, source: source, logsources: declared, showSuppressed: c.Bool("show-suppressed"), quiet: c.Bool("quiet"), pipelines: pipelineFiles(c, c.StringSlice("rules")),
				time: correlation.TimeSource{Fields: c.StringSlice("time-field"), Layout: c.String("time-format")},
				corr: correlation.Options{Tolerance: c.Duration("tolerance"), MaxGroups: c.Int("max-groups")},
			}
			if c.Bool("follow") {
				return followCommand(c, cfg)
			}
			if c.IsSet("output") || c.IsSet("from-start") || c.IsSet("follow-idle") || c.IsSet("follow-poll") {
				return failUsage(c, "rulec scan: -o, --from-start, --follow-idle and --follow-poll go with --follow")
			}
			return runScan(c.App.Reader, c.App.Writer, c.App.ErrWriter, cfg)
		},
	}
}

func formatNames() string {
	names := make([]string, 0, len(logs.Formats()))
	for _, f := range logs.Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

type scanConfig struct {
	rules, logs []string
	format      string
	logFormat   logs.Format
	engine      engine.Options
	// source, when set, is the declared logsource of every log file.
	source engine.Source
	// logsources declares the logsource of the log files its globs match (when source is not set).
	logsources     *configLogsources
	showSuppressed bool
	// time reads event times for correlations when configured; else the record's own time is used first.
	time correlation.TimeSource
	corr correlation.Options
	// pipelines are the pySigma processing pipelines applied to the rules.
	pipelines []string
	// quiet turns the terminal progress line off.
	quiet bool
	// workers is the number of goroutines matching rules (0: GOMAXPROCS).
	workers int
}

// sourceOf is the declared logsource of the log file p (the zero Source: none).
func (cfg *scanConfig) sourceOf(p string) engine.Source {
	if cfg.source != (engine.Source{}) || p == stdio {
		return cfg.source
	}
	return cfg.logsources.sourceOf(p)
}

// loadScanRules loads the rules of a scan (pipelines applied) and compiles
// them, printing the diagnostics and warnings of both steps on stderr.
func loadScanRules(stderr io.Writer, cfg scanConfig) (*frontend.Result, *detect.Program, detect.ErrorList) {
	res := applyPipelines(frontend.Load(cfg.rules, frontend.Options{}), cfg.pipelines)
	printDiagnostics(stderr, res.Diagnostics)
	program, _ := detect.CompileRules(res.Rules, detect.Profile(cfg.engine.Profile), detect.IgnoreLogsource(cfg.engine.IgnoreLogsource),
		detect.TimeFields(cfg.time.Fields...), detect.TimeLayout(cfg.time.Layout), detect.CorrelationOptions(cfg.corr))
	diags := program.Diagnostics()
	printDiagnostics(stderr, ast.Diagnostics(diags))
	for _, err := range program.Warnings() {
		fmt.Fprintf(stderr, "warning: %v\n", err)
	}
	return res, program, diags
}

// stdinName is the source name of the events read from standard input.
const stdinName = "<stdin>"

func runScan(stdin io.Reader, stdout, stderr io.Writer, cfg scanConfig) error {
	// On a terminal, a status line while logs are read; every other message clears it first.
	prog := newProgress(stderr, cfg.quiet)
	defer prog.Done()
	stderr = prog
	res, program, diags := loadScanRules(stderr, cfg)
	// Rules referenced only by correlations with generate: false do not alert on their own.
	suppressed := func(r detect.Result) bool { return !cfg.showSuppressed && r.Suppressed }

	out := bufio.NewWriterSize(stdout, 64<<10)
	defer out.Flush()
	w := &matchWriter{out: out, enc: json.NewEncoder(out), format: cfg.format}
	w.enc.SetEscapeHTML(false)

	stream := program.NewStream()
	var events, matches, alerts, recordErrors, badFiles int
	cfg.logs, badFiles = expandLogPaths(cfg.logs, stderr)
	perRule := map[*ast.Rule]int{}
	// Rules are matched on every core; results come in input order, the same as one core gives.
	workers := cfg.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for _, p := range cfg.logs {
		if p == stdio {
			workers = 1 // standard input may be a live stream: no batching
		}
	}
	type openLog struct {
		path string
		rd   logs.Reader
		err  error
	}
	// openAt opens a log; on several cores it is parsed on a goroutine of its own, ahead of matching.
	openAt := func(i int) openLog {
		o := openLog{path: cfg.logs[i]}
		if o.path == stdio {
			o.path = stdinName
			o.rd, o.err = logs.NewReader(stdinName, stdin, cfg.logFormat)
		} else {
			o.rd, o.err = logs.Open(o.path, cfg.logFormat)
		}
		if src := cfg.sourceOf(cfg.logs[i]); o.err == nil && src != (engine.Source{}) {
			o.rd = logs.WithSource(o.rd, src)
		}
		if o.err == nil && workers > 1 {
			o.rd = logs.ReadAhead(o.rd, 4)
		}
		return o
	}
	records := func(yield func(detect.Event, error) bool) {
		var ahead *openLog
		defer func() {
			if ahead != nil && ahead.err == nil {
				ahead.rd.Close()
			}
		}()
		for fileNo := range cfg.logs {
			var o openLog
			if ahead != nil {
				o, ahead = *ahead, nil
			} else {
				o = openAt(fileNo)
			}
			// The next file is opened (and read ahead) while this one is matched.
			if workers > 1 && fileNo+1 < len(cfg.logs) {
				next := openAt(fileNo + 1)
				ahead = &next
			}
			path, rd := o.path, o.rd
			if o.err != nil {
				fmt.Fprintf(stderr, "%s: error: %v\n", path, o.err)
				badFiles++
				continue
			}
			fileEvents, fileErrors, fileFailed := events, recordErrors, badFiles
			for {
				rec, err := rd.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				var re *logs.RecordError
				if errors.As(err, &re) {
					fmt.Fprintf(stderr, "%v\n", re)
					recordErrors++
					continue
				}
				if err != nil {
					fmt.Fprintf(stderr, "%s: error: %v (rest of the file skipped)\n", path, err)
					badFiles++
					break
				}
				events++
				if prog.on && events&1023 == 0 {
					rate := float64(events) / max(prog.Elapsed().Seconds(), 1e-3)
					prog.Update("scan: file %d/%d %s: %s events, %s matches (%s events/s)", fileNo+1, len(cfg.logs),
						filepath.Base(path), thousands(events), thousands(matches), thousands(int(rate)))
				}
				if !yield(detect.Event{Fields: rec.Event, Time: rec.Time, Source: rec.Source, Index: rec.Index, Line: rec.Line}, nil) {
					rd.Close()
					return
				}
			}
			rd.Close()
			// A file whose every record was unreadable (a damaged EVTX) failed: it
			// is named and counted, and the exit status says so.
			if events == fileEvents && recordErrors > fileErrors && badFiles == fileFailed {
				fmt.Fprintf(stderr, "%s: error: no readable event (%d unreadable records)\n", path, recordErrors-fileErrors)
				badFiles++
			}
		}
	}
	err := stream.RunParallel(context.Background(), records, workers, func(r detect.Result) error {
		switch {
		case r.Alert != nil:
			if !suppressed(r) {
				alerts++
				w.alert(*r.Alert)
			}
		default:
			matches++
			perRule[r.Rule]++
			if !suppressed(r) {
				w.match(r.Rule, r.Event)
			}
		}
		return w.err
	})
	if err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	printPanics(stderr, stream.Panics())
	notCompiled := 0
	for _, d := range diags {
		if d.Severity == ast.SeverityError {
			notCompiled++
		}
	}
	printCorrelationStats(stderr, stream.Stats())
	fmt.Fprintf(stderr, "%d events from %d files, %d matches of %d rules, %d correlation alerts (%d rules evaluated, %d not compiled), %d unreadable records, %d files failed\n",
		events, len(cfg.logs)-badFiles, matches, len(perRule), alerts, program.Len(), notCompiled, recordErrors, badFiles)
	if badFiles > 0 || len(res.FailedFiles) > 0 || diags.Err() != nil || len(stream.Panics()) > 0 {
		return exitError{1}
	}
	return nil
}

// printPanics reports the rules (or the candidate selection) that panicked, one line each.
func printPanics(w io.Writer, panics []detect.Panic) {
	for _, p := range panics {
		who := "candidate selection"
		if r := p.Rule; r != nil {
			who = fmt.Sprintf("rule %q (%s)", r.Title, r.Pos.File)
		}
		fmt.Fprintf(w, "error: %s panicked on %d events, first: %v\n", who, p.Count, p.Value)
	}
}

// printCorrelationStats reports every decision a correlation budget took, one line.
func printCorrelationStats(w io.Writer, st correlation.Stats) {
	var parts []string
	add := func(n int, what string, args ...any) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d "+what, append([]any{n}, args...)...))
		}
	}
	add(st.CapEvictions, "groups evicted at the --max-groups cap (furthest from firing first; the closest evicted was at %d%% of its threshold)", st.MaxEvictedProgress)
	add(st.Late, "events too late for the --tolerance")
	add(st.Future, "events refused for a time beyond the future tolerance (%s ahead of the clock or an unconfirmed jump of the stream)", correlation.DefaultMaxFuture)
	add(st.MissingGroupField, "events without a group-by field")
	add(st.FanOutCut, "events whose alerts were cut at the fan-out budget (%d per event)", correlation.DefaultMaxAlertsPerEvent)
	add(st.AlertsCut, "alerts dropped by the fan-out budgets")
	add(st.DeepRules, "correlations deeper than %d levels not fed", correlation.DefaultMaxDepth)
	add(st.DepthCut, "chained alerts not fed to correlations deeper than %d levels", correlation.DefaultMaxDepth)
	add(st.Folded, "events counted in window aggregates without being kept")
	add(st.Merged, "events merged in windows over %d events", correlation.DefaultMaxWindowEvents)
	add(st.Truncated, "events dropped from windows over %d events", correlation.DefaultMaxWindowEvents)
	if len(parts) > 0 {
		fmt.Fprintf(w, "correlation: %s\n", strings.Join(parts, ", "))
	}
}

// matchWriter prints matches and correlation alerts as JSON lines or text; it keeps the first write error.
type matchWriter struct {
	out    io.Writer
	enc    *json.Encoder
	format string
	err    error
	// wrap, when set, gives the JSON object written for a match (scan --follow adds fields).
	wrap func(scanMatch) any
}

func (w *matchWriter) match(r *ast.Rule, rec detect.Event) {
	m := scanMatch{RuleID: r.Ref(), Title: r.Title, Level: r.Level, Tags: r.Tags, Source: rec.Source,
		EventIndex: rec.Index, Line: rec.Line, RuleFile: r.Pos.File}
	if !rec.Time.IsZero() {
		m.Time = rec.Time.UTC().Format(time.RFC3339Nano)
	}
	w.write(m)
}

func (w *matchWriter) alert(a correlation.Alert) {
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
	w.write(m)
}

func (w *matchWriter) write(m scanMatch) {
	if w.err != nil {
		return
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if w.format == "json" {
		if w.wrap != nil {
			w.err = w.enc.Encode(w.wrap(m))
			return
		}
		w.err = w.enc.Encode(m)
		return
	}
	loc := fmt.Sprintf("%s:#%d", m.Source, m.EventIndex)
	if m.Line > 0 {
		loc = fmt.Sprintf("%s:%d", m.Source, m.Line)
	}
	level := m.Level
	if level == "" {
		level = "-"
	}
	extra := ""
	if c := m.Correlation; c != nil {
		var g []string
		for _, v := range c.Group {
			g = append(g, v.Field+"="+v.Value)
		}
		extra = fmt.Sprintf(" %s %s value=%g over %d events", c.Type, strings.Join(g, ","), c.Value, len(c.Events))
	}
	_, w.err = fmt.Fprintf(w.out, "%s [%s] %s (%s)%s\n", loc, level, m.Title, m.RuleID, extra)
}

// failUsage prints a usage problem and exits with status 2. (cli.Exit would
// print to the global writer and end the process from inside the library.)
func failUsage(c *cli.Context, msg string) error {
	fmt.Fprintln(c.App.ErrWriter, msg)
	return exitError{2}
}
