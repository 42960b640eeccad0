package logs

import (
	"bytes"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/rulec/rulec/internal/gentest"
)

// winCases are Windows events as JSON in the shapes the general path knows,
// the ones winDecoder takes and the ones it must leave to the general path.
var winCases = []string{
	`{"Event":{"#attributes":{"xmlns":"x"},"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"{5770385F}"}},"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000","TimeCreated":{"#attributes":{"SystemTime":"2025-11-27T07:40:10.165324Z"}},"EventRecordID":571146,"Correlation":null,"Execution":{"#attributes":{"ProcessID":3544,"ThreadID":4272}},"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"pc","Security":{"#attributes":{"UserID":"S-1-5-18"}}},"EventData":{"RuleName":"-","UtcTime":"2025-11-27 07:40:10.132","ProcessId":4460,"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd /c \"whoami\" \u00e9","Signed":true,"Empty":null,"Big":1e400}}}`,
	`{"Event":{"System":{"EventID":"4688","Keywords":9232379236109516800,"Channel":"Security","Level":" 0 ","TimeCreated":{"@SystemTime":"2024-01-02T03:04:05Z"},"Provider":{"Name":"Microsoft-Windows-Security-Auditing","xmlns":"y"}},"EventData":{"NewProcessName":"C:\\x.exe","UtcTime":"2024-05-06 07:08:09.000"}}}`,
	`{"Event":{"System":{"EventID":{"#text":4104,"#attributes":{"Qualifiers":""}},"Channel":"Microsoft-Windows-PowerShell/Operational"},"EventData":null}}`,
	`{"Event":{"System":{"EventID":{"Value":7},"Channel":"Linux-Sysmon/Operational"},"EventData":{}}}`,
	`{"Event":{"System":{"EventID":1},"EventData":{"UtcTime":"2024-05-06 07:08:09.000","EventID":5}}}`,
	` { "Event" : { "System" : { "EventID" : 1 , "Channel" : "Security" } , "EventData" : { "A" : "b" } } } `,
	// Invalid UTF-8 is replaced as the general path does (emit reports it).
	"{\"Event\":{\"System\":{\"EventID\":1},\"EventData\":{\"A\":\"\xff\"}}}",
	// Left to the general path.
	`{"Event":{"System":{"EventID":1,"EventID":2},"EventData":{"A":"b"}}}`,
	`{"Event":{"System":{"EventID":1},"EventData":{"A":"b","A":"c"}}}`,
	`{"Event":{"System":{"Execution_ProcessID":1,"Execution":{"#attributes":{"ProcessID":2}}}}}`,
	`{"Event":{"System":{"Provider":{"#attributes":{"Name":"a"},"@Name":"b"}}}}`,
	`{"Event":{"System":{"EventID":1},"EventData":{"Data":[{"#attributes":{"Name":"A"},"#text":"b"}]}}}`,
	`{"Event":{"System":{"EventID":1},"UserData":{"X":{"Y":"z"}}}}`,
	`{"Event":{"System":{"EventID":[1,2]},"EventData":{"A":["b"]}}}`,
	`{"Event":{"System":{"EventID":1}},"Other":1}`,
	`{"Event":{"EventData":{"A":"b"}}}`,
	`{"Event":{"System":{"EventID":1},"EventData":{"A":{"#text":"b"}}}}`,
	`{"Event":{"#attributes":{"a":1,"a":2},"System":{"EventID":1}}}`,
}

// TestWinDecoderMatchesGeneralPath checks that what winDecoder decodes is what
// the general path (fastDecode, then WindowsEvent) gives: fields, time and
// source, on hand-written cases, deterministic mutations of them and every
// event of the regression captures' JSON files (which it must all take).
func TestWinDecoderMatchesGeneralPath(t *testing.T) {
	var w winDecoder
	taken := 0
	check := func(in []byte) bool {
		t.Helper()
		ev, tm, ok := w.decode(in, Limits{}.pathBudget(len(in)))
		if !ok {
			return false
		}
		obj, good := fastDecode(in)
		if !good {
			t.Errorf("%q: winDecoder took what fastDecode refuses", in)
			return true
		}
		if obj.dup {
			t.Errorf("%q: winDecoder took a duplicate key", in)
		}
		if !hasWindowsShape(obj.m) {
			t.Errorf("%q: winDecoder took an object that is not a Windows event", in)
			return true
		}
		want, wantT := WindowsEvent(obj.m)
		if !reflect.DeepEqual(ev.Fields, want.Fields) || ev.Source != want.Source || !tm.Equal(wantT) {
			t.Errorf("%q:\n got %v %v %v\nwant %v %v %v", in, ev.Fields, ev.Source, tm, want.Fields, want.Source, wantT)
		}
		return true
	}
	for i, c := range winCases {
		if got, want := check([]byte(c)), i < 7; got != want {
			t.Errorf("case %d: taken = %v, want %v", i, got, want)
		}
	}
	rnd := rand.New(rand.NewSource(23))
	alphabet := []byte("{}[]\",:\\u0123456789_@#-.eEtrunlsx \t\n\xff")
	for i := 0; i < 20000; i++ {
		b := []byte(winCases[rnd.Intn(len(winCases))])
		for k := rnd.Intn(3) + 1; k > 0; k-- {
			switch p := rnd.Intn(len(b) + 1); rnd.Intn(3) {
			case 0:
				b = append(b[:p], append([]byte{alphabet[rnd.Intn(len(alphabet))]}, b[p:]...)...)
			case 1:
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			default:
				if p < len(b) {
					b[p] = alphabet[rnd.Intn(len(alphabet))]
				}
			}
		}
		if check(b) {
			taken++
		}
	}
	if taken == 0 {
		t.Error("winDecoder took no mutated case")
	}
	t.Run("regression captures", func(t *testing.T) {
		data, n := gentest.ProcessCreationJSONL(t) // skips without ../shared
		lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
		for _, l := range lines {
			if !check(l) {
				t.Errorf("winDecoder refused a regression capture's event: %.200s", l)
			}
		}
		if len(lines) != n {
			t.Errorf("%d lines for %d events", len(lines), n)
		}
	})
}

// TestWinDecoderPathBudget checks that a record whose paths exceed the budget goes to the general path.
func TestWinDecoderPathBudget(t *testing.T) {
	in := []byte(winCases[0])
	var w winDecoder
	if _, _, ok := w.decode(in, Limits{}.pathBudget(len(in))); !ok {
		t.Fatal("refused within the budget")
	}
	obj, _ := fastDecode(in)
	if _, _, ok := w.decode(in, obj.pathBytes); !ok {
		t.Error("refused at exactly the budget")
	}
	if _, _, ok := w.decode(in, obj.pathBytes-1); ok {
		t.Error("took a record beyond the budget")
	}
}

// TestStrArenaOneBlock checks that an arena hands out strings from its one
// block while they fit and gives the others their own allocation, so that a
// string kept from a record holds no other record's bytes.
func TestStrArenaOneBlock(t *testing.T) {
	a := newStrArena(10) // room for 10+5+64 bytes
	in := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		base := uintptr(unsafe.Pointer(unsafe.SliceData(a.block)))
		return p >= base && p < base+uintptr(cap(a.block))
	}
	first := a.str([]byte("0123456789"))
	if first != "0123456789" || !in(first) {
		t.Fatalf("first string %q not in the block", first)
	}
	big := a.str(bytes.Repeat([]byte("x"), 100))
	if len(big) != 100 || in(big) {
		t.Errorf("a string larger than the room left came from the block")
	}
	small := a.str([]byte("abc"))
	if small != "abc" || !in(small) {
		t.Errorf("a string that fits did not come from the block")
	}
	if first != "0123456789" {
		t.Errorf("the first string changed: %q", first)
	}
	if a.str(nil) != "" {
		t.Error("empty string")
	}
}

// TestWinDecoderManyMembers checks that records with more members than
// winDecoder checks pair by pair go to the general path, which reads them.
func TestWinDecoderManyMembers(t *testing.T) {
	for _, n := range []int{maxWinMembers, maxWinMembers + 1, 50000} {
		var b strings.Builder
		b.WriteString(`{"Event":{"System":{"EventID":1,"Channel":"Security"},"EventData":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"F%d":"v"`, i)
		}
		b.WriteString("}}}\n")
		var w winDecoder
		_, _, ok := w.decode([]byte(strings.TrimSpace(b.String())), 1<<30)
		if want := n <= maxWinMembers; ok != want {
			t.Errorf("%d EventData members: taken = %v, want %v", n, ok, want)
		}
		r, err := NewReader("many.jsonl", strings.NewReader(b.String()), FormatJSONLines)
		if err != nil {
			t.Fatal(err)
		}
		recs, errs, err := drain(r)
		if err != nil || len(errs) > 0 || len(recs) != 1 {
			t.Fatalf("%d members: %d records, errors %v, %v", n, len(recs), errs, err)
		}
		if v, ok := recs[0].Event.Get(fmt.Sprintf("F%d", n-1)); !ok || v.S != "v" {
			t.Errorf("%d members: last field = %v, %v", n, v, ok)
		}
	}
}
