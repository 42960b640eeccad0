package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestProgressOffWhenNotTerminal: scan draws no progress line when standard error is not a
// terminal (a buffer, a file, a pipe), so logs and CI output stay clean.
func TestProgressOffWhenNotTerminal(t *testing.T) {
	if newProgress(&bytes.Buffer{}, false).on {
		t.Error("progress on for a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if newProgress(f, false).on {
		t.Error("progress on for a regular file")
	}
	// 3,000 events: past the 1,024-event update step.
	var in strings.Builder
	for i := 0; i < 3000; i++ {
		in.WriteString(`{"Channel":"Security","EventID":4624,"n":` + thousands(i) + "}\n")
	}
	code, _, errOut := cliRun(t, in.String(), "scan", "--rules", corpusPath(t, "rules"), "-")
	if code != 0 || strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[K") {
		t.Errorf("exit %d; stderr has a progress line: %q", code, errOut)
	}
}

// TestProgressLine: on a terminal the line is drawn, throttled, and cleared before any other
// message and at the end; --quiet (or TERM=dumb) turns it off.
func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, on: true}
	p.Update("scan: %s events", thousands(180000))
	p.Update("scan: %s events", thousands(190000)) // within progressEvery: not drawn
	if got := buf.String(); got != "\r\033[Kscan: 180,000 events" {
		t.Errorf("drawn %q", got)
	}
	p.Write([]byte("warning: x\n"))
	if got := buf.String(); !strings.HasSuffix(got, "scan: 180,000 events\r\033[Kwarning: x\n") {
		t.Errorf("message does not clear the line first: %q", got)
	}
	buf.Reset()
	p.Done()
	if buf.Len() != 0 {
		t.Errorf("Done after a cleared line wrote %q", buf.String())
	}
	p.last = p.last.Add(-progressEvery)
	p.Update("again")
	p.Done()
	if got := buf.String(); got != "\r\033[Kagain\r\033[K" {
		t.Errorf("Done does not clear: %q", got)
	}
	if newProgress(os.Stderr, true).on {
		t.Error("--quiet leaves progress on")
	}
	t.Setenv("TERM", "dumb")
	if newProgress(os.Stderr, false).on {
		t.Error("TERM=dumb leaves progress on")
	}
}
