package engine

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
)

// valueMatcher decides one detection value against a field of the event.
// A missing field is s.ok == false; array fields match when any element does.
type valueMatcher interface {
	match(c *evalCtx, s *slot) bool
}

func isScalar(k Kind) bool { return k == KindString || k == KindNumber || k == KindBool }

// strMatcher is a string pattern: compared with the text form of strings, numbers and booleans.
type strMatcher struct{ p *Pattern }

func (m *strMatcher) match(c *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	switch {
	case isScalar(s.v.Kind):
		if m.p.cased {
			return m.p.MatchLowered(s.v.S)
		}
		return m.p.MatchLowered(c.lowered(s))
	case s.v.Kind == KindArray:
		for i := range s.v.Arr {
			e := &s.v.Arr[i]
			if !isScalar(e.Kind) {
				continue
			}
			if m.p.cased {
				if m.p.MatchLowered(e.S) {
					return true
				}
			} else if m.p.MatchLowered(c.loweredElem(s, i)) {
				return true
			}
		}
	}
	return false
}

// numMatcher is a number: equal to numeric field values, or to the number's
// text (as written, or in canonical form) for string field values.
type numMatcher struct {
	n     float64
	texts []string // lowered
}

func (m *numMatcher) one(e *Value, lowered func() string) bool {
	switch e.Kind {
	case KindNumber:
		return e.N == m.n
	case KindString:
		l := lowered()
		for _, t := range m.texts {
			if l == t {
				return true
			}
		}
	}
	return false
}

func (m *numMatcher) match(c *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	if s.v.Kind == KindArray {
		for i := range s.v.Arr {
			if m.one(&s.v.Arr[i], func() string { return c.loweredElem(s, i) }) {
				return true
			}
		}
		return false
	}
	if s.v.Kind == KindNumber {
		return s.v.N == m.n
	}
	return m.one(&s.v, func() string { return c.lowered(s) })
}

// boolMatcher is a boolean: equal to boolean field values, or to "true"/"false" text.
type boolMatcher struct{ b bool }

func (m *boolMatcher) one(e *Value) bool {
	switch e.Kind {
	case KindBool:
		return e.B == m.b
	case KindString:
		return strings.EqualFold(strings.TrimSpace(e.S), strconv.FormatBool(m.b))
	}
	return false
}

func (m *boolMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	return anyElem(&s.v, m.one)
}

// anyElem applies fn to a scalar value, or to each element of an array value.
func anyElem(v *Value, fn func(*Value) bool) bool {
	if v.Kind != KindArray {
		return fn(v)
	}
	for i := range v.Arr {
		if fn(&v.Arr[i]) {
			return true
		}
	}
	return false
}

// nullMatcher matches a missing field or a null value.
type nullMatcher struct{}

func (nullMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return true
	}
	return anyElem(&s.v, func(e *Value) bool { return e.Kind == KindNull })
}

// regexMatcher searches the text form of the field value (unanchored).
type regexMatcher struct{ re *regexp.Regexp }

func (m *regexMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	return anyElem(&s.v, func(e *Value) bool { return isScalar(e.Kind) && m.re.MatchString(e.S) })
}

// cidrMatcher matches IP address text inside a network.
type cidrMatcher struct{ p netip.Prefix }

func (m *cidrMatcher) one(e *Value) bool {
	if e.Kind != KindString {
		return false
	}
	a, err := netip.ParseAddr(strings.TrimSpace(e.S))
	if err != nil {
		return false
	}
	a = a.WithZone("")
	if m.p.Addr().Is4() {
		a = a.Unmap()
	}
	return m.p.Contains(a)
}

func (m *cidrMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	return anyElem(&s.v, m.one)
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

// compareMatcher is lt/lte/gt/gte against a numeric field value.
type compareMatcher struct {
	op ast.CompareOp
	n  float64
}

func (m *compareMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	return anyElem(&s.v, func(e *Value) bool {
		f, ok := numericValue(e)
		return ok && m.op.Holds(f, m.n)
	})
}

// existsMatcher tests field presence only (a null or empty value still exists).
type existsMatcher struct{ want bool }

func (m *existsMatcher) match(_ *evalCtx, s *slot) bool { return s.ok == m.want }

// fieldrefMatcher compares the field with another field of the same event.
type fieldrefMatcher struct {
	ref   int32
	mode  string // "", contains, startswith, endswith
	cased bool
}

func (m *fieldrefMatcher) match(c *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	r := c.field(m.ref)
	if !r.ok {
		return false
	}
	return m.texts(c, s, func(a string) bool {
		return m.texts(c, r, func(b string) bool {
			switch m.mode {
			case "contains":
				return strings.Contains(a, b)
			case "startswith":
				return strings.HasPrefix(a, b)
			case "endswith":
				return strings.HasSuffix(a, b)
			}
			return a == b
		})
	})
}

// texts calls fn with the comparable text of each scalar of the slot.
func (m *fieldrefMatcher) texts(c *evalCtx, s *slot, fn func(string) bool) bool {
	if isScalar(s.v.Kind) {
		if m.cased {
			return fn(s.v.S)
		}
		return fn(c.lowered(s))
	}
	if s.v.Kind == KindArray {
		for i := range s.v.Arr {
			if !isScalar(s.v.Arr[i].Kind) {
				continue
			}
			t := s.v.Arr[i].S
			if !m.cased {
				t = c.loweredElem(s, i)
			}
			if fn(t) {
				return true
			}
		}
	}
	return false
}

// anyMatcher matches when any alternative does (windash, base64offset, placeholder values).
type anyMatcher []valueMatcher

func (m anyMatcher) match(c *evalCtx, s *slot) bool {
	for _, v := range m {
		if v.match(c, s) {
			return true
		}
	}
	return false
}

// timeMatcher extracts a part of a timestamp field value and compares it.
type timeMatcher struct {
	part string
	op   ast.CompareOp
	n    float64
}

func (m *timeMatcher) match(_ *evalCtx, s *slot) bool {
	if !s.ok {
		return false
	}
	return anyElem(&s.v, func(e *Value) bool {
		t, ok := ParseTime(e)
		if !ok {
			return false
		}
		return m.op.Holds(float64(TimePart(t, m.part)), m.n)
	})
}

// timeLayouts are the timestamp forms time modifiers understand.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
	time.RFC1123Z,
	time.RFC1123,
	time.ANSIC,
	"Jan _2 15:04:05",
}

// ParseTime reads a timestamp field value: RFC 3339 and common variants
// (no zone = UTC), or a number of seconds (milliseconds above 1e12) since the epoch.
func ParseTime(v *Value) (time.Time, bool) {
	switch v.Kind {
	case KindNumber:
		return epoch(v.N), true
	case KindString:
		s := strings.TrimSpace(v.S)
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t, true
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epoch(f), true
		}
	}
	return time.Time{}, false
}

func epoch(f float64) time.Time {
	if f > 1e12 || f < -1e12 {
		return time.UnixMilli(int64(f)).UTC()
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
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
