package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress draws one status line on a terminal's standard error during long runs, redrawn at
// most every progressEvery and cleared before anything else is written to the same stream (it
// is that stream's writer) and at the end. It is off unless the stream is a terminal, TERM is
// not dumb and the command was not given --quiet, so logs and pipes never see it.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	shown bool
	last  time.Time
	start time.Time
}

const progressEvery = 200 * time.Millisecond

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, on: !quiet && os.Getenv("TERM") != "dumb" && isTerminal(w), start: time.Now()}
}

// terminal is a writer that says whether it is a terminal (tests stand in for one with it).
type terminal interface{ IsTerminal() bool }

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	if t, ok := w.(terminal); ok {
		return t.IsTerminal()
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Write clears the status line, then writes b.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	return p.w.Write(b)
}

func (p *progress) clear() {
	if p.shown {
		io.WriteString(p.w, "\r\033[K")
		p.shown = false
	}
}

// Update redraws the status line when it is on and the last draw is old enough.
func (p *progress) Update(format string, args ...any) {
	if !p.on {
		return
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	line := fmt.Sprintf(format, args...)
	if len(line) > 100 {
		line = line[:97] + "..."
	}
	io.WriteString(p.w, "\r\033[K"+line)
	p.shown = true
}

// Spin shows label with the time spent on it, redrawn every progressEvery, until the returned
// stop is called (which clears the line): progress for a step that reports none of its own.
func (p *progress) Spin(label string) (stop func()) {
	if !p.on {
		return func() {}
	}
	start := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			p.Update("%s (%ds)", label, int(time.Since(start).Seconds()))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		p.Done()
	}
}

// Elapsed is the time since the progress started.
func (p *progress) Elapsed() time.Duration { return time.Since(p.start) }

// Done clears the status line; the next Update draws at once (a new step).
func (p *progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clear()
	p.last = time.Time{}
}

// thousands writes n with comma separators (180,000).
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
