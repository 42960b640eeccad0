package timeparse

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	for _, tc := range []struct {
		in      string
		want    time.Time // the instant; zero: not a time
		yearful bool      // Instant accepts it too
	}{
		{"2024-03-01T10:20:30Z", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{" 2024-03-01T10:20:30.123456789+02:00 ", utc(2024, 3, 1, 8, 20, 30, 123456789), true},
		{"2024-03-01T10:20:30.5+0200", utc(2024, 3, 1, 8, 20, 30, 5e8), true},
		{"2024-03-01T10:20:30", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"2024-03-01 10:20:30Z", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"2024-03-01 10:20:30 -0100", utc(2024, 3, 1, 11, 20, 30, 0), true},
		{"2024-03-01 10:20:30.25", utc(2024, 3, 1, 10, 20, 30, 25e7), true},
		{"2024/03/01 10:20:30", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"2024-03-01", utc(2024, 3, 1, 0, 0, 0, 0), true},
		{"01/Mar/2024:10:20:30 +0000", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Fri, 01 Mar 2024 10:20:30 +0000", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Fri, 01 Mar 2024 10:20:30 UTC", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Fri Mar  1 10:20:30 UTC 2024", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Fri Mar  1 10:20:30 2024", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Mar  1 2024 10:20:30", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"Mar  1 10:20:30", utc(0, 3, 1, 10, 20, 30, 0), false},
		// Epochs: the unit is told by the magnitude; integers are exact.
		{"1709288430", utc(2024, 3, 1, 10, 20, 30, 0), true},
		{"1709288430.25", utc(2024, 3, 1, 10, 20, 30, 25e7), true},
		{"1709288430123", utc(2024, 3, 1, 10, 20, 30, 123e6), true},
		{"1709288430123456", utc(2024, 3, 1, 10, 20, 30, 123456e3), true},
		{"1709288430123456789", utc(2024, 3, 1, 10, 20, 30, 123456789), true},
		{"99999999999", time.Unix(99999999999, 0).UTC(), true},
		{"100000000000", time.UnixMilli(100000000000).UTC(), true},
		{"0", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"1e400", time.Time{}, false},
		{"99999999999999999999", time.Time{}, false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"NaN", time.Time{}, false},
	} {
		got, ok := Parse(tc.in)
		if ok != !tc.want.IsZero() || ok && !got.Equal(tc.want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
		got, ok = Instant(tc.in)
		if wantOK := tc.yearful && !tc.want.IsZero(); ok != wantOK || ok && !got.Equal(tc.want) {
			t.Errorf("Instant(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, wantOK)
		}
	}
	// The zone written in the text is kept, for clock parts.
	if got, _ := Parse("2024-03-01T10:20:30+02:00"); got.Hour() != 10 {
		t.Errorf("Parse kept hour %d, want 10", got.Hour())
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want time.Time
	}{
		{1709288430, time.Unix(1709288430, 0).UTC()},
		{1709288430.5, time.Unix(1709288430, 5e8).UTC()},
		{1709288430123, time.UnixMilli(1709288430123).UTC()},
		{0, time.Time{}},
		{-1, time.Time{}},
	} {
		got, ok := Number(tc.in)
		if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
			t.Errorf("Number(%v) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
}

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		in, layout string
		want       time.Time
		ok         bool
	}{
		{"1709288430", "unix", time.Unix(1709288430, 0).UTC(), true},
		{"1709288430.5", "unix", time.Unix(1709288430, 5e8).UTC(), true},
		{"-1", "unix", time.Unix(-1, 0).UTC(), true},
		{"1709288430123", "unix_ms", time.UnixMilli(1709288430123).UTC(), true},
		{"1709288430", "unix_ms", time.UnixMilli(1709288430).UTC(), true},
		{"1709288430123456", "unix_us", time.UnixMicro(1709288430123456).UTC(), true},
		{"5", "unix_ns", time.Unix(0, 5).UTC(), true},
		{"99999999999999999", "unix", time.Time{}, false},
		{"x", "unix", time.Time{}, false},
		{"01.03.2024", "02.01.2006", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), true},
		{"2024-03-01T10:20:30Z", "", time.Date(2024, 3, 1, 10, 20, 30, 0, time.UTC), true},
		{"Mar  1 10:20:30", "", time.Time{}, false},
	} {
		got, ok := Layout(tc.in, tc.layout)
		if ok != tc.ok || ok && !got.Equal(tc.want) {
			t.Errorf("Layout(%q, %q) = %v, %v; want %v, %v", tc.in, tc.layout, got, ok, tc.want, tc.ok)
		}
	}
	if n := len(Layouts()); n != len(layouts) {
		t.Errorf("Layouts() has %d layouts, want %d", n, len(layouts))
	}
}
