package logs

import (
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// fastObject is what fastDecode learns of a record besides its value.
type fastObject struct {
	m map[string]any
	// dup is set when a key is given twice in one object.
	dup bool
	// pathBytes is the size of every value's dotted path, as boundPaths counts
	// it (exact when there is no duplicate key).
	pathBytes int
}

// maxJSONDepth is encoding/json's nesting limit; deeper input goes to it for its error.
const maxJSONDepth = 10000

// fastDecode decodes one JSON object as decodeObject does (json.Number numbers,
// invalid UTF-8 and lone surrogates replaced by U+FFFD, the last of duplicate
// keys kept) without reflection: the record is converted to one string and
// every string without escapes is a slice of it. ok is false for anything it
// does not decode exactly as encoding/json would (invalid JSON, a value that
// is not an object, nesting deeper than encoding/json allows): the caller
// then asks encoding/json, for its error.
func fastDecode(raw []byte) (obj fastObject, ok bool) {
	d := fastDecoder{s: string(raw)}
	d.skipSpace()
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		return obj, false
	}
	v, good := d.value(0, 0)
	if !good {
		return obj, false
	}
	d.skipSpace()
	if d.i != len(d.s) {
		return obj, false
	}
	return fastObject{m: v.(map[string]any), dup: d.dup, pathBytes: d.pathBytes}, true
}

type fastDecoder struct {
	s         string
	i         int
	kv        []member
	dup       bool
	pathBytes int
	// arena, when set, holds the unescaped strings; scratch is slowStr's buffer.
	arena   *strArena
	scratch []byte
}

// strArena hands out a record's immutable strings from one block: the
// record's text, then its unescaped strings, one allocation for them all. The
// block is only appended to, never rewritten, so a string stays valid while
// anything references it; a string that no longer fits gets its own
// allocation (no second block), so what a kept string holds in memory is
// bounded by its own record.
type strArena struct{ block []byte }

// newStrArena returns an arena for a record of n bytes, with room for as many
// unescaped bytes as half the record.
func newStrArena(n int) strArena { return strArena{block: make([]byte, 0, n+n/2+64)} }

// str returns b as a string.
func (a *strArena) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.block)-len(a.block) < len(b) {
		return string(b)
	}
	start := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[start], len(b))
}

type member struct {
	k string
	v any
}

func (d *fastDecoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value decodes the value at d.i; pathLen is the length of its dotted path.
func (d *fastDecoder) value(depth, pathLen int) (any, bool) {
	if d.i >= len(d.s) {
		return nil, false
	}
	switch c := d.s[d.i]; {
	case c == '{':
		return d.object(depth+1, pathLen)
	case c == '[':
		return d.array(depth+1, pathLen)
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.s)-d.i < len(word) || d.s[d.i:d.i+len(word)] != word {
		return false
	}
	d.i += len(word)
	return true
}

func (d *fastDecoder) object(depth, pathLen int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	d.i++ // {
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == '}' {
		d.i++
		return map[string]any{}, true
	}
	// Members go to a stack shared by every object of the record, and into a
	// map of the right size once the object is read.
	base := len(d.kv)
	defer func() { clear(d.kv[base:]); d.kv = d.kv[:base] }()
	for {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return nil, false
		}
		k, ok := d.str()
		if !ok {
			return nil, false
		}
		d.skipSpace()
		if d.i >= len(d.s) || d.s[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.skipSpace()
		l := len(k)
		if pathLen > 0 {
			l += pathLen + 1
		}
		d.pathBytes += l
		v, ok := d.value(depth, l)
		if !ok {
			return nil, false
		}
		d.kv = append(d.kv, member{k, v})
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, false
		}
		switch d.s[d.i] {
		case ',':
			d.i++
			d.skipSpace()
		case '}':
			d.i++
			kv := d.kv[base:]
			m := make(map[string]any, len(kv))
			for _, e := range kv {
				m[e.k] = e.v
			}
			if len(m) < len(kv) {
				d.dup = true
			}
			return m, true
		default:
			return nil, false
		}
	}
}

func (d *fastDecoder) array(depth, pathLen int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	d.i++ // [
	out := []any{}
	d.skipSpace()
	if d.i < len(d.s) && d.s[d.i] == ']' {
		d.i++
		return out, true
	}
	for {
		v, ok := d.value(depth, pathLen)
		if !ok {
			return nil, false
		}
		out = append(out, v)
		d.skipSpace()
		if d.i >= len(d.s) {
			return nil, false
		}
		switch d.s[d.i] {
		case ',':
			d.i++
			d.skipSpace()
		case ']':
			d.i++
			return out, true
		default:
			return nil, false
		}
	}
}

// number reads a number of the JSON grammar as a json.Number.
func (d *fastDecoder) number() (any, bool) {
	n, ok := d.numberText()
	if !ok {
		return nil, false
	}
	return json.Number(n), true
}

// numberText reads a number of the JSON grammar.
func (d *fastDecoder) numberText() (string, bool) {
	s, start := d.s, d.i
	i := start
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	d.i = i
	return s[start:i], true
}

// str reads a string at d.i (at its opening quote).
func (d *fastDecoder) str() (string, bool) {
	s := d.s
	start := d.i + 1
	for i := start; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			d.i = i + 1
			return s[start:i], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return d.slowStr(start)
		}
	}
	return "", false
}

// slowStr unquotes a string with escapes or non-ASCII bytes as encoding/json does.
func (d *fastDecoder) slowStr(start int) (string, bool) {
	s := d.s
	b := d.scratch[:0]
	if b == nil {
		b = make([]byte, 0, 64)
	}
	defer func() { d.scratch = b }()
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			if d.arena != nil {
				return d.arena.str(b), true
			}
			return string(b), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				b = append(b, unescape[e])
				i += 2
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2, ok := rune(0), false
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2, ok = hex4(s, i+2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return "", false
}

// unescape maps the letter of a one-letter JSON escape to its byte.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads the 4 hex digits of a \u escape at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
