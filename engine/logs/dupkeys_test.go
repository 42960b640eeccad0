package logs

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// Issue 12: duplicate JSON keys passed silently (encoding/json keeps the last
// value; other readers keep the first). The record is delivered and the keys are
// named after it; records without duplicates (colons in strings, arrays of
// objects) are not reported.
func TestDuplicateJSONKeys(t *testing.T) {
	in := `{"EventID":1,"a":{"b":1,"b":2},"EventID":4688}
{"x":"a:b","y":{"z":[{"q":1},{"q":2}]},"s":"{\"k\":1,\"k\":2}"}
{"l":[{"k":1},{"k":1,"k":2}]}
`
	rd, err := NewReader("dup.jsonl", strings.NewReader(in), FormatJSONLines)
	if err != nil {
		t.Fatal(err)
	}
	var events int
	var msgs []string
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrDuplicateKey) {
				t.Fatalf("unexpected error %v", err)
			}
			msgs = append(msgs, err.Error())
			continue
		}
		events++
		if rec.Index == 0 {
			if v, _ := rec.Event.Get("EventID"); fmt.Sprint(v) != "4688" {
				t.Errorf("EventID = %v, want the last value 4688", v)
			}
		}
	}
	if events != 3 {
		t.Errorf("%d events, want 3", events)
	}
	want := []string{`dup.jsonl:1: record 0: duplicate JSON key "a.b", "EventID"`, `dup.jsonl:3: record 2: duplicate JSON key "l.k"`}
	if len(msgs) != len(want) {
		t.Fatalf("messages %q, want %q", msgs, want)
	}
	for i := range want {
		if !strings.HasPrefix(msgs[i], want[i]) {
			t.Errorf("message %q, want prefix %q", msgs[i], want[i])
		}
	}
}

// Issue 12: a damaged EVTX could read as 0 events and no message: a header that
// claims a chunk over a file cut after it, a chunk whose magic is right and
// whose records are garbage. Both are reported now.
func TestDamagedEVTXReported(t *testing.T) {
	header := make([]byte, 4096)
	copy(header, "ElfFile\x00")
	header[32], header[38], header[36], header[41], header[42] = 128, 3, 2, 0x10, 1
	chunk := []byte(strings.Repeat("\xff", 65536))
	copy(chunk, "ElfChnk\x00")
	for name, data := range map[string][]byte{
		"the file header claims 1 chunks": header,
		"no record magic at 0x200":        append(append([]byte(nil), header...), chunk...),
	} {
		rd, err := NewReader("x.evtx", strings.NewReader(string(data)), FormatEVTX)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for {
			_, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				t.Errorf("%s: an event from garbage", name)
				continue
			}
			msgs = append(msgs, err.Error())
		}
		if len(msgs) != 1 || !strings.Contains(msgs[0], name) {
			t.Errorf("messages %q, want one with %q", msgs, name)
		}
	}
}
