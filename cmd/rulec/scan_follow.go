package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
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
// log stays idle for opt.Idle, writing each alert as one JSON line to out
// (one write per alert: a file opened for appending gets whole lines, each as
// soon as it fires).
func runFollow(ctx context.Context, out, stderr io.Writer, cfg scanConfig, opt logs.FollowOptions) error {
	res, program, diags := loadScanRules(stderr, cfg)
	var rec logs.Record // the record being evaluated
	w := &matchWriter{out: out, enc: json.NewEncoder(out), format: "json", wrap: func(m scanMatch) any {
		a := followAlert{scanMatch: m, Integration: followIntegration}
		if rec.Event != nil {
			id, _ := rec.Event.Get("agent.id")
			name, _ := rec.Event.Get("agent.name")
			if id.S != "" || name.S != "" {
				a.EventAgent = &followAgent{ID: id.S, Name: name.S}
			}
		}
		return a
	}}
	w.enc.SetEscapeHTML(false)
	var events, alerts, recordErrors int
	opt.Notify = func(msg string) { fmt.Fprintf(stderr, "note: %s\n", msg) }
	path := cfg.logs[0]
	source := cfg.sourceOf(path)
	var followErr error
	records := func(yield func(detect.Event, error) bool) {
		stopped := errors.New("stopped")
		err := logs.Follow(ctx, path, opt, func(r logs.Record, err error) error {
			if err != nil {
				fmt.Fprintf(stderr, "%v\n", err)
				recordErrors++
				return nil
			}
			if source != (engine.Source{}) {
				r.Event = engine.WithSource(r.Event, source)
			}
			rec = r
			events++
			if !yield(detect.Event{Fields: r.Event, Time: r.Time, Source: r.Source, Index: r.Index, Line: r.Line}, nil) {
				return stopped
			}
			return nil
		})
		if err != nil && err != stopped {
			followErr = err
		}
		rec = logs.Record{}
	}
	stream := program.NewStream()
	// The context ends the follow, not the stream: the alerts of open
	// correlation windows are still written.
	err := detect.Run(context.WithoutCancel(ctx), stream, records, func(r detect.Result) error {
		if !cfg.showSuppressed && r.Suppressed {
			return nil
		}
		alerts++
		if r.Alert != nil {
			w.alert(*r.Alert)
		} else {
			w.match(r.Rule, r.Event)
		}
		return w.err
	})
	printPanics(stderr, stream.Panics())
	printCorrelationStats(stderr, stream.Stats())
	fmt.Fprintf(stderr, "%d events followed in %s, %d alerts (%d rules evaluated), %d unreadable records\n",
		events, path, alerts, program.Len(), recordErrors)
	if err = errors.Join(err, followErr); err != nil {
		fmt.Fprintf(stderr, "rulec scan: %v\n", err)
		return exitError{1}
	}
	if len(res.FailedFiles) > 0 || diags.Err() != nil || len(stream.Panics()) > 0 {
		return exitError{1}
	}
	return nil
}
