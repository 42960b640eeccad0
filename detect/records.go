package detect

import (
	"errors"
	"io"
	"iter"

	"github.com/rulec/rulec/engine/logs"
)

// Records reads the events of a log reader (engine/logs: JSON lines, EVTX, syslog, ...)
// as a sequence for Run, each with its own time and position. An unreadable record
// or file is yielded as its error (Run stops at it); the sequence ends at the end of
// the log. It does not close rd.
func Records(rd logs.Reader) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Event{}, err)
				return
			}
			if !yield(Event{Fields: rec.Event, Time: rec.Time, Source: rec.Source, Index: rec.Index, Line: rec.Line}, nil) {
				return
			}
		}
	}
}
