package logs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/rulec/rulec/engine"
)

// jsonReader reads a stream of JSON values: one object per line, pretty-printed
// objects one after the other, a top-level array of objects, or an object whose
// first key is "records" (or OTLP "resourceLogs") holding the array. Arrays are
// streamed element by element. Each object becomes one record (an OTLP export
// becomes one record per log record).
//
// It scans bytes itself (tracking strings and nesting) rather than using
// json.Decoder so that it can cap a record's size, know line numbers, and
// resynchronise after broken input: at top level, a line starting with '{' or
// '[' in column 0 while an object is still open means that object was truncated.
type jsonReader struct {
	name  string
	br    *bufio.Reader
	otel  bool // the format was named "otel": treat every object as a log record
	max   int
	line  int  // line of the next byte
	col0  bool // the next byte starts a line
	index int

	lim     Limits
	state   int
	wrapper string // key of the streamed wrapper array, "" for a plain array
	buf     []byte
	queue   []item
	win     winDecoder
}

const (
	jsTop = iota
	jsArray
	jsDone
)

func newJSONReader(name string, br *bufio.Reader, otel bool, lim Limits) *jsonReader {
	return &jsonReader{name: name, br: br, otel: otel, max: MaxRecordSize, line: 1, col0: true, lim: lim}
}

// Next returns the next record.
func (r *jsonReader) Next() (Record, error) {
	for len(r.queue) == 0 {
		if err := r.step(); err != nil {
			return Record{}, err
		}
	}
	it := r.queue[0]
	r.queue[0] = item{}
	r.queue = r.queue[1:]
	return it.rec, it.err
}

func (r *jsonReader) recErr(line int, err error) {
	r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: r.index, Line: line, Err: err}})
	r.index++
}

func (r *jsonReader) readByte() (byte, error) {
	c, err := r.br.ReadByte()
	if err != nil {
		return 0, err
	}
	if c == '\n' {
		r.line++
		r.col0 = true
	} else {
		r.col0 = false
	}
	return c, nil
}

func (r *jsonReader) peek() (byte, error) {
	b, err := r.br.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// skipSpace consumes whitespace; it returns the next byte without consuming it.
func (r *jsonReader) skipSpace() (byte, error) {
	for {
		c, err := r.peek()
		if err != nil {
			return 0, err
		}
		if !isSpace(c) {
			return c, nil
		}
		r.readByte()
	}
}

// resync skips to the next line that starts with '{' or '[' (or the end).
func (r *jsonReader) resync() {
	for {
		if r.col0 {
			if c, err := r.peek(); err != nil || c == '{' || c == '[' {
				return
			}
		}
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
			r.line++
			r.col0 = true
		} else if len(chunk) > 0 {
			r.col0 = false
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

var wrapperPrefix = regexp.MustCompile(`^\{\s*"(records|resourceLogs)"\s*:\s*\[`)

// step reads input until at least one item is queued or the end is reached.
func (r *jsonReader) step() error {
	switch r.state {
	case jsDone:
		return io.EOF
	case jsTop:
		c, err := r.skipSpace()
		if err == io.EOF {
			r.state = jsDone
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("%s:%d: read: %w", r.name, r.line, err)
		}
		switch c {
		case '[':
			r.readByte()
			r.state, r.wrapper = jsArray, ""
			return nil
		case '{':
			head, _ := r.br.Peek(512)
			if m := wrapperPrefix.FindSubmatch(head); m != nil {
				for range len(m[0]) {
					r.readByte()
				}
				r.state, r.wrapper = jsArray, string(m[1])
				return nil
			}
			line := r.line
			raw, err := r.scanValue(true)
			if err != nil {
				if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTruncated) {
					return err
				}
				r.recErr(line, err)
				return nil
			}
			r.emit(raw, line, "")
			return nil
		default:
			line := r.line
			r.recErr(line, fmt.Errorf("not a JSON object (starts with %q)", preview(r.br)))
			r.resync()
			return nil
		}
	case jsArray:
		c, err := r.skipSpace()
		if err == io.EOF {
			r.state = jsDone
			r.recErr(r.line, fmt.Errorf("%w: JSON array not closed at end of input", ErrTruncated))
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s:%d: read: %w", r.name, r.line, err)
		}
		switch c {
		case ']':
			r.readByte()
			r.state = jsTop
			if r.wrapper != "" {
				// Skip the rest of the wrapper object.
				if err := r.skipRest(); err != nil {
					r.recErr(r.line, err)
				}
			}
			return nil
		case ',':
			r.readByte()
			return nil
		}
		line := r.line
		raw, err := r.scanValue(false)
		if err != nil {
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTruncated) {
				return err
			}
			r.recErr(line, err)
			if errors.Is(err, ErrTruncated) {
				r.state = jsDone
			}
			return nil
		}
		r.emit(raw, line, r.wrapper)
		return nil
	}
	return io.EOF
}

func preview(br *bufio.Reader) []byte {
	b, _ := br.Peek(16)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return b
}

// skipRest consumes the remaining members of the wrapper object up to its '}'.
func (r *jsonReader) skipRest() error {
	depth, inStr, esc := 1, false, false
	for {
		c, err := r.readByte()
		if err != nil {
			return fmt.Errorf("%w: wrapper object not closed at end of input", ErrTruncated)
		}
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return nil
			}
		}
	}
}

// scanValue consumes one JSON value and returns its bytes (valid until the next
// call). At top level, a newline inside a string or a line starting with '{'
// or '[' while the object is open ends it as truncated. Errors are ErrTooLarge
// or ErrTruncated (records to report), or read errors. It works on the
// reader's buffer a chunk at a time and never holds more than max bytes.
func (r *jsonReader) scanValue(top bool) ([]byte, error) {
	r.buf = r.buf[:0]
	tooBig := false
	first, err := r.peek()
	if err != nil {
		return nil, err
	}
	scalar := first != '{' && first != '[' && first != '"'
	depth, inStr, esc, nlPending, needResync := 0, false, false, false, false
	tooLarge := func(what string) error {
		r.buf = nil // do not keep a huge buffer around
		return fmt.Errorf("%w: value longer than %d bytes skipped%s", ErrTooLarge, r.max, what)
	}
	for {
		if _, err := r.br.Peek(1); err != nil {
			switch {
			case err != io.EOF:
				return nil, fmt.Errorf("%s:%d: read: %w", r.name, r.line, err)
			case scalar:
				if tooBig {
					return nil, tooLarge("")
				}
				return r.buf, nil
			case tooBig:
				return nil, tooLarge(" (and not closed)")
			}
			return nil, fmt.Errorf("%w: JSON value not closed at end of input", ErrTruncated)
		}
		chunk, _ := r.br.Peek(r.br.Buffered())
		n, done := len(chunk), false
		var verr error
	scan:
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			if nlPending {
				nlPending = false
				if c == '{' || c == '[' {
					n, verr = i, fmt.Errorf("%w: JSON object not closed before the next one", ErrTruncated)
					break scan
				}
			}
			if scalar {
				if isSpace(c) || c == ',' || c == ']' || c == '}' {
					n, done = i, true
					break scan
				}
				continue
			}
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if depth == 0 {
						n, done = i+1, true
						break scan
					}
				case c == '\n' && top:
					n, verr = i+1, fmt.Errorf("%w: line break inside a JSON string", ErrTruncated)
					needResync = true
					break scan
				default:
					i += stringRun(chunk[i+1:], top)
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					n, done = i+1, true
					break scan
				}
			case '\n':
				nlPending = top
			}
		}
		used := chunk[:n]
		if !tooBig {
			if len(r.buf)+len(used) > r.max {
				tooBig = true
				r.buf = r.buf[:0]
			} else {
				r.buf = appendGrow(r.buf, used, r.max)
			}
		}
		if n > 0 {
			r.line += bytes.Count(used, []byte{'\n'})
			r.col0 = used[n-1] == '\n'
			r.br.Discard(n)
		}
		if verr != nil {
			if tooBig {
				return nil, tooLarge("")
			}
			if needResync {
				r.resync()
			}
			return nil, verr
		}
		if done {
			if tooBig {
				return nil, tooLarge("")
			}
			return r.buf, nil
		}
	}
}

// stringRun is the length of the prefix of b, inside a JSON string, that
// holds no byte scanValue must see: a quote, a backslash or (top) a line break.
func stringRun(b []byte, top bool) int {
	n := bytes.IndexByte(b, '"')
	if n < 0 {
		n = len(b)
	}
	if k := bytes.IndexByte(b[:n], '\\'); k >= 0 {
		n = k
	}
	if top {
		if k := bytes.IndexByte(b[:n], '\n'); k >= 0 {
			n = k
		}
	}
	return n
}

// emit decodes one value and queues its records.
func (r *jsonReader) emit(raw []byte, line int, wrapper string) {
	budget := r.lim.pathBudget(len(raw))
	// evtx_dump's shape, decoded straight into its fields when nothing
	// (duplicates, unusual members) needs the general path.
	if wrapper != "resourceLogs" {
		if ev, t, ok := r.win.decode(raw, budget); ok {
			first := r.index
			r.add(ev, line, t)
			if !utf8.Valid(raw) {
				r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: first, Line: line, Err: ErrInvalidUTF8}})
			}
			return
		}
	}
	var m map[string]any
	var dup error
	cut := 0
	if obj, ok := fastDecode(raw); ok {
		// The decoder saw every key: no duplicate means nothing to report, and
		// paths within the budget mean nothing to cut.
		m = obj.m
		if obj.dup {
			dup = duplicateKeyError(raw, m)
		}
		if obj.dup || obj.pathBytes > budget {
			cut = boundPaths(m, budget)
		}
	} else {
		var err error
		if m, err = decodeObject(raw); err != nil {
			r.recErr(line, err)
			return
		}
		dup = duplicateKeyError(raw, m)
		cut = boundPaths(m, budget)
	}
	badUTF8 := !utf8.Valid(raw)
	first := r.index
	switch {
	case wrapper == "resourceLogs":
		r.emitOTLP(map[string]any{"resourceLogs": []any{m}}, line)
	case m["resourceLogs"] != nil && (r.otel || isOTLPExport(m)):
		r.emitOTLP(m, line)
	case isWazuhEvent(m): // Wazuh's archives.json
		ev, t := wazuhEvent(m)
		r.add(ev, line, t)
	case hasWindowsShape(m):
		ev, t := WindowsEvent(m)
		r.add(ev, line, t)
	case r.otel || looksLikeOTel(m):
		ev, t := otelEvent(m, nil, nil)
		r.add(ev, line, t)
	case zeekJSON(m, r.name) != nil:
		ev := engine.NewMapEvent(m)
		ev.Source = *zeekJSON(m, r.name) // Zeek's JSON logs
		r.add(ev, line, jsonTime(m))
	default:
		r.add(engine.NewMapEvent(m), line, jsonTime(m))
	}
	if badUTF8 {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: first, Line: line, Err: ErrInvalidUTF8}})
	}
	if dup != nil {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: first, Line: line, Err: dup}})
	}
	if cut > 0 {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: first, Line: line,
			Err: limitError("nested JSON: the field paths would take more than %d bytes (Limits.MaxPathBytes); %d nested values keep their values for keyword searches but lose their field paths", budget, cut)}})
	}
}

func (r *jsonReader) add(ev engine.Event, line int, t time.Time) {
	rec := Record{Event: ev, Source: r.name, Index: r.index, Line: line, Time: t}
	r.queue = append(r.queue, item{rec: rec})
	r.index++
}

// decodeObject decodes one JSON object with json.Number numbers.
func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object (%s)", jsonKind(v))
	}
	return m, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "value"
}

// appendGrow appends, doubling the capacity (up to max) when it must grow, so
// that a value close to the limit costs about 2*max bytes of allocation.
func appendGrow(buf, b []byte, max int) []byte {
	if need := len(buf) + len(b); need > cap(buf) {
		c := 2 * cap(buf)
		if c < need {
			c = need
		}
		if c < 4096 {
			c = 4096
		}
		if c > max && need <= max {
			c = max
		}
		nb := make([]byte, len(buf), c)
		copy(nb, buf)
		buf = nb
	}
	return append(buf, b...)
}
