package correlation

import (
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

func TestTimeSource(t *testing.T) {
	want := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	str := func(s string) engine.Value { return engine.Value{Kind: engine.KindString, S: s} }
	tests := []struct {
		name   string
		fields map[string]engine.Value
		src    TimeSource
		ok     bool
	}{
		{"rfc3339 @timestamp", map[string]engine.Value{"@timestamp": str("2025-01-02T03:04:05Z")}, TimeSource{}, true},
		{"windows SystemTime", map[string]engine.Value{"TimeCreated_SystemTime": str("2025-01-02T03:04:05.0000000Z")}, TimeSource{}, true},
		{"sysmon UtcTime", map[string]engine.Value{"UtcTime": str("2025-01-02 03:04:05.000")}, TimeSource{}, true},
		{"epoch seconds", map[string]engine.Value{"ts": {Kind: engine.KindNumber, S: "1735787045", N: 1735787045}}, TimeSource{}, true},
		{"epoch millis", map[string]engine.Value{"time": str("1735787045000")}, TimeSource{}, true},
		{"configured field and layout", map[string]engine.Value{"when": str("02/01/2025 03:04:05")}, TimeSource{Fields: []string{"when"}, Layout: "02/01/2006 15:04:05"}, true},
		{"no time", map[string]engine.Value{"x": str("y")}, TimeSource{}, false},
		{"garbage", map[string]engine.Value{"time": str("yesterday")}, TimeSource{}, false},
	}
	for _, tc := range tests {
		got, ok := tc.src.Time(engine.NewFlatEvent(tc.fields))
		if ok != tc.ok || (ok && !got.Equal(want)) {
			t.Errorf("%s: got %v %v", tc.name, got, ok)
		}
	}
}
