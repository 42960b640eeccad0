package logs

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// TestFastDecodeMatchesEncodingJSON checks that fastDecode decodes what
// encoding/json decodes into the same value, refuses (leaving it to
// encoding/json) what encoding/json refuses, and sees duplicate keys, on
// hand-written cases and on deterministic mutations of them.
func TestFastDecodeMatchesEncodingJSON(t *testing.T) {
	cases := []string{
		`{}`, ` {"a":1} `, `{"a":"b","c":[1,2,{"d":null}],"e":true,"f":false}`,
		`{"n":-0.5e+10,"m":0,"o":1E3,"p":-12.25}`,
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00"}`,
		`{"lone":"\ud800x","lone2":"\udc00","pair_bad":"\ud800\u0041","end":"\ud800"}`,
		"{\"bad\":\"\xff\xfe ok \xc3\xa9 \xed\xa0\x80\"}",
		`{"a":1,"a":2}`, `{"x":{"a":1,"b":{"a":2,"a":3}}}`, `{"":""}`, `{"a.b":{"c":[{"d":1},{"d":2}]}}`,
		`{"Event":{"#attributes":{"xmlns":"x"},"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"CommandLine":"C:\\Windows\\system32\\cmd.exe /c \"whoami\""}}}`,
		// Refused by encoding/json.
		`[]`, `1`, `"s"`, `null`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`,
		`{"a":1,}`, `{,}`, `{"a" 1}`, `{"a":1} x`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":[1,]}`,
		`{"a":1`, `{'a':1}`, `{"a":+1}`, `{"a":NaN}`, `{"a":"\'"}`,
	}
	rnd := rand.New(rand.NewSource(17))
	alphabet := []byte("{}[]\",:\\u0123456789abcdefABCDEF-+.eEtrunlsx \t\n\xff\xc3\xed")
	check := func(in string) {
		t.Helper()
		want, werr := decodeObject([]byte(in))
		got, ok := fastDecode([]byte(in))
		if werr != nil {
			if ok {
				t.Errorf("%q: fastDecode accepted what encoding/json refuses (%v): %#v", in, werr, got.m)
			}
			return
		}
		if !ok {
			t.Errorf("%q: fastDecode refused what encoding/json decodes", in)
			return
		}
		if !reflect.DeepEqual(got.m, want) {
			t.Errorf("%q: fastDecode = %#v, encoding/json = %#v", in, got.m, want)
		}
		if dup := jsonMembers([]byte(in)) != decodedMembers(want); dup != got.dup {
			t.Errorf("%q: dup = %v, want %v", in, got.dup, dup)
		}
	}
	for _, c := range cases {
		check(c)
	}
	for _, n := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		check(strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n))
		check(`{"a":` + strings.Repeat("[", n) + strings.Repeat("]", n) + "}")
	}
	for i := 0; i < 20000; i++ {
		b := []byte(cases[rnd.Intn(len(cases))])
		for k := rnd.Intn(3) + 1; k > 0; k-- {
			switch p := rnd.Intn(len(b) + 1); rnd.Intn(3) {
			case 0: // insert
				b = append(b[:p], append([]byte{alphabet[rnd.Intn(len(alphabet))]}, b[p:]...)...)
			case 1: // delete
				if p < len(b) {
					b = append(b[:p], b[p+1:]...)
				}
			default: // replace
				if p < len(b) {
					b[p] = alphabet[rnd.Intn(len(alphabet))]
				}
			}
		}
		check(string(b))
	}
}

// TestFastDecodePathBytes checks that fastDecode counts the path bytes boundPaths would use.
func TestFastDecodePathBytes(t *testing.T) {
	for _, in := range []string{`{}`, `{"a":1}`, `{"ab":{"c":[{"d":1},{"ee":2}],"f":{}}}`, `{"a":[[{"b":{"c":1}}]]}`} {
		obj, ok := fastDecode([]byte(in))
		if !ok {
			t.Fatalf("%q refused", in)
		}
		// With a budget of 0, boundPaths cuts every top-level key: count instead with a huge budget.
		want := 0
		var walk func(v any, pathLen int)
		walk = func(v any, pathLen int) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					l := len(k)
					if pathLen > 0 {
						l += pathLen + 1
					}
					want += l
					walk(e, l)
				}
			case []any:
				for _, e := range x {
					walk(e, pathLen)
				}
			}
		}
		walk(obj.m, 0)
		if obj.pathBytes != want {
			t.Errorf("%q: pathBytes %d, want %d", in, obj.pathBytes, want)
		}
		if cut := boundPaths(obj.m, obj.pathBytes); cut != 0 {
			t.Errorf("%q: boundPaths cut %d values at a budget of pathBytes", in, cut)
		}
		if obj.pathBytes > 0 && boundPaths(obj.m, obj.pathBytes-1) == 0 {
			t.Errorf("%q: boundPaths cut nothing below pathBytes", in)
		}
	}
}
