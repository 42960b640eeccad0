package correlation

import (
	"time"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/internal/timeparse"
)

// DefaultTimeFields returns the fields tried in order when no time field is configured (a fresh copy).
func DefaultTimeFields() []string {
	return []string{"@timestamp", "timestamp", "time", "TimeCreated_SystemTime", "UtcTime", "EventTime", "ts", "date"}
}

// TimeSource reads an event's own timestamp from a field.
type TimeSource struct {
	// Fields are the candidate fields; empty means DefaultTimeFields.
	Fields []string
	// Layout is a Go time layout, or "unix", "unix_ms", "unix_us", "unix_ns"; empty tries
	// common layouts and epochs (see timeparse.Layout).
	Layout string
}

// Time returns the event's timestamp, or false when no field holds a parsable time.
func (ts TimeSource) Time(ev engine.Event) (time.Time, bool) {
	fields := ts.Fields
	if len(fields) == 0 {
		fields = DefaultTimeFields()
	}
	for _, f := range fields {
		v, ok := ev.Get(f)
		if !ok {
			continue
		}
		if t, ok := ParseTime(v, ts.Layout); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseTime parses a field value as a time with the given layout (see TimeSource.Layout).
func ParseTime(v engine.Value, layout string) (time.Time, bool) {
	if v.Kind == engine.KindNumber && v.S == "" && layout == "" {
		return timeparse.Number(v.N)
	}
	return timeparse.Layout(v.S, layout)
}
