package main

import (
	"bytes"
	"os"
	"path/filepath"
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

// fakeTerminal is standard error as a terminal.
type fakeTerminal struct{ bytes.Buffer }

func (*fakeTerminal) IsTerminal() bool { return true }

// TestProgressBuildAndTest: build and test draw a progress line on a terminal's standard error
// (cleared at the end, so the last thing on the line is not the status), none with --quiet, with
// TERM=dumb or when standard error is not a terminal.
func TestProgressBuildAndTest(t *testing.T) {
	t.Setenv("TERM", "xterm")
	dir := t.TempDir()
	write(t, filepath.Join(dir, "rules/cmd_child.yml"), testRule)
	write(t, filepath.Join(dir, "regression_data/cmd_child/info.yml"), "regression_tests_info:\n    - name: positive\n      type: json\n      path: regression_data/cmd_child/capture.json\n")
	write(t, filepath.Join(dir, "regression_data/cmd_child/capture.json"),
		`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"ParentImage":"C:\\Windows\\System32\\cmd.exe"}}}`+"\n")
	write(t, filepath.Join(dir, "tests/cmd_child.yml"), "tests:\n  - rule: Cmd Child\n    match:\n      - {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1, ParentImage: 'C:\\x\\cmd.exe'}\n")
	rules, tests := filepath.Join(dir, "rules"), filepath.Join(dir, "tests")
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"build", "--stock-rules", "none", "-o", filepath.Join(dir, "out.xml"), rules}, "build: loading rules from 1 paths"},
		{[]string{"test", rules, tests}, "test: regression cases of rule 1/1"},
	} {
		run := func(extra ...string) (int, string) {
			var out bytes.Buffer
			var errOut fakeTerminal
			args := append(append([]string{"rulec", tc.args[0]}, extra...), tc.args[1:]...)
			code := runIO(args, strings.NewReader(""), &out, &errOut)
			return code, errOut.String()
		}
		code, errOut := run()
		// After the last control sequence: nothing, or messages (a status line has no newline).
		rest := errOut[strings.LastIndex(errOut, "\r\033[K")+len("\r\033[K"):]
		if code != 0 || !strings.Contains(errOut, "\r\033[K"+tc.line) || rest != "" && !strings.HasSuffix(rest, "\n") {
			t.Errorf("%v on a terminal: exit %d, no progress line %q or not cleared: %q", tc.args, code, tc.line, errOut)
		}
		if code, errOut := run("--quiet"); code != 0 || strings.Contains(errOut, "\033[K") {
			t.Errorf("%v --quiet: exit %d, progress drawn: %q", tc.args, code, errOut)
		}
		t.Setenv("TERM", "dumb")
		if code, errOut := run(); code != 0 || strings.Contains(errOut, "\033[K") {
			t.Errorf("%v TERM=dumb: exit %d, progress drawn: %q", tc.args, code, errOut)
		}
		t.Setenv("TERM", "xterm")
		code, _, errOut = cliRun(t, "", tc.args...)
		if code != 0 || strings.Contains(errOut, "\r") || strings.Contains(errOut, "\033[K") {
			t.Errorf("%v not on a terminal: exit %d, progress drawn: %q", tc.args, code, errOut)
		}
	}
}

// TestProgressSpin: a step without progress of its own shows its label and the time spent, and
// stop clears the line; off, it draws nothing.
func TestProgressSpin(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, on: true}
	stop := p.Spin("build: converting")
	stop()
	if got := buf.String(); got != "\r\033[Kbuild: converting (0s)\r\033[K" {
		t.Errorf("drawn %q", got)
	}
	buf.Reset()
	off := &progress{w: &buf}
	off.Spin("x")()
	if buf.Len() != 0 {
		t.Errorf("off, drawn %q", buf.String())
	}
}
