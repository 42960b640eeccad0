package logs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/internal/shared"
	"www.velocidex.com/golang/evtx"
)

// regressionEVTX lists the SigmaHQ regression captures, skipping when absent.
func regressionEVTX(tb testing.TB) []string {
	tb.Helper()
	dir := shared.Path(tb, "sigmahq", "regression_data")
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		tb.Skipf("no .evtx files under %s", dir)
	}
	return files
}

func fields(t *testing.T, r Record) map[string]engine.Value {
	t.Helper()
	fe, ok := r.Event.(*engine.FlatEvent)
	if !ok {
		t.Fatalf("%s record %d: event is %T, want *engine.FlatEvent", r.Source, r.Index, r.Event)
	}
	return fe.Fields
}

// TestRegressionEVTX reads every regression capture with zero errors and
// checks the events against the evtx_dump JSON rendering beside each file.
func TestRegressionEVTX(t *testing.T) {
	files := regressionEVTX(t)
	total := 0
	for _, f := range files {
		recs, errs, err := ReadAll(f, "")
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		for _, e := range errs {
			t.Errorf("%s: %v", f, e)
		}
		if len(recs) == 0 {
			t.Errorf("%s: no records", f)
		}
		total += len(recs)
		for i, r := range recs {
			if r.Index != i || r.Source != f || r.Line != 0 {
				t.Errorf("%s: record %d has Index %d Source %q Line %d", f, i, r.Index, r.Source, r.Line)
			}
			if r.Time.IsZero() {
				t.Errorf("%s: record %d has no time", f, i)
			}
			fs := fields(t, r)
			for _, k := range []string{"EventID", "Channel", "Provider_Name", "Computer", "EventRecordID", "TimeCreated_SystemTime"} {
				if _, ok := fs[k]; !ok {
					t.Errorf("%s: record %d lacks %s", f, i, k)
				}
			}
			if fs["EventID"].Kind != engine.KindNumber {
				t.Errorf("%s: record %d: EventID kind %d", f, i, fs["EventID"].Kind)
			}
		}
		compareWithJSON(t, f, recs)
	}
	t.Logf("%d files, %d events", len(files), total)
}

// jsonRenderingDiffers lists fields whose JSON rendering is known not to
// match its .evtx (the .evtx is authoritative).
var jsonRenderingDiffers = map[string]string{
	// This JSON was not made by evtx_dump (9-digit SystemTime); it spells the parent "Explorer.exe".
	"ad691d92-15f2-4181-9aa4-723c74f9ddc3.evtx ParentCommandLine": `C:\Windows\Explorer.EXE`,
}

// compareWithJSON checks every field against the JSON rendering. Known
// differences: evtx_dump trims trailing spaces of values (the EVTX keeps
// them: Sysmon command lines often end with a space), renders SystemTime
// with 6 digits where Windows (and we) use 7, drops the braces of GUIDs, and
// jsonRenderingDiffers.
func compareWithJSON(t *testing.T, evtxPath string, recs []Record) {
	jsonPath := strings.TrimSuffix(evtxPath, ".evtx") + ".json"
	if _, err := os.Stat(jsonPath); err != nil {
		return
	}
	jrecs, jerrs, err := ReadAll(jsonPath, "")
	if err != nil || len(jerrs) > 0 {
		t.Errorf("%s: %v %v", jsonPath, err, jerrs)
		return
	}
	if len(jrecs) != len(recs) {
		t.Errorf("%s: %d events, the JSON rendering has %d", evtxPath, len(recs), len(jrecs))
		return
	}
	for i := range recs {
		a, b := fields(t, recs[i]), fields(t, jrecs[i])
		if len(a) != len(b) {
			t.Errorf("%s record %d: %d fields, JSON %d", evtxPath, i, len(a), len(b))
		}
		for k, vb := range b {
			va, ok := a[k]
			switch {
			case !ok:
				t.Errorf("%s record %d: field %s missing (JSON %q)", evtxPath, i, k, vb.S)
			case jsonRenderingDiffers[filepath.Base(evtxPath)+" "+k] == va.S:
			case k == "TimeCreated_SystemTime":
				ta, tb := parseTimeString(va.S), parseTimeString(vb.S)
				if ta.Truncate(time.Microsecond) != tb.Truncate(time.Microsecond) {
					t.Errorf("%s record %d: %s %q, JSON %q", evtxPath, i, k, va.S, vb.S)
				}
			case va.Kind == engine.KindString && vb.Kind == engine.KindString && isGUID(vb.S) && va.S == "{"+vb.S+"}":
				// evtx_dump's JSON drops the braces of GUID values; Windows (and we) keep them.
			case va.Kind != vb.Kind || (va.S != vb.S && strings.TrimRight(va.S, " ") != vb.S):
				t.Errorf("%s record %d: %s = %q (kind %d), JSON %q (kind %d)", evtxPath, i, k, va.S, va.Kind, vb.S, vb.Kind)
			}
		}
		if recs[i].Time.Truncate(time.Microsecond) != jrecs[i].Time.Truncate(time.Microsecond) {
			t.Errorf("%s record %d: time %v, JSON %v", evtxPath, i, recs[i].Time, jrecs[i].Time)
		}
	}
}

// isGUID reports whether s is a GUID without braces (8-4-4-4-12 hex digits).
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

// TestRegressionEVTXKnownValues checks a few events field by field.
func TestRegressionEVTXKnownValues(t *testing.T) {
	dir := shared.Path(t, "sigmahq", "regression_data")
	tests := []struct {
		file  string
		index int
		want  map[string]string
		time  string
	}{
		{
			file: "rules-emerging-threats/2025/Malware/Shai-Hulud/proc_creation_win_mal_shai_hulud_indicator/540703fb-a874-4385-a9d6-7cd1bfab268c.evtx",
			want: map[string]string{
				"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational", "Provider_Name": "Microsoft-Windows-Sysmon",
				"Image":           `C:\Users\xodih\.dev-env\bin\Runner.Listener.exe`,
				"CommandLine":     `"C:\Users\xodih\.dev-env\bin\Runner.Listener.exe"  configure --url https://github.com/test-owner/test-repo --unattended --token fake-token-123 --name SHA1HULUD`,
				"ParentImage":     `C:\Windows\System32\cmd.exe`,
				"LogonId":         "0x3b5e64",
				"ProcessId":       "6336",
				"Keywords":        "0x8000000000000000",
				"Security_UserID": "S-1-5-18", "Execution_ProcessID": "3544", "Computer": "swachchhanda",
				"EventRecordID": "2584270", "IntegrityLevel": "Medium", "Level": "4", "Task": "1", "Version": "5",
			},
			time: "2025-11-28T08:30:20.9669014Z",
		},
		{
			file: "rules/windows/process_access/proc_access_win_werfaultsecure_msmpeng_access/387df17d-3b04-448f-8669-9e7fd5e5fd8c.evtx",
			want: map[string]string{
				"EventID": "10", "GrantedAccess": "0x1fffff", "SourceImage": `C:\Windows\System32\WerFaultSecure.exe`,
				"TargetImage":     `C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.25100.9008-0\MsMpEng.exe`,
				"SourceProcessId": "7224",
			},
		},
		{
			file: "rules/windows/builtin/security/win_security_explicit_credential_local_logon/e3c6d245-7b8f-4e2a-c17f-a9d0e5b38f62.evtx",
			want: map[string]string{
				"EventID": "4648", "Channel": "Security", "Provider_Name": "Microsoft-Windows-Security-Auditing",
				"SubjectLogonId": "0x85527", "ProcessId": "0x378", "TargetUserName": "testuser",
				"Correlation_ActivityID": "{C96B491C-1545-0001-6049-6BC94515DD01}", "Keywords": "0x8020000000000000",
				"ProcessName": `C:\Users\xodih\OneDrive\Desktop\LegacyHive.exe`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			p := filepath.Join(dir, tt.file)
			if _, err := os.Stat(p); err != nil {
				t.Skipf("%s absent", p)
			}
			recs, errs, err := ReadAll(p, FormatEVTX)
			if err != nil || len(errs) > 0 || len(recs) <= tt.index {
				t.Fatalf("ReadAll: %d records, %v, %v", len(recs), errs, err)
			}
			fs := fields(t, recs[tt.index])
			for k, want := range tt.want {
				if got, ok := fs[k]; !ok || got.S != want {
					t.Errorf("%s = %q (present %v), want %q", k, got.S, ok, want)
				}
			}
			if tt.time != "" {
				if got := recs[tt.index].Time.Format(windowsTimeLayout); got != tt.time {
					t.Errorf("time %s, want %s", got, tt.time)
				}
			}
		})
	}
}

func firstRegressionEVTX(t *testing.T) []byte {
	t.Helper()
	files := regressionEVTX(t)
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestEVTXNewReader reads from a plain io.Reader (buffered) and sniffs the magic.
func TestEVTXNewReader(t *testing.T) {
	data := firstRegressionEVTX(t)
	for _, f := range []Format{"", FormatAuto, FormatEVTX} {
		r, err := NewReader("stdin", struct{ io.Reader }{bytes.NewReader(data)}, f)
		if err != nil {
			t.Fatalf("%q: %v", f, err)
		}
		recs, errs, err := drain(r)
		if err != nil || len(errs) > 0 || len(recs) == 0 {
			t.Fatalf("%q: %d records, %v, %v", f, len(recs), errs, err)
		}
		if recs[0].Source != "stdin" {
			t.Errorf("source %q", recs[0].Source)
		}
	}
}

func TestEVTXNotEVTX(t *testing.T) {
	_, err := NewReader("x.evtx", strings.NewReader(`{"a":1}`), FormatEVTX)
	if err == nil || !strings.Contains(err.Error(), "x.evtx") {
		t.Fatalf("err = %v", err)
	}
}

// TestEVTXTruncated cuts a capture at many lengths: never a panic, records up
// to the cut, and a RecordError naming the file for a partial chunk.
func TestEVTXTruncated(t *testing.T) {
	data := firstRegressionEVTX(t)
	for _, n := range []int{4096 + 100, 4096 + 512 + 3000, len(data) - 1000, len(data) - 1} {
		if n >= len(data) {
			continue
		}
		r, err := NewReader("cut.evtx", bytes.NewReader(data[:n]), FormatEVTX)
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		_, errs, err := drain(r)
		if err != nil {
			t.Fatalf("%d: fatal %v", n, err)
		}
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), "cut.evtx") || !strings.Contains(errs[0].Error(), "truncated") {
			t.Errorf("%d: errors %v", n, errs)
		}
	}
}

// TestEVTXGarbage overwrites parts of a capture with garbage: never a panic
// or hang; problems come out as RecordErrors.
func TestEVTXGarbage(t *testing.T) {
	data := firstRegressionEVTX(t)
	seed := uint32(1)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	for trial := 0; trial < 60; trial++ {
		d := append([]byte(nil), data...)
		// Damage a stretch of the first chunk (after its header) or its header.
		start := 4096 + int(rnd())%(evtxChunkSize-64)
		if trial%10 == 0 {
			start = 4096 + int(rnd())%evtxChunkHeader
		}
		for i := 0; i < 1+int(rnd())%64 && start+i < len(d); i++ {
			d[start+i] = byte(rnd())
		}
		r, err := NewReader("bad.evtx", bytes.NewReader(d), FormatEVTX)
		if err != nil {
			t.Fatal(err)
		}
		recs, errs, err := drain(r)
		if err != nil {
			t.Fatalf("trial %d: fatal %v", trial, err)
		}
		for _, e := range errs {
			var re *RecordError
			if !errors.As(e, &re) || re.Source != "bad.evtx" {
				t.Errorf("trial %d: %v", trial, e)
			}
		}
		_ = recs
	}
	// A chunk with a bad magic.
	d := append([]byte(nil), data...)
	copy(d[4096:], "NotChnk\x00")
	_, errs, err := drain(mustReader(t, d))
	if err != nil || len(errs) != 1 || !strings.Contains(errs[0].Error(), "bad chunk magic") {
		t.Errorf("bad magic: %v %v", errs, err)
	}
	// Pure garbage after a valid file header.
	d = append([]byte(nil), data[:4096]...)
	for i := 0; i < 3*evtxChunkSize; i++ {
		d = append(d, byte(rnd()))
	}
	_, errs, err = drain(mustReader(t, d))
	if err != nil || len(errs) != 3 {
		t.Errorf("garbage chunks: %v %v", errs, err)
	}
	// Many garbage chunks: reading stops after maxBadChunks of them.
	for i := 0; i < 70*evtxChunkSize; i++ {
		d = append(d, byte(rnd()))
	}
	_, errs, err = drain(mustReader(t, d))
	if err != nil || len(errs) != maxBadChunks+1 || !strings.Contains(errs[maxBadChunks].Error(), "not reading further") {
		t.Errorf("many garbage chunks: %d errors, %v", len(errs), err)
	}
}

func mustReader(t *testing.T, d []byte) Reader {
	t.Helper()
	r, err := NewReader("bad.evtx", bytes.NewReader(d), FormatEVTX)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEVTXParserPanic makes the parser panic on one record: that record is
// reported, and the records before and after it are still read.
func TestEVTXParserPanic(t *testing.T) {
	files := regressionEVTX(t)
	// Find a capture whose first chunk holds at least 4 records.
	var chunk []byte
	var n int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 4096+evtxChunkSize {
			continue
		}
		c := data[4096 : 4096+evtxChunkSize]
		k := 0
		for p := evtxChunkHeader; p+evtxRecordHead <= len(c) && string(c[p:p+4]) == evtxRecordMagic; p += int(binary.LittleEndian.Uint32(c[p+4:])) {
			k++
		}
		if k >= 4 {
			chunk, n = append([]byte(nil), c...), k
			break
		}
	}
	if chunk == nil {
		t.Skip("no capture with 4 records in a chunk")
	}
	const bad = 2
	badOff, _ := recordOffset(chunk, bad)
	// A parser that panics whenever the bad record's body is still intact.
	parse := func(buf []byte, k int) ([]*evtx.EventRecord, any) {
		if k > bad && buf[badOff+evtxRecordHead] != 0 {
			return nil, fmt.Sprintf("boom on %d", k)
		}
		return parseChunkSafe(buf, k)
	}
	recs, badRecs := parseChunkRecords(chunk, n, parse)
	if len(badRecs) != 1 || !strings.Contains(badRecs[bad], "boom") {
		t.Fatalf("bad = %v", badRecs)
	}
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if (r.Event == nil) != (i == bad) {
			t.Errorf("record %d: event %v", i, r.Event != nil)
		}
	}
	// The chunk given to the reader is left intact.
	if chunk[badOff+evtxRecordHead] == 0 {
		t.Error("input chunk modified")
	}
	// A parser that always panics: every record reported.
	_, badRecs = parseChunkRecords(chunk, n, func([]byte, int) ([]*evtx.EventRecord, any) { return nil, "always" })
	if len(badRecs) != n {
		t.Errorf("always panicking: %d bad of %d", len(badRecs), n)
	}
}

// BenchmarkReadRegressionEVTX reads all regression captures; reports events/s.
func BenchmarkReadRegressionEVTX(b *testing.B) {
	files := regressionEVTX(b)
	var datas [][]byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		datas = append(datas, d)
	}
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for i := 0; i < b.N; i++ {
		for _, d := range datas {
			r, err := NewReader("bench.evtx", bytes.NewReader(d), FormatEVTX)
			if err != nil {
				b.Fatal(err)
			}
			for {
				_, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				events++
			}
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
