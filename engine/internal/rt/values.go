package rt

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/internal/timeparse"
)

// valueMatcher decides one detection value against a field of the event.
// A missing field is s.ok == false; array fields match when any element does.
// Each matcher is a call of a primitive generated code calls too (see
// primitives.go), so that both executors decide values the same way.
type valueMatcher interface {
	match(c *evalCtx, s *Slot) bool
}

func isScalar(k Kind) bool { return k == KindString || k == KindNumber || k == KindBool }

// strMatcher is a string pattern: compared with the text form of strings, numbers and booleans.
type strMatcher struct{ p *Pattern }

func (m *strMatcher) match(c *evalCtx, s *Slot) bool { return c.anyPattern(s, m.p) }

// litMatcher is a case-insensitive contains pattern (`*a*`, a lowered) on
// field: literal lit of the program, answered by the index scan when it ran
// (see State.ContainsLit).
type litMatcher struct {
	field int32
	lit   int32
	a     string
}

func (m *litMatcher) match(c *evalCtx, s *Slot) bool {
	return c.st.containsLit(m.field, m.lit, s, m.a)
}

// numMatcher is a number: equal to numeric field values, or to the number's
// text (canonical t1, or as written t2 when it differs) for string field values.
type numMatcher struct {
	n      float64
	t1, t2 string // lowered
}

func (m *numMatcher) match(c *evalCtx, s *Slot) bool { return c.matchNumber(s, m.n, m.t1, m.t2) }

// numberTexts returns the lowered texts a number value matches in string
// fields: its canonical form, and its form as written when that differs (else "").
func numberTexts(n float64, raw string) (canon, written string) {
	canon = strconv.FormatFloat(n, 'f', -1, 64)
	if w := Lower(strings.TrimSpace(raw)); w != "" && w != canon {
		written = w
	}
	return canon, written
}

// boolMatcher is a boolean: equal to boolean field values, or to "true"/"false" text.
type boolMatcher struct{ b bool }

func (m *boolMatcher) match(_ *evalCtx, s *Slot) bool { return s.MatchBool(m.b) }

// nullMatcher matches a missing field or a null value.
type nullMatcher struct{}

func (nullMatcher) match(_ *evalCtx, s *Slot) bool { return s.MatchNull() }

// regexMatcher searches the text form of the field value (unanchored). A
// value whose lowered text has none of the guard literals (see RegexGuard)
// cannot match and is not searched, as generated code checks them first.
type regexMatcher struct {
	re    *regexp.Regexp
	guard []string
	field int32     // the rule field
	lits  []int32   // the guard's literals in the program
	run   *classRun // a run of byte classes every match contains, if selective (see regexRun)
}

func (m *regexMatcher) match(c *evalCtx, s *Slot) bool {
	if len(m.guard) == 0 {
		return s.matchRegexp(m.re, m.run)
	}
	for i, g := range m.guard {
		if c.st.containsLit(m.field, m.lits[i], s, g) {
			return s.matchRegexp(m.re, m.run)
		}
	}
	return false
}

// cidrMatcher matches IP address text inside a network.
type cidrMatcher struct{ p netip.Prefix }

func (m *cidrMatcher) match(_ *evalCtx, s *Slot) bool { return s.MatchCIDR(m.p) }

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

func (m *compareMatcher) match(_ *evalCtx, s *Slot) bool {
	return s.AnyNumber(func(f float64) bool { return m.op.Holds(f, m.n) })
}

// existsMatcher tests field presence only (a null or empty value still exists).
type existsMatcher struct{ want bool }

func (m *existsMatcher) match(_ *evalCtx, s *Slot) bool { return s.ok == m.want }

// fieldrefMatcher compares the field with another field of the same event.
type fieldrefMatcher struct {
	ref   int32
	mode  string // "", contains, startswith, endswith
	cased bool
}

func (m *fieldrefMatcher) match(c *evalCtx, s *Slot) bool {
	return c.fieldRef(s, c.field(m.ref), m.mode, m.cased)
}

// anyMatcher matches when any alternative does (windash, base64offset, placeholder values).
type anyMatcher []valueMatcher

func (m anyMatcher) match(c *evalCtx, s *Slot) bool {
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

func (m *timeMatcher) match(_ *evalCtx, s *Slot) bool {
	return s.AnyTimePart(m.part, func(f float64) bool { return m.op.Holds(f, m.n) })
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
