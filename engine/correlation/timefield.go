package correlation

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// DefaultTimeFields are tried in order when no time field is configured.
var DefaultTimeFields = []string{"@timestamp", "timestamp", "time", "TimeCreated_SystemTime", "UtcTime", "EventTime", "ts", "date"}

// defaultLayouts are the timestamp layouts tried when no layout is configured.
var defaultLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	time.RFC1123Z,
	time.RFC1123,
	"Jan _2 15:04:05",
	"Jan _2 2006 15:04:05",
}

// TimeSource reads an event's own timestamp from a field.
type TimeSource struct {
	// Fields are the candidate fields; empty means DefaultTimeFields.
	Fields []string
	// Layout is a Go time layout, or "unix", "unix_ms", "unix_us", "unix_ns"; empty tries common layouts and epochs.
	Layout string
}

// Time returns the event's timestamp, or false when no field holds a parsable time.
func (ts TimeSource) Time(ev engine.Event) (time.Time, bool) {
	fields := ts.Fields
	if len(fields) == 0 {
		fields = DefaultTimeFields
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
	s := strings.TrimSpace(v.S)
	switch layout {
	case "unix", "unix_ms", "unix_us", "unix_ns":
		return epoch(s, layout)
	case "":
	default:
		t, err := time.Parse(layout, s)
		return t, err == nil
	}
	for _, l := range defaultLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	if v.Kind == engine.KindNumber || isDigits(s) {
		// Guess the epoch unit from the magnitude.
		switch n := len(strings.SplitN(s, ".", 2)[0]); {
		case n <= 11:
			return epoch(s, "unix")
		case n <= 14:
			return epoch(s, "unix_ms")
		case n <= 17:
			return epoch(s, "unix_us")
		default:
			return epoch(s, "unix_ns")
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

func epoch(s, unit string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, false
	}
	scale := map[string]float64{"unix": 1e9, "unix_ms": 1e6, "unix_us": 1e3, "unix_ns": 1}[unit]
	ns := f * scale
	if ns > math.MaxInt64 || ns < math.MinInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)).UTC(), true
}
