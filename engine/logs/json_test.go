package logs

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

// result is a compact view of a reader's output for table tests.
type result struct {
	recs []Record
	errs []*RecordError
}

func readString(t *testing.T, in string, f Format) result {
	t.Helper()
	r, err := NewReader("t.log", strings.NewReader(in), f)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return readAllFrom(t, r)
}

func readAllFrom(t *testing.T, r Reader) result {
	t.Helper()
	var res result
	for i := 0; ; i++ {
		if i > 1e6 {
			t.Fatal("reader does not end")
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *RecordError
		if errors.As(err, &re) {
			res.errs = append(res.errs, re)
			continue
		}
		if err != nil {
			t.Fatalf("fatal: %v", err)
		}
		res.recs = append(res.recs, rec)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	return res
}

func get(t *testing.T, r Record, field string) string {
	t.Helper()
	v, ok := r.Event.Get(field)
	if !ok {
		return "<absent>"
	}
	return v.S
}

func TestJSONShapes(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		format Format
		// field "a" of each record, and their lines
		want  []string
		lines []int
	}{
		{"lines", "{\"a\":\"1\"}\n{\"a\":\"2\"}\r\n\n{\"a\":3}\n", "", []string{"1", "2", "3"}, []int{1, 2, 4}},
		{"no final newline", `{"a":"1"}` + "\n" + `{"a":"2"}`, "", []string{"1", "2"}, []int{1, 2}},
		{"pretty concatenated", "{\n  \"a\": \"1\",\n  \"b\": {\"c\": 2}\n}\n{\n  \"a\": \"2\"\n}\n", "", []string{"1", "2"}, []int{1, 5}},
		{"two on a line", `{"a":"1"} {"a":"2"}`, "", []string{"1", "2"}, []int{1, 1}},
		{"array", "[\n {\"a\": \"1\"},\n {\"a\": \"2\"}\n]\n", "", []string{"1", "2"}, []int{2, 3}},
		{"array compact", `[{"a":"1"},{"a":"2"}]`, FormatJSONArray, []string{"1", "2"}, []int{1, 1}},
		{"empty array", `[]`, "", nil, nil},
		{"records wrapper", "{\"records\": [\n{\"a\":\"1\"},\n{\"a\":\"2\"}\n], \"next\": {\"x\": [1]}}\n{\"a\":\"3\"}", "", []string{"1", "2", "3"}, []int{2, 3, 5}},
		{"records not first key is a plain object", `{"a":"1","records":[{"a":"2"}]}`, "", []string{"1"}, []int{1}},
		{"braces in strings", `{"a":"{[\"}]"}` + "\n" + `{"a":"x\\"}`, "", []string{`{["}]`, `x\`}, []int{1, 2}},
		{"BOM", "\xef\xbb\xbf{\"a\":\"1\"}", "", []string{"1"}, []int{1}},
		{"explicit jsonl on array", `[{"a":"1"}]`, FormatJSONLines, []string{"1"}, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readString(t, tt.in, tt.format)
			if len(res.errs) > 0 {
				t.Fatalf("errors: %v", res.errs)
			}
			if len(res.recs) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(res.recs), len(tt.want))
			}
			for i, r := range res.recs {
				if got := get(t, r, "a"); got != tt.want[i] {
					t.Errorf("record %d: a = %q, want %q", i, got, tt.want[i])
				}
				if r.Line != tt.lines[i] || r.Index != i || r.Source != "t.log" {
					t.Errorf("record %d: line %d index %d source %q, want line %d", i, r.Line, r.Index, r.Source, tt.lines[i])
				}
			}
		})
	}
}

func TestJSONValues(t *testing.T) {
	res := readString(t, `{"n":12.50,"big":12345678901234567890,"b":true,"z":null,"s":"x","o":{"p":{"q":"deep"}},"arr":[1,"two"],"dot.key":"dk"}`, "")
	if len(res.recs) != 1 || len(res.errs) > 0 {
		t.Fatalf("%v", res.errs)
	}
	ev := res.recs[0].Event
	if _, ok := ev.(*engine.MapEvent); !ok {
		t.Fatalf("event %T", ev)
	}
	checks := []struct {
		field string
		s     string
		kind  engine.Kind
	}{
		{"n", "12.50", engine.KindNumber},
		{"big", "12345678901234567890", engine.KindNumber},
		{"b", "true", engine.KindBool},
		{"z", "", engine.KindNull},
		{"s", "x", engine.KindString},
		{"o.p.q", "deep", engine.KindString},
		{"dot.key", "dk", engine.KindString},
		{"arr", "", engine.KindArray},
	}
	for _, c := range checks {
		v, ok := ev.Get(c.field)
		if !ok || v.S != c.s || v.Kind != c.kind {
			t.Errorf("%s = %q kind %d (present %v), want %q kind %d", c.field, v.S, v.Kind, ok, c.s, c.kind)
		}
	}
}

func TestJSONWindowsShape(t *testing.T) {
	in := `{"Event":{"System":{"EventID":4688,"Channel":"Security","TimeCreated":{"#attributes":{"SystemTime":"2024-05-06T07:08:09.5Z"}}},"EventData":{"NewProcessName":"C:\\a.exe"}}}
{"System":{"EventID":1},"EventData":{"Image":"C:\\b.exe"}}
{"EventID":5,"Image":"plain"}`
	res := readString(t, in, "")
	if len(res.recs) != 3 || len(res.errs) > 0 {
		t.Fatalf("%d records, %v", len(res.recs), res.errs)
	}
	if _, ok := res.recs[0].Event.(*engine.FlatEvent); !ok {
		t.Errorf("record 0 is %T", res.recs[0].Event)
	}
	if got := get(t, res.recs[0], "NewProcessName"); got != `C:\a.exe` {
		t.Errorf("NewProcessName = %q", got)
	}
	if want := time.Date(2024, 5, 6, 7, 8, 9, 5e8, time.UTC); !res.recs[0].Time.Equal(want) {
		t.Errorf("time %v", res.recs[0].Time)
	}
	if got := get(t, res.recs[1], "Image"); got != `C:\b.exe` {
		t.Errorf("Image = %q", got)
	}
	if _, ok := res.recs[2].Event.(*engine.MapEvent); !ok {
		t.Errorf("record 2 is %T", res.recs[2].Event)
	}
}

func TestJSONTime(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`{"@timestamp":"2024-01-02T03:04:05.123Z"}`, time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC)},
		{`{"timestamp":"2024-01-02T03:04:05+02:00"}`, time.Date(2024, 1, 2, 1, 4, 5, 0, time.UTC)},
		{`{"time":1704164645}`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"time":1704164645123}`, time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC)},
		{`{"time":"1704164645123456789"}`, time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)},
		{`{"UtcTime":"2024-01-02 03:04:05.678"}`, time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)},
		{`{"time":"not a time","timestamp":"2024-01-02T03:04:05Z"}`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"x":1}`, time.Time{}},
	}
	for _, tt := range tests {
		res := readString(t, tt.in, "")
		if len(res.recs) != 1 {
			t.Fatalf("%s: %v", tt.in, res.errs)
		}
		if got := res.recs[0].Time; !got.Equal(tt.want) {
			t.Errorf("%s: time %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestJSONBadInput: each problem is a RecordError naming file, line and
// record, and the good records around it are still read.
func TestJSONBadInput(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []string // field "a" of the good records
		errLines []int
		errText  string
		errIs    error
	}{
		{"truncated last", "{\"a\":\"1\"}\n{\"a\":\"2\", \"b\": [1,", []string{"1"}, []int{2}, "not closed at end of input", ErrTruncated},
		{"truncated middle", "{\"a\":\"1\"}\n{\"a\":\"2\", \"b\": {\n{\"a\":\"3\"}\n", []string{"1", "3"}, []int{2}, "not closed before the next one", ErrTruncated},
		{"unterminated string", "{\"a\":\"1\n{\"a\":\"3\"}\n", []string{"3"}, []int{1}, "line break inside a JSON string", ErrTruncated},
		{"invalid value", "{\"a\":\"1\"}\n{\"a\": tru}\n{\"a\":\"3\"}\n", []string{"1", "3"}, []int{2}, "invalid JSON", nil},
		{"garbage line", "{\"a\":\"1\"}\n\x00\x01\x02garbage\xff\xfe\n\x89PNG\n{\"a\":\"3\"}\n", []string{"1", "3"}, []int{2}, "not a JSON object", nil},
		{"garbage after value", "{\"a\":\"1\"} junk\n{\"a\":\"3\"}\n", []string{"1", "3"}, []int{1}, "not a JSON object", nil},
		{"scalar top", "42\n{\"a\":\"3\"}\n", []string{"3"}, []int{1}, "not a JSON object", nil},
		{"array element not object", "[{\"a\":\"1\"}, 42, \"x\", [1], {\"a\":\"3\"}]", []string{"1", "3"}, []int{1, 1, 1}, "not a JSON object", nil},
		{"array element invalid", "[\n{\"a\":\"1\"},\n{\"a\": tru},\n{\"a\":\"3\"}\n]", []string{"1", "3"}, []int{3}, "invalid JSON", nil},
		{"array truncated", "[\n{\"a\":\"1\"},\n{\"a\":\"2\"", []string{"1"}, []int{3}, "not closed at end of input", ErrTruncated},
		{"array not closed", "[\n{\"a\":\"1\"}\n", []string{"1"}, []int{3}, "array not closed", ErrTruncated},
		{"invalid utf8 delivered then reported", "{\"a\":\"x\xffy\"}\n{\"a\":\"3\"}\n", []string{"x\uFFFDy", "3"}, []int{1}, "invalid UTF-8", ErrInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readString(t, tt.in, FormatJSONLines)
			var got []string
			for _, r := range res.recs {
				got = append(got, get(t, r, "a"))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("records %q, want %q", got, tt.want)
			}
			if len(res.errs) != len(tt.errLines) {
				t.Fatalf("errors %v, want %d", res.errs, len(tt.errLines))
			}
			for i, e := range res.errs {
				if e.Line != tt.errLines[i] || e.Source != "t.log" {
					t.Errorf("error %d at line %d: %v", i, e.Line, e)
				}
				if !strings.Contains(e.Error(), tt.errText) || !strings.HasPrefix(e.Error(), "t.log:") || !strings.Contains(e.Error(), "record ") {
					t.Errorf("error %q, want it to contain %q", e.Error(), tt.errText)
				}
				if tt.errIs != nil && !errors.Is(e, tt.errIs) {
					t.Errorf("error %v is not %v", e, tt.errIs)
				}
			}
			// Record indexes count bad records too: all distinct except the UTF-8 warning.
			seen := map[int]bool{}
			for _, r := range res.recs {
				seen[r.Index] = true
			}
			for _, e := range res.errs {
				if seen[e.Index] && !errors.Is(e, ErrInvalidUTF8) {
					t.Errorf("index %d used twice", e.Index)
				}
			}
		})
	}
}

// hugeLine generates `{"a":"xxxx...` of n bytes, then a newline and a good record, without holding it.
type hugeLine struct {
	n, pos int
	tail   string
	closed bool
}

func (h *hugeLine) Read(p []byte) (int, error) {
	if h.pos >= h.n+len(h.tail) {
		return 0, io.EOF
	}
	if h.pos == 0 && len(p) >= 6 {
		h.pos = copy(p, `{"a":"`)
		return h.pos, nil
	}
	end := h.n
	if h.closed {
		end = h.n - 2
	}
	if h.pos < end {
		k := min(len(p), end-h.pos)
		for i := range p[:k] {
			p[i] = 'x'
		}
		h.pos += k
		return k, nil
	}
	if h.pos < h.n {
		k := copy(p, `"}`[h.pos-end:])
		h.pos += k
		return k, nil
	}
	k := copy(p, h.tail[h.pos-h.n:])
	h.pos += k
	return k, nil
}

// TestHugeLine reads a 100 MB line (closed and unclosed) without loading it.
func TestHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, closed := range []bool{true, false} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		in := &hugeLine{n: 100 << 20, closed: closed, tail: "\n{\"a\":\"after\"}\n"}
		res := readAllFrom(t, mustNewReader(t, io.MultiReader(strings.NewReader("{\"a\":\"before\"}\n"), in), ""))
		runtime.ReadMemStats(&after)
		if len(res.recs) != 2 || get(t, res.recs[0], "a") != "before" || get(t, res.recs[1], "a") != "after" {
			t.Errorf("closed=%v: records %v", closed, res.recs)
		}
		if len(res.errs) != 1 || res.errs[0].Line != 2 || res.errs[0].Index != 1 || !errors.Is(res.errs[0], ErrTooLarge) {
			t.Errorf("closed=%v: errors %v", closed, res.errs)
		}
		if res.recs[1].Line != 3 || res.recs[1].Index != 2 {
			t.Errorf("closed=%v: after at line %d index %d", closed, res.recs[1].Line, res.recs[1].Index)
		}
		// Buffering up to the limit costs at most about 3*MaxRecordSize in all.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*MaxRecordSize {
			t.Errorf("closed=%v: allocated %d bytes for a 100 MB line", closed, alloc)
		}
	}
}

func mustNewReader(t *testing.T, r io.Reader, f Format) Reader {
	t.Helper()
	rd, err := NewReader("t.log", r, f)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"{\"a\":1}", FormatJSONLines},
		{"  \n[{}]", FormatJSONLines},
		{"type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e", FormatAudit},
		{"node=h1 type=EOE msg=audit(1.2:3): ", FormatAudit},
		{"<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - msg", FormatSyslog},
		{"<13>Feb  5 17:32:18 host prog: msg", FormatSyslog},
		{"Feb  5 17:32:18 host prog[12]: msg", FormatSyslog},
		{"2024-01-02T03:04:05.123456+00:00 host prog[1]: msg", FormatSyslog},
		{"level=info msg=\"hi\"", FormatLogfmt},
		{"172.16.5.10 6705: Feb 17 13:40:03.673: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin", FormatLines},
		{"", formatEmpty},
		{"\n\n", formatEmpty},
	}
	for _, tt := range tests {
		got, err := sniff(bufioReader(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("%q: %q %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"\x00\x01\x02binary", "\x89PNG\r\n\x1a\n", "abc\xff\xfe"} {
		if _, err := NewReader("g.bin", strings.NewReader(in), ""); err == nil || !strings.Contains(err.Error(), "g.bin") || !strings.Contains(err.Error(), "cannot detect") {
			t.Errorf("garbage %q: %v", in, err)
		}
	}
	res := readString(t, "plain text line\n\nsecond line\n", "")
	if len(res.recs) != 2 || get(t, res.recs[1], "message") != "second line" || res.recs[1].Line != 3 {
		t.Errorf("lines: %v %v", res.recs, res.errs)
	}
}

func TestEmpty(t *testing.T) {
	for _, in := range []string{"", "\n \n"} {
		res := readString(t, in, "")
		if len(res.recs)+len(res.errs) != 0 {
			t.Errorf("%q: %v %v", in, res.recs, res.errs)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range Formats() {
		if got, err := ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("%s: %v %v", f, got, err)
		}
	}
	if got, err := ParseFormat(""); err != nil || got != FormatAuto {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}

func TestRecordErrorText(t *testing.T) {
	e := &RecordError{Source: "a.log", Index: 3, Line: 7, Err: errors.New("bad")}
	if e.Error() != "a.log:7: record 3: bad" {
		t.Error(e.Error())
	}
	e.Line = 0
	if e.Error() != "a.log: record 3: bad" {
		t.Error(e.Error())
	}
}

func bufioReader(s string) *bufio.Reader {
	return bufio.NewReaderSize(strings.NewReader(s), readBufSize)
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(p, []byte("{\"a\":\"1\"}\n{\"a\":\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	recs, errs, err := ReadAll(p, "")
	if err != nil || len(recs) != 1 || len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), p+":2: record 1: ") {
		t.Errorf("%v %v %v", recs, errs, err)
	}
	if recs[0].Source != p {
		t.Errorf("source %q", recs[0].Source)
	}
	if _, _, err := ReadAll(filepath.Join(dir, "missing"), ""); err == nil {
		t.Error("missing file accepted")
	}
	if _, _, err := ReadAll(dir, ""); err == nil {
		t.Error("directory accepted")
	}
}
