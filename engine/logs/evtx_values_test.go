package logs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"unicode/utf16"

	"github.com/rulec/rulec/engine"
)

// This file builds small EVTX files (one chunk, one record per template) to
// check that values come out as Windows renders them.

// bx writes BinXML at a known chunk offset (names are written inline, as
// their offsets must point into the chunk).
type bx struct {
	b    []byte
	base int // chunk offset of b[0]
}

func (x *bx) pos() int     { return x.base + len(x.b) }
func (x *bx) u8(v byte)    { x.b = append(x.b, v) }
func (x *bx) u16(v uint16) { x.b = binary.LittleEndian.AppendUint16(x.b, v) }
func (x *bx) u32(v uint32) { x.b = binary.LittleEndian.AppendUint32(x.b, v) }
func (x *bx) u64(v uint64) { x.b = binary.LittleEndian.AppendUint64(x.b, v) }
func (x *bx) raw(p []byte) { x.b = append(x.b, p...) }
func utf16le(s string) (b []byte) {
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// name writes a name reference followed by the name itself.
func (x *bx) name(s string) {
	x.u32(uint32(x.pos() + 4))
	x.u32(0) // next name
	x.u16(0) // hash
	x.u16(uint16(len([]rune(s))))
	x.raw(utf16le(s))
	x.u16(0)
}

// xnode is an element of a template: attributes and content are literal text
// or substitutions (sub >= 0).
type xnode struct {
	name     string
	attrs    []attr
	text     string
	sub      int // substitution of the content, -1 none
	children []xnode
}

type attr struct {
	name, text string
	sub        int
}

func el(name string, children ...xnode) xnode { return xnode{name: name, sub: -1, children: children} }

func (x *bx) element(n xnode) {
	if len(n.attrs) > 0 {
		x.u8(0x41)
	} else {
		x.u8(0x01)
	}
	x.u16(0xffff)
	x.u32(0) // data size (unused by the parser)
	x.name(n.name)
	if len(n.attrs) > 0 {
		x.u32(0) // attribute list size
		for i, a := range n.attrs {
			if i+1 < len(n.attrs) {
				x.u8(0x46)
			} else {
				x.u8(0x06)
			}
			x.name(a.name)
			x.value(a.text, a.sub)
		}
	}
	if n.text == "" && n.sub < 0 && len(n.children) == 0 {
		x.u8(0x03) // <name/>
		return
	}
	x.u8(0x02)
	x.value(n.text, n.sub)
	for _, c := range n.children {
		x.element(c)
	}
	x.u8(0x04)
}

func (x *bx) value(text string, sub int) {
	switch {
	case sub >= 0:
		x.u8(0x0e)
		x.u16(uint16(sub))
		x.u8(0x01) // declared type: the argument's type decides
	case text != "":
		x.u8(0x05)
		x.u8(0x01)
		x.u16(uint16(len(utf16.Encode([]rune(text)))))
		x.raw(utf16le(text))
	}
}

// arg is a substitution argument: its EVTX type and bytes.
type arg struct {
	typ  uint16
	data []byte
}

func u64arg(t uint16, v uint64) arg { return arg{t, binary.LittleEndian.AppendUint64(nil, v)} }
func strArg(s string) arg           { return arg{argString, utf16le(s)} }
func guidArg(d uint32, w1, w2 uint16, b [8]byte) arg {
	p := binary.LittleEndian.AppendUint32(nil, d)
	p = binary.LittleEndian.AppendUint16(p, w1)
	p = binary.LittleEndian.AppendUint16(p, w2)
	return arg{argGUID, append(p, b[:]...)}
}

// buildEVTX makes an EVTX file with one record per (template, arguments).
func buildEVTX(t testing.TB, recs []struct {
	root xnode
	args []arg
}) []byte {
	t.Helper()
	chunk := make([]byte, 0, evtxChunkSize)
	chunk = append(chunk, make([]byte, evtxChunkHeader)...)
	copy(chunk, evtxChunkMagic)
	for i, r := range recs {
		start := len(chunk)
		x := &bx{base: start}
		x.raw([]byte(evtxRecordMagic))
		x.u32(0) // size, patched below
		x.u64(uint64(i + 1))
		x.u64(133000000000000000)
		x.raw([]byte{0x0f, 0x01, 0x01, 0x00})
		x.u8(0x0c)
		x.u8(0x01)
		x.u32(uint32(100 + i)) // template id
		x.u32(uint32(x.pos() + 4))
		x.u32(0)                // next template
		x.raw(make([]byte, 16)) // template GUID
		sizeAt := len(x.b)
		x.u32(0)
		bodyStart := len(x.b)
		x.raw([]byte{0x0f, 0x01, 0x01, 0x00})
		x.element(r.root)
		x.u8(0x00)
		binary.LittleEndian.PutUint32(x.b[sizeAt:], uint32(len(x.b)-bodyStart))
		x.u32(uint32(len(r.args)))
		for _, a := range r.args {
			x.u16(uint16(len(a.data)))
			x.u16(a.typ)
		}
		for _, a := range r.args {
			x.raw(a.data)
		}
		x.u8(0x00)
		x.u32(0)
		size := len(x.b)
		binary.LittleEndian.PutUint32(x.b[4:], uint32(size))
		binary.LittleEndian.PutUint32(x.b[size-4:], uint32(size))
		chunk = append(chunk, x.b...)
	}
	binary.LittleEndian.PutUint64(chunk[8:], 1)
	binary.LittleEndian.PutUint64(chunk[16:], uint64(len(recs)))
	binary.LittleEndian.PutUint32(chunk[0x30:], uint32(len(chunk)))
	chunk = append(chunk, make([]byte, evtxChunkSize-len(chunk))...)
	file := make([]byte, 4096)
	copy(file, evtxFileMagic)
	return append(file, chunk...)
}

func sub(name string, n int) xnode { return xnode{name: name, sub: n} }
func txt(name, s string) xnode     { return xnode{name: name, text: s, sub: -1} }
func data(name string, n int) xnode {
	return xnode{name: "Data", attrs: []attr{{name: "Name", text: name, sub: -1}}, sub: n}
}

// TestEVTXValuesAsWindowsRenders reads built records and checks each value
// against Windows' rendering (absent: the field must not exist).
func TestEVTXValuesAsWindowsRenders(t *testing.T) {
	const absent = "\x00absent"
	subcat := guidArg(0x0CCE9215, 0x69AE, 0x11D9, [8]byte{0xBE, 0xD3, 0x50, 0x50, 0x54, 0x50, 0x30, 0x30})
	provider := guidArg(0x54849625, 0x5478, 0x4994, [8]byte{0xA5, 0xBA, 0x3E, 0x3B, 0x03, 0x28, 0xC3, 0x0D})
	system := func(extra ...xnode) xnode {
		children := []xnode{
			{name: "Provider", attrs: []attr{{name: "Name", text: "Microsoft-Windows-Security-Auditing", sub: -1}, {name: "Guid", sub: 1}}, sub: -1},
			sub("EventID", 2),
			sub("Level", 0),
			sub("Keywords", 3),
			{name: "TimeCreated", attrs: []attr{{name: "SystemTime", sub: 4}}, sub: -1},
		}
		return el("System", append(children, extra...)...)
	}
	event := func(children ...xnode) xnode {
		n := el("Event", children...)
		n.attrs = []attr{{name: "xmlns", text: "http://schemas.microsoft.com/win/2004/08/events/event", sub: -1}}
		return n
	}
	baseArgs := func(keywords uint64, extra ...arg) []arg {
		return append([]arg{{argUint8, []byte{4}}, provider, {argUint16, []byte{0x1a, 0x12}}, u64arg(argHexInt64, keywords), u64arg(argFileTime, 133000000000000000)}, extra...)
	}
	tests := []struct {
		name string
		root xnode
		args []arg
		want map[string]string
	}{
		{
			name: "GUID values keep their braces",
			root: event(system(txt("Channel", "Security")), el("EventData", data("SubcategoryGuid", 5))),
			args: baseArgs(0x8020000000000000, subcat),
			want: map[string]string{"SubcategoryGuid": "{0CCE9215-69AE-11D9-BED3-505054503030}",
				"Provider_Guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}", "EventID": "4634", "Level": "4"},
		},
		{
			name: "an empty <Channel/> has no value (not the first argument)",
			root: event(system(el("Channel"), el("Correlation"), txt("Computer", "host"))),
			args: baseArgs(0x8020000000000000),
			want: map[string]string{"Channel": absent, "Correlation": absent, "Computer": "host", "Level": "4"},
		},
		{
			name: "Keywords as Windows renders them (0x%I64x)",
			root: event(system(txt("Channel", "Security"))),
			args: baseArgs(0x8020000000000000),
			want: map[string]string{"Keywords": "0x8020000000000000"},
		},
		{
			name: "Keywords of a classic event",
			root: event(system(txt("Channel", "Windows PowerShell"))),
			args: baseArgs(0x0080000000000000),
			want: map[string]string{"Keywords": "0x80000000000000"},
		},
		{
			name: "FILETIME values, zero is 1601-01-01",
			root: event(system(txt("Channel", "Security")), el("EventData", data("Zero", 5), data("When", 6))),
			args: baseArgs(0, u64arg(argFileTime, 0), u64arg(argFileTime, 133000000000000000)),
			want: map[string]string{"Zero": "1601-01-01T00:00:00.0000000Z", "When": "2022-06-18T04:26:40.0000000Z",
				"TimeCreated_SystemTime": "2022-06-18T04:26:40.0000000Z", "Keywords": "0x0"},
		},
		{
			name: "UserData xmlns attributes are not fields",
			root: event(system(txt("Channel", "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational")),
				el("UserData", xnode{name: "EventXML", sub: -1, attrs: []attr{
					{name: "xmlns:auto-ns3", text: "http://schemas.microsoft.com/win/2004/08/events", sub: -1},
					{name: "xmlns", text: "Event_NS", sub: -1}},
					children: []xnode{sub("User", 5), sub("Address", 6)}})),
			args: baseArgs(0x1000000000000000, strArg(`CORP\alice`), strArg("10.0.0.5")),
			want: map[string]string{"User": `CORP\alice`, "Address": "10.0.0.5", "xmlns": absent, "xmlns:auto-ns3": absent,
				"auto-ns3": absent},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := buildEVTX(t, []struct {
				root xnode
				args []arg
			}{{tt.root, tt.args}})
			r, err := NewReader("built.evtx", bytes.NewReader(file), FormatEVTX)
			if err != nil {
				t.Fatal(err)
			}
			recs, errs, err := drain(r)
			if err != nil || len(errs) > 0 || len(recs) != 1 {
				t.Fatalf("%d records, %v, %v", len(recs), errs, err)
			}
			fs := fields(t, recs[0])
			for k, want := range tt.want {
				got, ok := fs[k]
				switch {
				case want == absent && ok:
					t.Errorf("%s = %q, want no such field", k, got.S)
				case want != absent && (!ok || got.S != want):
					t.Errorf("%s = %q (present %v), want %q", k, got.S, ok, want)
				}
			}
			for k := range fs {
				if len(k) >= 5 && k[:5] == "xmlns" {
					t.Errorf("field %s from an xmlns attribute", k)
				}
			}
			if src := engine.EventSource(recs[0].Event); src.Product != "windows" {
				t.Errorf("source %+v", src)
			}
		})
	}
}

// FuzzEVTXRecord reads a built EVTX file whose record bytes (after the record
// header) are replaced by the input: no panic, no hang, errors name the file.
func FuzzEVTXRecord(f *testing.F) {
	seed := buildEVTX(f, []struct {
		root xnode
		args []arg
	}{{el("Event", el("System", el("Channel"), sub("EventID", 0)), el("EventData", data("G", 1))),
		[]arg{{argUint16, []byte{1, 0}}, guidArg(1, 2, 3, [8]byte{4, 5, 6, 7, 8, 9, 10, 11})}}})
	start := 4096 + evtxChunkHeader
	size := int(binary.LittleEndian.Uint32(seed[start+4:]))
	f.Add(seed[start+evtxRecordHead : start+size-4])
	f.Add([]byte{0x0f, 0x01, 0x01, 0x00, 0x0c, 0x01, 0, 0, 0, 0, 0x2a, 0x02, 0, 0})
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > evtxChunkSize-evtxChunkHeader-evtxRecordHead-8 {
			return
		}
		file := append([]byte(nil), seed...)
		chunk := file[4096:]
		rec := chunk[evtxChunkHeader:]
		n := evtxRecordHead + len(body) + 4
		for i := range rec {
			rec[i] = 0
		}
		copy(rec, evtxRecordMagic)
		binary.LittleEndian.PutUint32(rec[4:], uint32(n))
		binary.LittleEndian.PutUint64(rec[8:], 1)
		copy(rec[evtxRecordHead:], body)
		binary.LittleEndian.PutUint32(rec[n-4:], uint32(n))
		binary.LittleEndian.PutUint32(chunk[0x30:], uint32(evtxChunkHeader+n))
		r, err := NewReader("fuzz.evtx", bytes.NewReader(file), FormatEVTX)
		if err != nil {
			return
		}
		for i := 0; i < 100; i++ {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			var re *RecordError
			if errors.As(err, &re) && re.Source != "fuzz.evtx" {
				t.Fatalf("record error without the source: %v", re)
			}
		}
	})
}
