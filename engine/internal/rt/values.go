package rt

import (
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/internal/timeparse"
)

func isScalar(k Kind) bool { return k == KindString || k == KindNumber || k == KindBool }

// numberTexts returns the lowered texts a number value matches in string
// fields: its canonical form, and its form as written when that differs (else "").
func numberTexts(n float64, raw string) (canon, written string) {
	canon = strconv.FormatFloat(n, 'f', -1, 64)
	if w := Lower(strings.TrimSpace(raw)); w != "" && w != canon {
		written = w
	}
	return canon, written
}

// numericValue returns the number a field value stands for: a number, or text that parses as one.
func numericValue(e *Value) (float64, bool) {
	switch e.Kind {
	case KindNumber:
		return e.N, true
	case KindString:
		f, err := strconv.ParseFloat(strings.TrimSpace(e.S), 64)
		return f, err == nil
	}
	return 0, false
}

// ParseTime reads a timestamp field value for the time modifiers (see
// timeparse.Parse: common layouts, a year-less syslog time, a Unix epoch).
func ParseTime(v *Value) (time.Time, bool) {
	switch v.Kind {
	case KindNumber:
		return timeparse.Number(v.N)
	case KindString:
		return timeparse.Parse(v.S)
	}
	return time.Time{}, false
}

// TimePart extracts minute, hour, day, week (ISO 8601), month or year from a time, in the time's own zone.
func TimePart(t time.Time, part string) int {
	switch part {
	case "minute":
		return t.Minute()
	case "hour":
		return t.Hour()
	case "day":
		return t.Day()
	case "week":
		_, w := t.ISOWeek()
		return w
	case "month":
		return int(t.Month())
	case "year":
		return t.Year()
	}
	return -1
}
