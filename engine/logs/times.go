package logs

import (
	"encoding/json"
	"time"

	"github.com/rulec/rulec/internal/timeparse"
)

// parseTimeString parses an event's timestamp (see timeparse.Instant), in UTC.
// It returns the zero time when the text is not a timestamp.
func parseTimeString(s string) time.Time {
	t, _ := timeparse.Instant(s)
	return t.UTC()
}

// parseTimeAny parses a decoded JSON timestamp value.
func parseTimeAny(v any) time.Time {
	switch x := v.(type) {
	case string:
		return parseTimeString(x)
	case json.Number:
		return parseTimeString(x.String())
	case float64:
		t, _ := timeparse.Number(x)
		return t
	}
	return time.Time{}
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
