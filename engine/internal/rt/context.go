package rt

import "strings"

// fieldTable interns the field names that compiled rules and logsource
// conditions read, so that evaluation addresses fields by index.
type fieldTable struct {
	ids   map[string]int32
	names []string
}

func newFieldTable() *fieldTable { return &fieldTable{ids: map[string]int32{}} }

// id returns the index of a field name, adding it when new.
func (t *fieldTable) id(name string) int32 {
	if id, ok := t.ids[name]; ok {
		return id
	}
	id := int32(len(t.names))
	t.ids[name] = id
	t.names = append(t.names, name)
	return id
}

// Slot is one event field during one event, as both executors (the
// interpreter's matcher nodes and generated code) see it: its value and, on
// demand, its lowered text (or lowered array elements) for case-insensitive
// matching.
type Slot struct {
	gen   uint64
	ok    bool
	v     Value
	lgen  uint64
	lower string
	elems []string
	buf   []byte
	ends  []int
}

// evalCtx is the per-event cache of one executor (an Evaluator or a
// State): field values are fetched from the event at most once per event
// and lowered at most once; the event's scalar values are collected once for
// keyword searches. It also holds the primitives every detection value is
// decided with, so that the interpreter and generated code share them.
type evalCtx struct {
	ev    Event
	src   Source // the event's known source
	sp    spacedNames
	gen   uint64
	slots []Slot
	names []string
	// remap maps a rule field to the event fields it reads (first present wins);
	// nil, or a nil entry, reads the field under its own name.
	remap [][]int32

	// The event's scalar values, raw and lowered, for keyword searches.
	kwGen uint64
	kwRaw []string
	kwLow []string
	kwBuf []byte
	visit func(string, Value) bool
}

// init sizes the cache for the interned field names.
func (c *evalCtx) init(names []string) {
	c.slots = make([]Slot, len(names))
	c.names = names
	c.visit = c.collectText
}

// reset starts a new event: every cache entry of the previous one is invalid.
func (c *evalCtx) reset(ev Event) {
	c.ev = ev
	c.src = EventSource(ev)
	c.sp.reset()
	c.gen++
	c.remap = nil
}

// raw returns the event field with the given interned name, fetched at most once per event.
func (c *evalCtx) raw(id int32) *Slot {
	s := &c.slots[id]
	if s.gen != c.gen {
		s.v, s.ok = getField(c.ev, c.names[id], &c.sp)
		s.gen = c.gen // after the fetch: a fetch that panicked is not cached
	}
	return s
}

// field returns the event field a rule's field reads, after logsource renames.
func (c *evalCtx) field(id int32) *Slot {
	if int(id) < len(c.remap) {
		if alts := c.remap[id]; alts != nil {
			for _, a := range alts {
				if s := c.raw(a); s.ok {
					return s
				}
			}
			return c.raw(alts[0])
		}
	}
	return c.raw(id)
}

// lowered returns the lowered text of a scalar field value, cached for the
// event. The string views the slot's buffer: it is valid until the next event.
func (c *evalCtx) lowered(s *Slot) string {
	if s.lgen == c.gen {
		return s.lower
	}
	s.lgen = c.gen
	if isLowerASCII(s.v.S) {
		s.lower = s.v.S
		return s.lower
	}
	s.buf = AppendLower(s.buf[:0], s.v.S)
	s.lower = view(s.buf)
	return s.lower
}

// loweredElem returns the lowered text of element i of an array field value
// (valid until the next event, as lowered).
func (c *evalCtx) loweredElem(s *Slot, i int) string {
	if s.lgen != c.gen {
		s.lgen = c.gen
		s.buf = s.buf[:0]
		s.ends = s.ends[:0]
		for _, e := range s.v.Arr {
			s.buf = AppendLower(s.buf, e.S)
			s.ends = append(s.ends, len(s.buf))
		}
		s.elems = s.elems[:0]
		start := 0
		for _, end := range s.ends {
			s.elems = append(s.elems, view(s.buf[start:end]))
			start = end
		}
	}
	return s.elems[i]
}

// values returns every scalar value of the event (Event.Each order), raw and
// lowered, collected once per event.
func (c *evalCtx) values() (raw, lowered []string) {
	if c.kwGen != c.gen {
		c.kwGen = c.gen
		c.kwRaw, c.kwLow, c.kwBuf = c.kwRaw[:0], c.kwLow[:0], c.kwBuf[:0]
		c.ev.Each(c.visit)
	}
	return c.kwRaw, c.kwLow
}

func (c *evalCtx) collectText(_ string, v Value) bool {
	if !isScalar(v.Kind) {
		return true
	}
	c.kwRaw = append(c.kwRaw, v.S)
	if isLowerASCII(v.S) {
		c.kwLow = append(c.kwLow, v.S)
		return true
	}
	// Views of an append-only buffer stay valid when it grows: the old array is kept alive.
	start := len(c.kwBuf)
	c.kwBuf = AppendLower(c.kwBuf, v.S)
	c.kwLow = append(c.kwLow, view(c.kwBuf[start:]))
	return true
}

// anyStr applies a string pattern shape to the field's scalar value or to
// each scalar element of an array value, lowered unless cased.
func (c *evalCtx) anyStr(f *Slot, cased bool, op StrOp, a, b string) bool {
	if f.ok && isScalar(f.v.Kind) {
		if cased {
			return MatchStrOp(op, f.v.S, a, b)
		}
		return MatchStrOp(op, c.lowered(f), a, b)
	}
	return c.anyText(f, cased, func(t string) bool { return MatchStrOp(op, t, a, b) })
}

// anyPattern matches a compiled pattern against the field's scalar value or
// any scalar element of an array value.
func (c *evalCtx) anyPattern(f *Slot, p *Pattern) bool {
	if f.ok && isScalar(f.v.Kind) {
		if p.cased {
			return p.MatchLowered(f.v.S)
		}
		return p.MatchLowered(c.lowered(f))
	}
	return c.anyText(f, p.cased, p.MatchLowered)
}

// anyText reports whether fn holds for the text of the field's scalar value
// or of a scalar element of an array value, lowered unless cased. A missing
// field, null or object never does.
func (c *evalCtx) anyText(f *Slot, cased bool, fn func(string) bool) bool {
	if !f.ok {
		return false
	}
	if isScalar(f.v.Kind) {
		if cased {
			return fn(f.v.S)
		}
		return fn(c.lowered(f))
	}
	if f.v.Kind != KindArray {
		return false
	}
	for i := range f.v.Arr {
		e := &f.v.Arr[i]
		if !isScalar(e.Kind) {
			continue
		}
		t := e.S
		if !cased {
			t = c.loweredElem(f, i)
		}
		if fn(t) {
			return true
		}
	}
	return false
}

// matchNumber is a number value n: a numeric field equal to n, or a string
// field whose lowered text is t1 or t2 (the number's canonical and written
// forms; t2 may be empty to mean none).
func (c *evalCtx) matchNumber(f *Slot, n float64, t1, t2 string) bool {
	if !f.ok {
		return false
	}
	switch f.v.Kind {
	case KindNumber:
		return f.v.N == n
	case KindString:
		l := c.lowered(f)
		return l == t1 || (t2 != "" && l == t2)
	case KindArray:
		for i := range f.v.Arr {
			e := &f.v.Arr[i]
			switch e.Kind {
			case KindNumber:
				if e.N == n {
					return true
				}
			case KindString:
				if l := c.loweredElem(f, i); l == t1 || (t2 != "" && l == t2) {
					return true
				}
			}
		}
	}
	return false
}

// fieldRef compares field f with field ref of the same event: equal, or
// (mode) "contains", "startswith", "endswith"; lowered unless cased.
func (c *evalCtx) fieldRef(f, ref *Slot, mode string, cased bool) bool {
	if !f.ok || !ref.ok {
		return false
	}
	return c.anyText(f, cased, func(a string) bool {
		return c.anyText(ref, cased, func(b string) bool {
			switch mode {
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

// panicLog records the rules whose evaluation panicked, in first-panic order.
type panicLog struct {
	panics map[int]*RulePanic
	order  []int
}

func (l *panicLog) note(r int, x any) {
	if l.panics == nil {
		l.panics = map[int]*RulePanic{}
	}
	p := l.panics[r]
	if p == nil {
		p = &RulePanic{Rule: r, Value: x}
		l.panics[r] = p
		l.order = append(l.order, r)
	}
	p.Count++
}

func (l *panicLog) list() []RulePanic {
	out := make([]RulePanic, 0, len(l.order))
	for _, i := range l.order {
		out = append(out, *l.panics[i])
	}
	return out
}

// RulePanic records a rule whose evaluation panicked.
type RulePanic struct {
	// Rule is the rule index, or -1 for a panic outside any rule (candidate selection).
	Rule int
	// Value is the first panic's value, Count how many evaluations panicked.
	Value any
	Count int
}
