package rt

import (
	"bytes"
	"math"
	"testing"
)

func TestWriterReaderRoundTrip(t *testing.T) {
	if len(digitMore) != 32 || len(digitLast) != 32 {
		t.Fatal("digit alphabets must have 32 bytes each")
	}
	uints := []uint64{0, 1, 31, 32, 33, 1023, 1024, 1 << 31, math.MaxUint32, math.MaxUint64}
	ints := []int64{0, 1, -1, 31, -32, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64}
	strs := []string{"", "a", "\x00\xff\"\\", "c:\\windows\\cmd.exe"}
	w := &Writer{}
	for _, u := range uints {
		w.Uint(u)
	}
	for _, i := range ints {
		w.Int(i)
	}
	for _, s := range strs {
		w.String(s)
	}
	w.Strings(strs)
	w.Strings(nil)
	w.Bool(true)
	w.Bool(false)
	ints0 := &Writer{}
	for _, u := range uints {
		ints0.Uint(u)
	}
	for _, c := range ints0.Bytes() {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			t.Fatalf("integer encoding has byte %q, escaped in a Go string literal", c)
		}
	}
	r := NewReader(string(w.Bytes()))
	for _, u := range uints {
		if got := r.Uint(); got != u {
			t.Errorf("Uint %d read as %d", u, got)
		}
	}
	for _, i := range ints {
		if got := r.Int(); got != i {
			t.Errorf("Int %d read as %d", i, got)
		}
	}
	for _, s := range strs {
		if got := r.String(); got != s {
			t.Errorf("String %q read as %q", s, got)
		}
	}
	if got := r.Strings(); len(got) != len(strs) {
		t.Errorf("Strings: %q", got)
	}
	if got := r.Strings(); got != nil {
		t.Errorf("empty Strings: %q", got)
	}
	if !r.Bool() || r.Bool() || !r.Done() {
		t.Error("Bool or Done")
	}
}

func TestReaderRejectsMalformed(t *testing.T) {
	for _, data := range []string{"", "\x01", "!!!!!!!!!!!!!!!!!", "Z"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q: no panic", data)
				}
			}()
			r := NewReader(data)
			_ = r.String() // a length, then that many bytes
			r.Uint()
		}()
	}
}

func TestProgramEncodingRoundTrip(t *testing.T) {
	b := NewBuilder(map[string][]string{"admins": {"root", "adm*"}})
	rules := []string{
		"    sel:\n        Image|endswith: '\\cmd.exe'\n        CommandLine|contains|all: ['/c', 'whoami']\n    condition: sel\n",
		"    sel:\n        User|re: '(?i)adm.n'\n        Port|gt: 1024\n        Ip|cidr: 10.0.0.0/8\n    kw:\n        - evil\n        - 42\n    condition: sel or kw\n",
		"    sel:\n        Image|expand: '%admins%'\n        Parent|fieldref: Image\n        Opt: null\n        Flag: true\n        T|hour: 3\n    condition: not sel\n",
	}
	g, err := b.AddGroup(LogsourceClaim{Source: Source{Product: "windows"}}, []GroupAlt{
		{Where: nil, Fields: map[string][]string{"Image": {"NewProcessName", "Image"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var plans []*Expr
	for _, src := range rules {
		r := loadRule(t, src)
		det, _, err := b.Compile(r.Detection)
		if err != nil {
			t.Fatal(err)
		}
		b.AddRule(r, det, g)
		plans = append(plans, det.d)
	}
	p := b.Program()
	enc := EncodeProgram(p)
	detect := make([]func(*State) bool, len(plans))
	for i, pl := range plans {
		pl := pl
		detect[i] = func(s *State) bool { return s.Eval(pl) }
	}
	q := DecodeProgram(string(enc), detect)
	if again := EncodeProgram(q); !bytes.Equal(again, enc) {
		t.Fatalf("re-encoding differs:\n%q\n%q", enc, again)
	}
	events := []*FlatEvent{
		flat(map[string]Value{"NewProcessName": str(`C:\x\cmd.exe`), "CommandLine": str("cmd /c WHOAMI")}),
		flat(map[string]Value{"User": str("ADMIN"), "Port": num("2000", 2000), "Ip": str("10.1.2.3")}),
		flat(map[string]Value{"Msg": str("an evil thing")}),
		flat(map[string]Value{"Image": str("root"), "Parent": str("root")}),
	}
	sp, sq := p.NewState(), q.NewState()
	for i, ev := range events {
		a, b := append([]int(nil), sp.Match(ev)...), sq.Match(ev)
		if len(a) != len(b) {
			t.Errorf("event %d: built %v, decoded %v", i, a, b)
			continue
		}
		for k := range a {
			if a[k] != b[k] {
				t.Errorf("event %d: built %v, decoded %v", i, a, b)
			}
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a truncated program decodes")
			}
		}()
		DecodeProgram(string(enc[:len(enc)-3]), detect)
	}()
}
