package logs

import (
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// winDecoder decodes JSON records of the shape evtx_dump writes,
// {"Event":{"System":{...},"EventData":{...}}} with attributes under
// "#attributes", straight into the fields WindowsEvent gives for the decoded
// object, without building the object. It refuses (ok false) whatever it
// would have to decide otherwise than the general path (fastDecode, then the
// shape switch of jsonReader.emit, then WindowsEvent): a key given twice,
// arrays or nested objects where the shape has scalars, UserData, EventData
// holding Data elements, System names with an underscore, paths beyond the
// budget. The caller then takes the general path, which reports what there is
// to report. A winDecoder keeps its buffers from one record to the next.
type winDecoder struct {
	d fastDecoder
	// sys and data are the fields of System and EventData, in input order.
	sys, data []winField
	// keys holds the member names of the objects being read, for duplicates.
	keys []string
	// names interns System field names (element_attribute).
	names map[string]string
	buf   []byte
	arena strArena
}

type winField struct {
	name string
	v    engine.Value
}

// maxWinNames bounds the interned System field names of one reader.
const maxWinNames = 1024

// maxWinMembers bounds the members of one object and the System fields
// winDecoder takes (it checks names twice over pairs: quadratic); records with
// more go to the general path, which checks with a map.
const maxWinMembers = 128

// decode reads one record; budget is the record's path budget (Limits.pathBudget).
func (w *winDecoder) decode(raw []byte, budget int) (ev *engine.FlatEvent, t time.Time, ok bool) {
	w.arena = newStrArena(len(raw))
	w.d = fastDecoder{s: w.arena.str(raw), kv: w.d.kv[:0], arena: &w.arena, scratch: w.d.scratch}
	w.sys, w.data, w.keys = w.sys[:0], w.data[:0], w.keys[:0]
	d := &w.d
	d.skipSpace()
	if !w.open() || !w.key("Event") {
		return nil, t, false
	}
	d.pathBytes += len("Event")
	if !w.event(len("Event")) {
		return nil, t, false
	}
	d.skipSpace()
	if d.i >= len(d.s) || d.s[d.i] != '}' {
		return nil, t, false // a second member: not the shape
	}
	d.i++
	d.skipSpace()
	if d.i != len(d.s) || d.dup || d.pathBytes > budget {
		return nil, t, false
	}
	return w.build()
}

// open consumes '{' and the space after it.
func (w *winDecoder) open() bool {
	d := &w.d
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		return false
	}
	d.i++
	d.skipSpace()
	return true
}

// key reads a member name and its colon; want, when not empty, is the only name accepted.
func (w *winDecoder) key(want string) bool {
	k, ok := w.name()
	return ok && (want == "" || k == want)
}

// name reads a member name and its colon, leaving d at the value.
func (w *winDecoder) name() (string, bool) {
	d := &w.d
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	k, ok := d.str()
	if !ok {
		return "", false
	}
	d.skipSpace()
	if d.i >= len(d.s) || d.s[d.i] != ':' {
		return "", false
	}
	d.i++
	d.skipSpace()
	return k, true
}

// next consumes the ',' or '}' after a member: more reports a ','.
func (w *winDecoder) next() (more, ok bool) {
	d := &w.d
	d.skipSpace()
	if d.i >= len(d.s) {
		return false, false
	}
	switch d.s[d.i] {
	case ',':
		d.i++
		d.skipSpace()
		return true, true
	case '}':
		d.i++
		return false, true
	}
	return false, false
}

// members calls fn for each member of the object at d (at its '{'), with the
// member's name and path length; fn consumes the value. Names given twice in
// the object refuse it.
func (w *winDecoder) members(pathLen int, fn func(k string, l int) bool) bool {
	if !w.open() {
		return false
	}
	d := &w.d
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return true
	}
	base := len(w.keys)
	defer func() { w.keys = w.keys[:base] }()
	for {
		k, ok := w.name()
		if !ok {
			return false
		}
		if len(w.keys)-base >= maxWinMembers {
			return false
		}
		for _, seen := range w.keys[base:] {
			if seen == k {
				return false
			}
		}
		w.keys = append(w.keys, k)
		l := len(k)
		if pathLen > 0 {
			l += pathLen + 1
		}
		d.pathBytes += l
		if !fn(k, l) {
			return false
		}
		more, ok := w.next()
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// event reads the Event object: System and EventData are flattened, other
// members (the root's #attributes) are decoded as the general path does and dropped.
func (w *winDecoder) event(pathLen int) bool {
	sys := false
	ok := w.members(pathLen, func(k string, l int) bool {
		switch k {
		case "System":
			sys = true
			return w.system(l)
		case "EventData":
			return w.eventData(l)
		case "UserData":
			return false
		}
		return w.skip(l, 0)
	})
	return ok && sys
}

// maxWinSkipDepth bounds the nesting of the members winDecoder drops.
const maxWinSkipDepth = 16

// skip reads a value the event does not use, counting its paths and
// duplicate names as the general path does.
func (w *winDecoder) skip(pathLen, depth int) bool {
	switch w.peek() {
	case '{':
		if depth >= maxWinSkipDepth {
			return false
		}
		return w.members(pathLen, func(_ string, l int) bool { return w.skip(l, depth+1) })
	case '[':
		_, ok := w.d.value(2+depth, pathLen)
		return ok
	}
	_, _, ok := w.scalar()
	return ok
}

// peek returns the next byte (0 at the end).
func (w *winDecoder) peek() byte {
	if w.d.i >= len(w.d.s) {
		return 0
	}
	return w.d.s[w.d.i]
}

// system reads the System object as flattenSystem does.
func (w *winDecoder) system(pathLen int) bool {
	return w.members(pathLen, func(k string, l int) bool {
		if strings.IndexByte(k, '_') >= 0 {
			return false // names then depend on the order (WindowsEvent sorts)
		}
		switch w.peek() {
		case '{':
			return w.element(k, l)
		case '[':
			return false
		}
		v, null, ok := w.scalar()
		if ok && !null {
			w.sys = append(w.sys, winField{k, systemValueOf(k, v)})
		}
		return ok
	})
}

// element reads a System element with attributes: each gives k_attr, the text k.
func (w *winDecoder) element(k string, pathLen int) bool {
	hasText := false
	return w.members(pathLen, func(mk string, l int) bool {
		switch {
		case mk == "#attributes":
			if w.peek() != '{' {
				_, _, ok := w.scalar() // not an object: ignored
				return ok
			}
			return w.members(l, func(ak string, _ int) bool { return w.attr(k, ak) })
		case mk == "#text" || mk == "Value" || mk == "":
			if hasText {
				return false // which one wins depends on map order
			}
			hasText = true
			v, null, ok := w.scalar()
			if ok && !null {
				w.sys = append(w.sys, winField{k, systemValueOf(k, v)})
			}
			return ok
		case strings.HasPrefix(mk, "@"):
			return w.attr(k, mk[1:])
		}
		return w.attr(k, mk)
	})
}

// attr reads the scalar value of attribute ak of element k.
func (w *winDecoder) attr(k, ak string) bool {
	v, null, ok := w.scalar()
	if !ok || null || isXMLNS(ak) {
		return ok
	}
	name := w.attrName(k, ak)
	w.sys = append(w.sys, winField{name, systemValueOf(name, v)})
	return true
}

// attrName returns k + "_" + ak, interned.
func (w *winDecoder) attrName(k, ak string) string {
	w.buf = append(append(append(w.buf[:0], k...), '_'), ak...)
	if s, ok := w.names[string(w.buf)]; ok {
		return s
	}
	s := string(w.buf)
	if w.names == nil {
		w.names = map[string]string{}
	}
	if len(w.names) < maxWinNames {
		w.names[s] = s
	}
	return s
}

// eventData reads an EventData object whose members are all scalars under
// plain names (plainEventData), or null.
func (w *winDecoder) eventData(pathLen int) bool {
	switch w.peek() {
	case 'n':
		_, _, ok := w.scalar()
		return ok
	case '{':
	default:
		return false
	}
	return w.members(pathLen, func(k string, l int) bool {
		if k == "Data" || k == "#attributes" || isXMLNS(k) || strings.HasPrefix(k, "@") {
			return false
		}
		v, _, ok := w.scalar()
		if ok {
			w.data = append(w.data, winField{k, v})
		}
		return ok
	})
}

// scalar reads a string, number, boolean or null as toValue converts it;
// anything else refuses.
func (w *winDecoder) scalar() (v engine.Value, null, ok bool) {
	d := &w.d
	switch c := w.peek(); {
	case c == '"':
		s, ok := d.str()
		return engine.Value{Kind: engine.KindString, S: s}, false, ok
	case c == '-' || (c >= '0' && c <= '9'):
		s, ok := d.numberText()
		if !ok {
			return v, false, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return engine.Value{Kind: engine.KindString, S: s}, false, true
		}
		return engine.Value{Kind: engine.KindNumber, S: s, N: f}, false, true
	case c == 't':
		return engine.Value{Kind: engine.KindBool, S: "true", B: true}, false, d.literal("true")
	case c == 'f':
		return engine.Value{Kind: engine.KindBool, S: "false"}, false, d.literal("false")
	case c == 'n':
		return engine.Value{Kind: engine.KindNull}, true, d.literal("null")
	}
	return v, false, false
}

// build makes the event: EventData's fields over System's, as WindowsEvent does.
func (w *winDecoder) build() (*engine.FlatEvent, time.Time, bool) {
	var t time.Time
	if len(w.sys) > maxWinMembers {
		return nil, t, false
	}
	// Two System fields of one name (an attribute given as "#attributes" and
	// as "@name"): which wins depends on map order in the general path.
	for i := range w.sys {
		for j := i + 1; j < len(w.sys); j++ {
			if w.sys[i].name == w.sys[j].name {
				return nil, t, false
			}
		}
		if w.sys[i].name == "TimeCreated_SystemTime" {
			t = parseTimeString(w.sys[i].v.S)
		}
	}
	fields := make(map[string]engine.Value, len(w.sys)+len(w.data))
	for _, f := range w.data {
		fields[f.name] = f.v
	}
	if len(fields) != len(w.data) {
		return nil, t, false // unreachable: members refuses duplicate names
	}
	for _, f := range w.sys {
		if _, ok := fields[f.name]; !ok {
			fields[f.name] = f.v
		}
	}
	if t.IsZero() {
		if v, ok := fields["UtcTime"]; ok { // Sysmon's own timestamp
			t = parseTimeString(v.S)
		}
	}
	clear(w.sys)
	clear(w.data)
	ev := engine.NewFlatEvent(fields)
	ev.Source = windowsSource(fields)
	return ev, t, true
}
