package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// FollowOptions configures Follow.
type FollowOptions struct {
	// Poll is how often the file is checked for new data, rotation and
	// truncation (default 250 ms).
	Poll time.Duration
	// Idle ends Follow after this long without new data (0: never; a test's
	// stop condition, or a batch run over a file that stopped growing).
	Idle time.Duration
	// FromStart reads the file's existing content first; by default Follow
	// starts at its end, as tail -f does, so a restart does not scan again
	// what an earlier run saw.
	FromStart bool
	// Limits bound each record as for a log file.
	Limits Limits
	// Notify, when set, receives notes on rotation and truncation.
	Notify func(msg string)
}

// Follow reads JSON lines appended to path (Wazuh's archives.json, or any
// JSON lines log) until ctx is done or opt.Idle passes without new data,
// calling fn with each record or record error (a *RecordError) in order;
// an error from fn ends Follow with it. Only complete lines are read: a
// line still being written waits for its newline. The file may be rotated
// (renamed or removed, then created again: the rest of the old file is read
// first, then the new one from its start) or truncated (read again from its
// start); every line is read once. A missing file is waited for.
func Follow(ctx context.Context, path string, opt FollowOptions, fn func(Record, error) error) error {
	if opt.Poll <= 0 {
		opt.Poll = 250 * time.Millisecond
	}
	notify := opt.Notify
	if notify == nil {
		notify = func(string) {}
	}
	f := &follower{path: path, jr: newJSONReader(path, nil, false, opt.Limits.withDefaults()), fn: fn}
	defer f.close()
	lastData := time.Now()
	first := true
	buf := make([]byte, readBufSize)
	for {
		if f.fh == nil {
			if err := f.open(); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			// A file there at the start is read from its end (unless
			// FromStart); one created later is new data.
			if f.fh != nil && first && !opt.FromStart {
				off, err := f.fh.Seek(0, io.SeekEnd)
				if err != nil {
					return fmt.Errorf("follow %s: %w", path, err)
				}
				f.off = off
			}
			first = false
		}
		got := false
		if f.fh != nil {
			var err error
			if got, err = f.drain(ctx, buf); err != nil {
				return err
			}
			// Rotation or truncation?
			st, err := os.Stat(path)
			cur, cerr := f.fh.Stat()
			switch {
			case cerr != nil:
				return fmt.Errorf("follow %s: %w", path, cerr)
			case err != nil || !os.SameFile(st, cur):
				// Renamed or removed: the old file is read to its end
				// again (its writer may have written since) and done with.
				if _, err := f.drain(ctx, buf); err != nil {
					return err
				}
				if err := f.endFile(); err != nil {
					return err
				}
				f.fh.Close()
				f.fh = nil
				notify(fmt.Sprintf("%s: rotated; reading the new file from its start", path))
				continue
			case cur.Size() < f.off:
				if err := f.endFile(); err != nil {
					return err
				}
				if _, err := f.fh.Seek(0, io.SeekStart); err != nil {
					return fmt.Errorf("follow %s: %w", path, err)
				}
				f.off, f.line = 0, 0
				notify(fmt.Sprintf("%s: truncated; reading it again from its start", path))
				continue
			}
		}
		if got {
			lastData = time.Now()
		} else if opt.Idle > 0 && time.Since(lastData) >= opt.Idle {
			return f.endFile()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opt.Poll):
		}
	}
}

type follower struct {
	path    string
	fh      *os.File
	off     int64
	line    int // lines read in the current file
	partial []byte
	tooLong bool
	jr      *jsonReader
	fn      func(Record, error) error
}

// drain reads the open file to its current end; got tells whether there was new data.
func (f *follower) drain(ctx context.Context, buf []byte) (got bool, err error) {
	for ctx.Err() == nil {
		n, err := f.fh.Read(buf)
		if n > 0 {
			got = true
			f.off += int64(n)
			if err := f.feed(buf[:n]); err != nil {
				return got, err
			}
		}
		if err == io.EOF || n == 0 {
			return got, nil
		}
		if err != nil {
			return got, fmt.Errorf("follow %s: %w", f.path, err)
		}
	}
	return got, nil
}

func (f *follower) open() error {
	st, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	if err := regularLog(f.path, st); err != nil {
		return err
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return err
	}
	f.fh, f.off, f.line = fh, 0, 0
	return nil
}

func (f *follower) close() {
	if f.fh != nil {
		f.fh.Close()
	}
}

// feed takes new bytes and handles the complete lines among them.
func (f *follower) feed(b []byte) error {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			f.add(b)
			return nil
		}
		f.add(b[:i])
		b = b[i+1:]
		if err := f.lineDone(); err != nil {
			return err
		}
	}
	return nil
}

func (f *follower) add(b []byte) {
	if f.tooLong {
		return
	}
	if len(f.partial)+len(b) > MaxRecordSize {
		f.tooLong, f.partial = true, nil
		return
	}
	f.partial = append(f.partial, b...)
}

// lineDone handles the line in partial.
func (f *follower) lineDone() error {
	f.line++
	line, tooLong := bytes.TrimSuffix(f.partial, []byte{'\r'}), f.tooLong
	f.partial, f.tooLong = f.partial[:0], false
	if tooLong {
		err := &RecordError{Source: f.path, Index: f.jr.index, Line: f.line, Err: fmt.Errorf("%w: line longer than %d bytes skipped", ErrTooLarge, MaxRecordSize)}
		f.jr.index++
		return f.fn(Record{}, err)
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return nil
	}
	f.jr.emit(line, f.line, "")
	for _, it := range f.jr.queue {
		if err := f.fn(it.rec, it.err); err != nil {
			return err
		}
	}
	clear(f.jr.queue)
	f.jr.queue = f.jr.queue[:0]
	return nil
}

// endFile handles a last line without its newline when a file ends for good
// (rotated, truncated, or the run stops).
func (f *follower) endFile() error {
	if len(f.partial) == 0 && !f.tooLong {
		return nil
	}
	return f.lineDone()
}
