package logs

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// TestEVTXPreflight: records whose counts or lengths would make the parser
// loop or allocate without bound are refused (reported, the other records
// read); sound records are not.
func TestEVTXPreflight(t *testing.T) {
	good := []struct {
		root xnode
		args []arg
	}{{el("Event", el("System", sub("EventID", 0), txt("Channel", "Security"))), []arg{{argUint16, []byte{0x10, 0x12}}}}}
	base := buildEVTX(t, append(good, good...))
	rec := 4096 + evtxChunkHeader
	// The argument count of the first record's template instance (after its inline definition).
	bodyLen := int(binary.LittleEndian.Uint32(base[rec+evtxRecordHead+4+2+4+4+4+16:]))
	countAt := rec + evtxRecordHead + 4 + 2 + 4 + 4 + 4 + 16 + 4 + bodyLen
	if got := binary.LittleEndian.Uint32(base[countAt:]); got != 1 {
		t.Fatalf("argument count at %d is %d, want 1", countAt, got)
	}
	tests := []struct {
		name   string
		mutate func(b []byte)
		refuse string // "" when the first record must be read
	}{
		{"sound record", func(b []byte) {}, ""},
		{"a billion arguments", func(b []byte) { binary.LittleEndian.PutUint32(b[countAt:], 0x4e4e4e4e) }, "claims"},
		{"arguments beyond the chunk", func(b []byte) {
			binary.LittleEndian.PutUint32(b[countAt:], 16000)
			end := 4096 + evtxChunkSize - 8
			for i := countAt + 4; i < end; i += 4 {
				binary.LittleEndian.PutUint16(b[i:], 0xffff) // 64 KiB strings, read past the end
				binary.LittleEndian.PutUint16(b[i+2:], argString)
			}
			// One record spanning the chunk.
			n := end + 4 - rec
			binary.LittleEndian.PutUint32(b[rec+4:], uint32(n))
			binary.LittleEndian.PutUint32(b[rec+n-4:], uint32(n))
			binary.LittleEndian.PutUint32(b[4096+0x30:], uint32(rec+n-4096))
			binary.LittleEndian.PutUint64(b[4096+16:], 1)
		}, "past the chunk's end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := append([]byte(nil), base...)
			tt.mutate(file)
			if i, why := preflight(file[4096:4096+evtxChunkSize], 2); (why != "") != (tt.refuse != "") || !strings.Contains(why, tt.refuse) || (why != "" && i != 0) {
				t.Errorf("preflight = %d, %q; want record 0 refused for %q", i, why, tt.refuse)
			}
			r, err := NewReader("t.evtx", bytes.NewReader(file), FormatEVTX)
			if err != nil {
				t.Fatal(err)
			}
			recs, errs, err := drain(r)
			if err != nil {
				t.Fatal(err)
			}
			if tt.refuse == "" {
				if len(recs) != 2 || len(errs) != 0 {
					t.Errorf("%d records, errors %v", len(recs), errs)
				}
				return
			}
			if len(errs) == 0 || !strings.Contains(errs[0].Error(), "refused") {
				t.Errorf("errors %v, want the first record refused", errs)
			}
		})
	}
}
