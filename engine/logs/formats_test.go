package logs

import (
	"bytes"
	"compress/gzip"
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

// TestW3CFixture reads an IIS log: fields of each #Fields header, cs(...)
// headers also under their taxonomy names, "-" absent, times, the webserver
// source, and a line with a wrong count of values reported.
func TestW3CFixture(t *testing.T) {
	for _, path := range []string{"testdata/formats/u_ex231001.log", "testdata/formats/u_ex231001.log.gz"} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			recs, errs, err := ReadAll(path, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 || len(errs) != 1 {
				t.Fatalf("%d records, errors %v; want 4 and 1", len(recs), errs)
			}
			var re *RecordError
			if !errors.As(errs[0], &re) || re.Line != 13 || !strings.Contains(re.Error(), "5 values for the 6 fields") {
				t.Errorf("error %v, want line 13 with 5 values for 6 fields", errs[0])
			}
			r := recs[1]
			want := map[string]string{"cs-method": "GET", "cs-uri-query": "/WEB~1/xa.aspx", "c-ip": "192.0.2.66",
				"sc-status": "200", "cs(User-Agent)": "curl/8.0", "cs-user-agent": "curl/8.0", "cs-referer": "https://example.com/"}
			for f, v := range want {
				if got, ok := r.Event.Get(f); !ok || got.S != v {
					t.Errorf("%s = %q (%v), want %q", f, got.S, ok, v)
				}
			}
			if _, ok := recs[0].Event.Get("cs-uri-query"); ok {
				t.Error("a value - is not absent")
			}
			if v, _ := recs[2].Event.Get("cs-username"); v.S != `CORP\alice` {
				t.Errorf("cs-username %q", v.S)
			}
			if r.Line != 6 || r.Index != 1 || !r.Time.Equal(time.Date(2023, 10, 1, 0, 0, 2, 0, time.UTC)) {
				t.Errorf("line %d index %d time %v", r.Line, r.Index, r.Time)
			}
			if v, ok := recs[3].Event.Get("sc-status"); !ok || v.S != "301" {
				t.Errorf("second #Fields block not applied: sc-status %q", v.S)
			}
			for _, rec := range recs {
				if src := engine.EventSource(rec.Event); src != (engine.Source{Category: "webserver"}) {
					t.Errorf("source %+v", src)
				}
			}
		})
	}
}

func TestW3CSplit(t *testing.T) {
	got, err := splitW3C(`a "b c" "d ""e""" -`, 10)
	if err != nil || strings.Join(got, "|") != `a|b c|d "e"|-` {
		t.Errorf("%q %v", got, err)
	}
	if _, err := splitW3C(`a "b`, 10); err == nil {
		t.Error("an unclosed quote is not reported")
	}
	r, _ := NewReader("x", strings.NewReader("1.2.3.4 GET\n"), FormatW3C)
	if _, errs, _ := drain(r); len(errs) != 1 || !strings.Contains(errs[0].Error(), "before any #Fields") {
		t.Errorf("%v", errs)
	}
}

// TestZeekTSVFixture reads a Zeek conn.log: typed values, sets, unset and
// empty values, escapes, the time and the zeek/conn source.
func TestZeekTSVFixture(t *testing.T) {
	recs, errs, err := ReadAll("testdata/formats/conn.log", FormatAuto)
	if err != nil || len(errs) != 0 || len(recs) != 3 {
		t.Fatalf("%d records, %v, %v", len(recs), errs, err)
	}
	ev := recs[0].Event
	if v, _ := ev.Get("id.resp_p"); v.Kind != engine.KindNumber || v.N != 3389 || v.S != "3389" {
		t.Errorf("id.resp_p %+v", v)
	}
	if v, _ := ev.Get("id.orig_h"); v.S != "192.0.2.10" {
		t.Errorf("id.orig_h %+v", v)
	}
	if v, _ := ev.Get("local_orig"); v.Kind != engine.KindBool || !v.B {
		t.Errorf("local_orig %+v", v)
	}
	if v, ok := ev.Get("tunnel_parents"); !ok || v.Kind != engine.KindArray || len(v.Arr) != 0 {
		t.Errorf("empty set %+v", v)
	}
	if !recs[0].Time.Equal(time.Unix(1696118400, 123456000).UTC()) {
		t.Errorf("time %v", recs[0].Time)
	}
	ev = recs[1].Event
	if _, ok := ev.Get("service"); ok {
		t.Error("unset value present")
	}
	if v, _ := ev.Get("tunnel_parents"); len(v.Arr) != 2 || v.Arr[1].S != "Cx2" {
		t.Errorf("set %+v", v)
	}
	ev = recs[2].Event
	if v, _ := ev.Get("service"); v.S != "http\tx" {
		t.Errorf("escaped value %q", v.S)
	}
	if v, ok := ev.Get("history"); !ok || v.Kind != engine.KindString || v.S != "" {
		t.Errorf("empty value %+v %v", v, ok)
	}
	for _, rec := range recs {
		if src := engine.EventSource(rec.Event); src != (engine.Source{Product: "zeek", Service: "conn"}) {
			t.Errorf("source %+v", src)
		}
	}
	// Without #path, the file name gives the service.
	data, _ := os.ReadFile("testdata/formats/conn.log")
	noPath := strings.Replace(string(data), "#path\tconn\n", "", 1)
	r, _ := NewReader("/logs/rdp.00:00:00-01:00:00.log", strings.NewReader(noPath), FormatAuto)
	recs, _, _ = drain(r)
	if len(recs) != 3 || engine.EventSource(recs[0].Event) != (engine.Source{Product: "zeek", Service: "rdp"}) {
		t.Errorf("%d records, source %+v", len(recs), engine.EventSource(recs[0].Event))
	}
	// A record with a wrong count of values, and one before #fields.
	r, _ = NewReader("x", strings.NewReader("#separator \\x09\nA\tB\n#fields\ta\tb\n1\t2\t3\n"), FormatAuto)
	recs, errs, _ = drain(r)
	if len(recs) != 0 || len(errs) != 2 || !strings.Contains(errs[0].Error(), "before any #fields") || !strings.Contains(errs[1].Error(), "3 values for the 2 fields") {
		t.Errorf("%d records, %v", len(recs), errs)
	}
}

// TestZeekJSONFixture reads Zeek JSON logs: service from the file name or _path.
func TestZeekJSONFixture(t *testing.T) {
	recs, errs, err := ReadAll("testdata/formats/dns.log", FormatAuto)
	if err != nil || len(errs) != 0 || len(recs) != 2 {
		t.Fatalf("%d records, %v, %v", len(recs), errs, err)
	}
	for _, rec := range recs {
		if src := engine.EventSource(rec.Event); src != (engine.Source{Product: "zeek", Service: "dns"}) {
			t.Errorf("source %+v", src)
		}
	}
	if v, _ := recs[0].Event.Get("id.orig_h"); v.S != "192.0.2.10" {
		t.Errorf("id.orig_h %+v", v)
	}
	if !recs[0].Time.Equal(time.Unix(1696118400, 500000000).UTC()) || !recs[1].Time.Equal(time.Date(2023, 10, 1, 0, 0, 1, 0, time.UTC)) {
		t.Errorf("times %v %v", recs[0].Time, recs[1].Time)
	}
	recs, _, _ = ReadAll("testdata/formats/zeek_json_with_path.json", FormatAuto)
	if len(recs) != 1 || engine.EventSource(recs[0].Event) != (engine.Source{Product: "zeek", Service: "http"}) {
		t.Errorf("_path: %+v", recs)
	}
	if zeekServiceFromName("<stdin>") != "" || zeekServiceFromName("a/b/Conn.log") != "" || zeekServiceFromName("x509.log.gz") != "x509" {
		t.Error("zeekServiceFromName")
	}
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestGzipFormats reads every text fixture gzip-compressed, from a file and
// from a stream, with the same records as uncompressed; a gzip inside gzip is
// refused; a truncated stream is an error.
func TestGzipFormats(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"conn.log", "dns.log", "u_ex231001.log"} {
		data, err := os.ReadFile(filepath.Join("testdata/formats", name))
		if err != nil {
			t.Fatal(err)
		}
		want, _, _ := drainBytes(t, name, data)
		p := filepath.Join(dir, name+".gz")
		os.WriteFile(p, gz(t, data), 0o644)
		got, _, err := ReadAll(p, FormatAuto)
		if err != nil || len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%s: %d records (want %d), %v", name, len(got), len(want), err)
		}
		for i := range got {
			if engine.EventSource(got[i].Event) != engine.EventSource(want[i].Event) || got[i].Line != want[i].Line || !got[i].Time.Equal(want[i].Time) {
				t.Errorf("%s record %d differs", name, i)
			}
		}
		stream, _, err := drainBytes(t, name+".gz", gz(t, data))
		if err != nil || len(stream) != len(want) {
			t.Errorf("%s from a stream: %d records, %v", name, len(stream), err)
		}
	}
	if _, err := NewReader("x", bytes.NewReader(gz(t, gz(t, []byte("{}\n")))), FormatAuto); err == nil || !strings.Contains(err.Error(), "cannot detect") {
		t.Errorf("gzip in gzip: %v", err)
	}
	whole := gz(t, bytes.Repeat([]byte(`{"a":1}`+"\n"), 10000))
	_, _, err := drainBytes(t, "cut", whole[:len(whole)/2])
	if err == nil {
		t.Error("truncated gzip not reported")
	}
}

func drainBytes(t *testing.T, name string, b []byte) ([]Record, []error, error) {
	t.Helper()
	r, err := NewReader(name, bytes.NewReader(b), FormatAuto)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return drain(r)
}

// TestGzipBomb: a small gzip file of one 200 MiB line is read with the
// record limits of an uncompressed file (the line is skipped as too large,
// memory stays bounded), and the decompression bounds stop a bomb.
func TestGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 200 MiB")
	}
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for range 200 {
		w.Write(chunk)
	}
	w.Write([]byte("\nlast line\n"))
	w.Close()
	bomb := buf.Bytes()
	t.Logf("%d compressed bytes", len(bomb))

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The ratio bound (200:1 past 256 MiB) is not reached by 200 MiB.
	recs, errs, err := drainBytes(t, "bomb.gz", bomb)
	runtime.ReadMemStats(&after)
	if err != nil || len(recs) != 1 || len(errs) != 1 || !errors.Is(errs[0], ErrTooLarge) {
		t.Fatalf("%d records, %v, %v", len(recs), errs, err)
	}
	// The allocations do not grow with the line (100 MiB and 200 MiB lines
	// both allocate about 100 MB in all: the line buffer up to MaxRecordSize
	// and the readers' buffers).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*MaxRecordSize {
		t.Errorf("allocated %d bytes reading a 200 MiB line", alloc)
	}
	// MaxDecompressedBytes stops it.
	r, err := NewReaderLimits("bomb.gz", bytes.NewReader(bomb), FormatAuto, Limits{MaxDecompressedBytes: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = drain(r)
	if !errors.Is(err, ErrDecompressionBomb) {
		t.Errorf("MaxDecompressedBytes: %v", err)
	}
	// The ratio: 300 to 1 past the free 256 MiB.
	br := &boundedReader{r: io.LimitReader(zeroReader{}, 300<<20), in: &countReader{n: 1 << 20}, max: 1 << 40}
	if _, err := io.Copy(io.Discard, br); !errors.Is(err, ErrDecompressionBomb) {
		t.Errorf("ratio: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestExpandPaths walks a folder: regular files in lexical order, recursively,
// a FIFO skipped with a note, a symbolic link cycle read once; named files kept.
func TestExpandPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"b/2.log", "b/1.log", "a.log", "c/d/e.json"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x\n"), 0o644)
	}
	cycle := os.Symlink(dir, filepath.Join(dir, "c", "loop")) == nil
	fifo := mkfifo(filepath.Join(dir, "b", "pipe")) == nil
	res := ExpandPaths([]string{"-", dir, "named.log"})
	rel := []string{}
	for _, f := range res.Files {
		if r, err := filepath.Rel(dir, f); err == nil && !strings.HasPrefix(r, "..") {
			f = filepath.ToSlash(r)
		}
		rel = append(rel, f)
	}
	if got := strings.Join(rel, " "); got != "- a.log b/1.log b/2.log c/d/e.json named.log" {
		t.Errorf("files %s", got)
	}
	notes := strings.Join(res.Notes, "\n")
	if cycle && !strings.Contains(notes, "already read") {
		t.Errorf("no note of the cycle: %q", notes)
	}
	if fifo && !strings.Contains(notes, "pipe: not a regular file") {
		t.Errorf("no note of the FIFO: %q", notes)
	}
	if len(res.Errors) != 0 {
		t.Errorf("errors %v", res.Errors)
	}
}
