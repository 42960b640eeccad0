package engine

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

// slot caches one field of the current event: its value and, on demand, its
// lowered text (or lowered array elements) for case-insensitive matching.
type slot struct {
	gen   uint32
	ok    bool
	v     Value
	lgen  uint32
	lower string
	elems []string
	buf   []byte
}

// evalCtx is the per-evaluator scratch state for one event. Field values are
// fetched from the event at most once per event and lowered at most once.
type evalCtx struct {
	ev    Event
	src   Source // the event's known source
	sp    spacedNames
	gen   uint32
	slots []slot
	names []string
	// remap maps a rule field to the event fields it reads (first present wins);
	// nil, or a nil entry, reads the field under its own name.
	remap [][]int32
	buf   []byte
	// vals caches the scalar values of the event (raw and lowered) for keyword searches.
	vgen    uint32
	vals    []textValue
	vbuf    []byte
	vends   []int
	collect func(string, Value) bool
}

// textValue is one scalar value of the event with its lowered form.
type textValue struct{ raw, lower string }

func newEvalCtx(t *fieldTable) *evalCtx {
	c := &evalCtx{slots: make([]slot, len(t.names)), names: t.names}
	c.collect = func(_ string, v Value) bool {
		if isScalar(v.Kind) {
			c.vals = append(c.vals, textValue{raw: v.S})
			c.vbuf = AppendLower(c.vbuf, v.S)
			c.vends = append(c.vends, len(c.vbuf))
		}
		return true
	}
	return c
}

// values returns every scalar value of the event (Event.Each order), raw and lowered.
func (c *evalCtx) values() []textValue {
	if c.vgen == c.gen {
		return c.vals
	}
	c.vgen = c.gen
	c.vals, c.vbuf, c.vends = c.vals[:0], c.vbuf[:0], c.vends[:0]
	c.ev.Each(c.collect)
	start := 0
	for i, end := range c.vends {
		c.vals[i].lower = view(c.vbuf[start:end])
		start = end
	}
	return c.vals
}

// reset starts a new event.
func (c *evalCtx) reset(ev Event) {
	c.ev = ev
	c.src = EventSource(ev)
	c.sp.reset()
	c.gen++
	if c.gen == 0 { // wrapped: invalidate every cache entry
		for i := range c.slots {
			c.slots[i].gen, c.slots[i].lgen = 0, 0
		}
		c.vgen = 0
		c.gen = 1
	}
	c.remap = nil
}

// raw returns the event field with the given interned name.
func (c *evalCtx) raw(id int32) *slot {
	s := &c.slots[id]
	if s.gen != c.gen {
		s.gen = c.gen
		s.v, s.ok = getField(c.ev, c.names[id], &c.sp)
	}
	return s
}

// field returns the event field a rule's field reads, after logsource renames.
func (c *evalCtx) field(id int32) *slot {
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

// lowered returns the lowered text of a scalar field value.
func (c *evalCtx) lowered(s *slot) string {
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

// loweredElem returns the lowered text of element i of an array field value.
func (c *evalCtx) loweredElem(s *slot, i int) string {
	if s.lgen != c.gen {
		s.lgen = c.gen
		s.buf = s.buf[:0]
		s.elems = s.elems[:0]
		ends := make([]int, 0, 8)
		for _, e := range s.v.Arr {
			s.buf = AppendLower(s.buf, e.S)
			ends = append(ends, len(s.buf))
		}
		start := 0
		for _, end := range ends {
			s.elems = append(s.elems, view(s.buf[start:end]))
			start = end
		}
	}
	return s.elems[i]
}
