package logs

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are tried in order on timestamp strings; zone-less ones are UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006/01/02 15:04:05.999999999",
	"02/Jan/2006:15:04:05 -0700",
	time.RFC1123Z,
	time.RFC1123,
	time.UnixDate,
	time.ANSIC,
}

// parseTimeString parses a timestamp in a common layout or as a Unix epoch
// (seconds, milliseconds, microseconds or nanoseconds, told apart by size).
// It returns the zero time when the text is not a timestamp.
func parseTimeString(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if c := s[0]; c >= '0' && c <= '9' && !strings.ContainsAny(s, "-/: ") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epoch(s, f)
		}
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// parseTimeAny parses a decoded JSON timestamp value.
func parseTimeAny(v any) time.Time {
	switch x := v.(type) {
	case string:
		return parseTimeString(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return time.Time{}
		}
		return epoch(x.String(), f)
	case float64:
		return epoch(strconv.FormatFloat(x, 'f', -1, 64), x)
	}
	return time.Time{}
}

// epoch reads a Unix time whose unit is guessed from its magnitude. Integers
// are converted exactly from their text.
func epoch(text string, f float64) time.Time {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		switch {
		case i < 1e11:
			return time.Unix(i, 0).UTC()
		case i < 1e14:
			return time.UnixMilli(i).UTC()
		case i < 1e17:
			return time.UnixMicro(i).UTC()
		default:
			return time.Unix(0, i).UTC()
		}
	}
	switch {
	case f < 1e11:
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC()
	case f < 1e14:
		return time.UnixMicro(int64(math.Round(f * 1e3))).UTC()
	case f < 1e17:
		return time.UnixMicro(int64(math.Round(f))).UTC()
	}
	return time.Unix(0, int64(f)).UTC()
}

// jsonTimeFields are the top-level fields a plain JSON event's time is read from, in order.
var jsonTimeFields = []string{"@timestamp", "timestamp", "time", "UtcTime", "Timestamp", "ts"}

func jsonTime(m map[string]any) time.Time {
	for _, k := range jsonTimeFields {
		if v, ok := m[k]; ok {
			if t := parseTimeAny(v); !t.IsZero() {
				return t
			}
		}
	}
	return time.Time{}
}
