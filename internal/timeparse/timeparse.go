// Package timeparse reads the timestamps found in log events and rule values:
// one table of text layouts and one rule for Unix epochs, shared by the log
// readers (engine/logs), the time modifiers (engine) and correlation windows
// (engine/correlation), so the three read every timestamp alike.
package timeparse

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// layout is one text form of a timestamp.
type layout struct {
	text string
	// yearless layouts give year 0: their clock parts are right, their instant is not.
	yearless bool
}

// layouts are tried in order; a layout without a zone reads the text as UTC.
var layouts = [...]layout{
	{text: time.RFC3339Nano},
	{text: "2006-01-02T15:04:05.999999999Z0700"},
	{text: "2006-01-02T15:04:05.999999999"},
	{text: "2006-01-02 15:04:05.999999999Z07:00"},
	{text: "2006-01-02 15:04:05.999999999 -0700"},
	{text: "2006-01-02 15:04:05.999999999"},
	{text: "2006/01/02 15:04:05.999999999"},
	{text: "2006-01-02"},
	{text: "02/Jan/2006:15:04:05 -0700"},
	{text: time.RFC1123Z},
	{text: time.RFC1123},
	{text: time.UnixDate},
	{text: time.ANSIC},
	{text: "Jan _2 2006 15:04:05"},
	{text: "Jan _2 15:04:05", yearless: true},
}

// Layouts returns the text layouts Parse tries, in order (a copy).
func Layouts() []string {
	out := make([]string, len(layouts))
	for i, l := range layouts {
		out[i] = l.text
	}
	return out
}

// Parse reads a timestamp for its clock and calendar parts: the layouts of
// Layouts in order (leading and trailing space ignored; a layout without a zone
// reads UTC), then a Unix epoch (see Epoch). A layout without a year, such as
// syslog's "Jan _2 15:04:05", gives year 0; use Instant to place an event in time.
// The time keeps the zone written in the text; epochs are UTC.
func Parse(s string) (time.Time, bool) { return parse(s, true) }

// Instant is Parse without the layouts that lack a year: the time of an event.
func Instant(s string) (time.Time, bool) { return parse(s, false) }

func parse(s string, yearless bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range layouts {
		if l.yearless && !yearless {
			continue
		}
		if t, err := time.Parse(l.text, s); err == nil {
			return t, true
		}
	}
	return Epoch(s)
}

// Epoch reads text that starts with a digit as a number of seconds,
// milliseconds, microseconds or nanoseconds since the Unix epoch, told apart by
// its magnitude (below 1e11 seconds, below 1e14 milliseconds, below 1e17
// microseconds, else nanoseconds). Integers convert exactly; fractional seconds
// are rounded to the microsecond. Zero, negative and out-of-range numbers are
// not times.
func Epoch(s string) (time.Time, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return time.Time{}, false
	}
	return epoch(s, f)
}

// Number reads a number as Epoch reads its text.
func Number(f float64) (time.Time, bool) {
	return epoch(strconv.FormatFloat(f, 'f', -1, 64), f)
}

func epoch(text string, f float64) (time.Time, bool) {
	if !(f > 0) || f >= math.MaxInt64 {
		return time.Time{}, false // NaN, zero, negative, +Inf or beyond int64 nanoseconds
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		switch {
		case i < 1e11:
			return time.Unix(i, 0).UTC(), true
		case i < 1e14:
			return time.UnixMilli(i).UTC(), true
		case i < 1e17:
			return time.UnixMicro(i).UTC(), true
		default:
			return time.Unix(0, i).UTC(), true
		}
	}
	switch {
	case f < 1e11:
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
	case f < 1e14:
		return time.UnixMicro(int64(math.Round(f * 1e3))).UTC(), true
	case f < 1e17:
		return time.UnixMicro(int64(math.Round(f))).UTC(), true
	}
	return time.Unix(0, int64(f)).UTC(), true
}

// units are the epoch units Layout accepts by name.
var units = map[string]float64{"unix": 1e9, "unix_ms": 1e6, "unix_us": 1e3, "unix_ns": 1}

// Layout reads s with a configured layout: "" is Instant; "unix", "unix_ms",
// "unix_us" and "unix_ns" are an epoch in that unit (a number, possibly
// fractional or negative); anything else is a Go time layout.
func Layout(s, layout string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if layout == "" {
		return Instant(s)
	}
	scale, ok := units[layout]
	if !ok {
		t, err := time.Parse(layout, s)
		return t, err == nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ns := i * int64(scale); ns/int64(scale) == i {
			return time.Unix(0, ns).UTC(), true
		}
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return time.Time{}, false
	}
	ns := f * scale
	if ns >= math.MaxInt64 || ns < math.MinInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)).UTC(), true
}
