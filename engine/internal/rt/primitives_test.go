package rt

import (
	"math/rand"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// acScan runs the automaton and returns every (needle, end) occurrence.
func acScan(m *acMachine, t string) [][2]int {
	var out [][2]int
	x := uint32(0)
	for i := 0; i < len(t); i++ {
		x = m.step(x, t[i])
		if x&1 == 0 {
			continue
		}
		for _, id := range m.outputs(x) {
			out = append(out, [2]int{int(id), i + 1})
		}
	}
	return out
}

func bruteScan(needles []string, t string) [][2]int {
	var out [][2]int
	for end := 1; end <= len(t); end++ {
		for id, n := range needles {
			if strings.HasSuffix(t[:end], n) {
				out = append(out, [2]int{id, end})
			}
		}
	}
	return out
}

func sortPairs(p [][2]int) {
	slices.SortFunc(p, func(a, b [2]int) int {
		if a[1] != b[1] {
			return a[1] - b[1]
		}
		return a[0] - b[0]
	})
}

func TestACMachine(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := "abc\\\x00\xff"
	word := func(maxLen int) string {
		n := 1 + rng.Intn(maxLen)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		var needles []string
		seen := map[string]bool{}
		for len(needles) < 1+rng.Intn(12) {
			w := word(5 + round%8) // long needles make chains of sparse states
			if !seen[w] {
				seen[w] = true
				needles = append(needles, w)
			}
		}
		m := newACMachine(needles)
		for k := 0; k < 20; k++ {
			text := ""
			if rng.Intn(5) > 0 {
				text = word(30)
			}
			if rng.Intn(2) == 0 {
				text = strings.ToUpper(text) // the automaton reads ASCII letters in any case
			}
			got, want := acScan(m, text), bruteScan(needles, lowerASCII(text))
			sortPairs(got)
			sortPairs(want)
			if !slices.Equal(got, want) {
				t.Fatalf("needles %q text %q: got %v want %v", needles, text, got, want)
			}
		}
	}
}

func TestMatchStrOp(t *testing.T) {
	tests := []struct {
		op   StrOp
		text string
		a, b string
		want bool
	}{
		{OpEqual, "abc", "abc", "", true},
		{OpEqual, "abcd", "abc", "", false},
		{OpPrefix, "abcd", "ab", "", true},
		{OpSuffix, "abcd", "cd", "", true},
		{OpSuffix, "abcd", "bc", "", false},
		{OpContains, "abcd", "bc", "", true},
		{OpPrefixSuffix, "abc", "ab", "bc", false}, // the parts may not overlap
		{OpPrefixSuffix, "abxbc", "ab", "bc", true},
		{OpAnything, "", "", "", true},
	}
	for _, tc := range tests {
		if got := MatchStrOp(tc.op, tc.text, tc.a, tc.b); got != tc.want {
			t.Errorf("MatchStrOp(%d, %q, %q, %q) = %v, want %v", tc.op, tc.text, tc.a, tc.b, got, tc.want)
		}
	}
}

func flat(fields map[string]Value) *FlatEvent { return NewFlatEvent(fields) }

func str(s string) Value { return Value{Kind: KindString, S: s} }

func num(s string, n float64) Value { return Value{Kind: KindNumber, S: s, N: n} }

func TestGenSlotValues(t *testing.T) {
	p := NewProgram(&Program{Fields: []string{"A", "B"}, Groups: []Group{{Alts: []Alt{{}}}}})
	s := p.NewState()
	arr := Value{Kind: KindArray, Arr: []Value{str("X"), {Kind: KindNull}, num("7", 7), str("10.1.2.3")}}
	cidr := netip.MustParsePrefix("10.0.0.0/8")
	tests := []struct {
		name string
		a    Value
		fn   func(f *Slot) bool
		want bool
	}{
		{"null on null", Value{Kind: KindNull}, (*Slot).MatchNull, true},
		{"null on array with null", arr, (*Slot).MatchNull, true},
		{"null on string", str(""), (*Slot).MatchNull, false},
		{"bool text", str(" TRUE "), func(f *Slot) bool { return f.MatchBool(true) }, true},
		{"bool value", Value{Kind: KindBool, B: false, S: "false"}, func(f *Slot) bool { return f.MatchBool(true) }, false},
		{"regexp on number text", num("4688", 4688), func(f *Slot) bool { return f.MatchRegexp(regexp.MustCompile(`^46`)) }, true},
		{"regexp on array", arr, func(f *Slot) bool { return f.MatchRegexp(regexp.MustCompile(`^x$`)) }, false},
		{"cidr", str("10.9.9.9"), func(f *Slot) bool { return f.MatchCIDR(cidr) }, true},
		{"cidr mapped", str("::ffff:10.9.9.9"), func(f *Slot) bool { return f.MatchCIDR(cidr) }, true},
		{"cidr array", arr, func(f *Slot) bool { return f.MatchCIDR(cidr) }, true},
		{"cidr number", num("10", 10), func(f *Slot) bool { return f.MatchCIDR(cidr) }, false},
		{"number text", str(" 12 "), func(f *Slot) bool { return f.AnyNumber(func(x float64) bool { return x > 11 }) }, true},
		{"number array", arr, func(f *Slot) bool { return f.AnyNumber(func(x float64) bool { return x == 7 }) }, true},
		{"time part", str("2024-03-05T10:11:12Z"), func(f *Slot) bool {
			return f.AnyTimePart("month", func(x float64) bool { return x == 3 })
		}, true},
		{"number eq", num("7.0", 7), func(f *Slot) bool { return s.MatchNumber(f, 7, "7", "") }, true},
		{"number eq text", str("7"), func(f *Slot) bool { return s.MatchNumber(f, 7, "7", "") }, true},
		{"number eq array", arr, func(f *Slot) bool { return s.MatchNumber(f, 7, "7", "") }, true},
		{"number ne bool", Value{Kind: KindBool, S: "true", B: true}, func(f *Slot) bool { return s.MatchNumber(f, 1, "1", "") }, false},
		{"str array lowered", arr, func(f *Slot) bool { return s.AnyStr(f, false, OpEqual, "x", "") }, true},
		{"str array cased", arr, func(f *Slot) bool { return s.AnyStr(f, true, OpEqual, "x", "") }, false},
		{"str on null", Value{Kind: KindNull}, func(f *Slot) bool { return s.AnyStr(f, false, OpAnything, "", "") }, false},
		{"pattern array", arr, func(f *Slot) bool {
			return s.AnyPattern(f, CompilePattern(ParseSigmaString("1?.*.3"), false))
		}, true},
		{"fieldref", str("abc"), func(f *Slot) bool { return s.FieldRef(f, s.Field(1), "startswith", false) }, true},
		{"fieldref cased", str("abc"), func(f *Slot) bool { return s.FieldRef(f, s.Field(1), "startswith", true) }, false},
	}
	for _, tc := range tests {
		s.Reset(flat(map[string]Value{"A": tc.a, "B": str("AB")}))
		if got := tc.fn(s.Field(0)); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	s.Reset(flat(map[string]Value{}))
	if f := s.Field(0); f.Exists() || f.MatchBool(false) || !f.MatchNull() || s.AnyStr(f, false, OpAnything, "", "") {
		t.Error("missing field")
	}
}

func TestGenStateKeywordsAndMemo(t *testing.T) {
	p := NewProgram(&Program{Fields: []string{"A"}, Memo: 1, Groups: []Group{{Alts: []Alt{{}}}}})
	s := p.NewState()
	s.Reset(NewMapEvent(map[string]any{"A": "Hello WÖRLD", "B": []any{"x", 3.5}, "C": map[string]any{"D": true}}))
	if !s.AnyText(func(_, l string) bool { return strings.Contains(l, "wörld") }) {
		t.Error("lowered keyword not found")
	}
	if !s.AnyText(func(r, _ string) bool { return r == "3.5" }) || !s.AnyText(func(r, _ string) bool { return r == "true" }) {
		t.Error("number or nested value not visited")
	}
	if _, ok := s.Memo(0); ok {
		t.Error("memo set before use")
	}
	s.SetMemo(0, true)
	if v, ok := s.Memo(0); !ok || !v {
		t.Error("memo lost")
	}
	s.Reset(NewMapEvent(map[string]any{}))
	if _, ok := s.Memo(0); ok {
		t.Error("memo survives the event")
	}
	if s.AnyText(func(string, string) bool { return true }) {
		t.Error("keyword cache survives the event")
	}
}

// testProgram is a small hand-written program in the shape gen-go emits:
// group 0 is process creation from Sysmon (Channel, EventID 1) or Security 4688
// (Image renamed to NewProcessName); group 1 is unrestricted.
func testProgram() *Program {
	const (
		fChannel = iota
		fCommandLine
		fEventID
		fImage
		fNewProcessName
	)
	lower := func(s *State, id int32, op StrOp, a string) bool {
		f := s.Field(id)
		if t, ok := s.Lowered(f); ok {
			return MatchStrOp(op, t, a, "")
		}
		return s.AnyStr(f, false, op, a, "")
	}
	sysmon := func(s *State) bool {
		return lower(s, fChannel, OpEqual, "microsoft-windows-sysmon/operational") && s.MatchNumber(s.Field(fEventID), 1, "1", "")
	}
	security := func(s *State) bool {
		return lower(s, fChannel, OpEqual, "security") && s.MatchNumber(s.Field(fEventID), 4688, "4688", "")
	}
	return NewProgram(&Program{
		Fields: []string{"Channel", "CommandLine", "EventID", "Image", "NewProcessName"},
		Memo:   1,
		Groups: []Group{
			{Alts: []Alt{
				{Where: sysmon, Always: []int32{2}},
				{Where: security, Renames: []Rename{{Field: fImage, To: []int32{fNewProcessName}}}, Always: []int32{2}},
			}},
			{Alts: []Alt{{}}},
		},
		Rules: []Rule{
			{Group: 0, Detect: func(s *State) bool { return lower(s, fImage, OpSuffix, `\cmd.exe`) }},
			{Group: 0, Detect: func(s *State) bool {
				if v, ok := s.Memo(0); ok {
					return v
				}
				return s.SetMemo(0, lower(s, fCommandLine, OpContains, "whoami"))
			}},
			{Group: 0, Detect: func(s *State) bool { return s.Field(fImage).Exists() }},
			{Group: 1, Detect: func(s *State) bool { return lower(s, fCommandLine, OpPrefix, "net ") }},
			{Group: 1, Detect: func(s *State) bool { return lower(s, fCommandLine, OpEqual, "") }},
		},
		Atoms: []Atom{
			{Field: fImage, Op: AtomSuffix, Needle: `\cmd.exe`, Group: 0, Alt: 0, Rule: 0},
			{Field: fNewProcessName, Op: AtomSuffix, Needle: `\cmd.exe`, Group: 0, Alt: 1, Rule: 0},
			{Field: fCommandLine, Op: AtomContains, Needle: "whoami", Group: 0, Alt: 0, Rule: 1},
			{Field: fCommandLine, Op: AtomContains, Needle: "whoami", Group: 0, Alt: 1, Rule: 1},
			{Field: fCommandLine, Op: AtomPrefix, Needle: "net ", Group: 1, Alt: 0, Rule: 3},
			{Field: fCommandLine, Op: AtomEqual, Needle: "", Group: 1, Alt: 0, Rule: 4},
		},
	})
}

func TestGenStateMatch(t *testing.T) {
	p := testProgram()
	s := p.NewState()
	sysmon := func(kv ...string) *FlatEvent {
		m := map[string]Value{"Channel": str("Microsoft-Windows-Sysmon/Operational"), "EventID": num("1", 1)}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = str(kv[i+1])
		}
		return flat(m)
	}
	tests := []struct {
		name string
		ev   Event
		want []int
	}{
		{"sysmon cmd", sysmon("Image", `C:\Windows\CMD.EXE`, "CommandLine", "cmd /c WHOAMI"), []int{0, 1, 2}},
		{"sysmon other", sysmon("Image", `C:\x.exe`, "CommandLine", "net user"), []int{2, 3}},
		{"sysmon empty command", sysmon("CommandLine", ""), []int{4}},
		{"sysmon number text", flat(map[string]Value{"Channel": str("microsoft-windows-sysmon/operational"), "EventID": num("1.0", 1), "Image": str(`\cmd.exe`)}), []int{0, 2}},
		{"security renamed", flat(map[string]Value{"Channel": str("Security"), "EventID": num("4688", 4688), "NewProcessName": str(`C:\cmd.exe`)}), []int{0, 2}},
		{"security ignores Image", flat(map[string]Value{"Channel": str("Security"), "EventID": num("4688", 4688), "Image": str(`C:\cmd.exe`)}), nil},
		{"other channel", flat(map[string]Value{"Channel": str("System"), "Image": str(`C:\cmd.exe`), "CommandLine": str("whoami")}), nil},
		{"array command line", flat(map[string]Value{"CommandLine": {Kind: KindArray, Arr: []Value{str("x"), str("NET use")}}}), []int{3}},
		{"contains twice", sysmon("CommandLine", "whoami whoami"), []int{1}},
	}
	for _, tc := range tests {
		got := s.Match(tc.ev)
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		// Each rule alone agrees with the indexed evaluation.
		for r := range p.Rules {
			ok, err := s.MatchRule(r, tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if ok != slices.Contains(tc.want, r) {
				t.Errorf("%s: MatchRule(%d) = %v", tc.name, r, ok)
			}
		}
	}
	if !s.InLogsource(0, sysmon()) || s.InLogsource(0, flat(nil)) {
		t.Error("InLogsource")
	}
	if ok, _ := s.MatchDetection(0, flat(map[string]Value{"Image": str(`\CMD.exe`)})); !ok {
		t.Error("MatchDetection ignores the logsource")
	}
}

func TestGenStatePanics(t *testing.T) {
	p := NewProgram(&Program{
		Fields: []string{"A"},
		Groups: []Group{{Alts: []Alt{{Always: []int32{0, 1}}}}},
		Rules: []Rule{
			{Group: 0, Detect: func(*State) bool { panic("boom") }},
			{Group: 0, Detect: func(*State) bool { return true }},
		},
	})
	s := p.NewState()
	if got := s.Match(flat(nil)); !slices.Equal(got, []int{1}) {
		t.Errorf("got %v", got)
	}
	if _, err := s.MatchRule(0, flat(nil)); err == nil {
		t.Error("MatchRule hides the panic")
	}
	if ps := s.Panics(); len(ps) != 1 || ps[0].Rule != 0 || ps[0].Count != 2 {
		t.Errorf("panics %+v", ps)
	}
}

func TestGenStateMatchAllocs(t *testing.T) {
	p := testProgram()
	s := p.NewState()
	evs := []Event{
		flat(map[string]Value{"Channel": str("Microsoft-Windows-Sysmon/Operational"), "EventID": num("1", 1),
			"Image": str(`C:\Windows\CMD.EXE`), "CommandLine": str("cmd /c WHOAMI Ünïcode")}),
		flat(map[string]Value{"Channel": str("Security"), "EventID": num("4688.0", 4688), "NewProcessName": str(`C:\cmd.exe`)}),
	}
	for _, ev := range evs {
		s.Match(ev)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, ev := range evs {
			s.Match(ev)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

func TestNewGenProgramRejects(t *testing.T) {
	bad := []*Program{
		{Fields: []string{"A"}, Rules: []Rule{{Group: 1, Detect: func(*State) bool { return true }}}, Groups: []Group{{Alts: []Alt{{}}}}},
		{Fields: []string{"A"}, Groups: []Group{{Alts: []Alt{{Renames: []Rename{{Field: 3, To: []int32{0}}}}}}}},
		{Fields: []string{"A"}, Groups: []Group{{Alts: []Alt{{}}}}, Rules: []Rule{{Group: 0, Detect: func(*State) bool { return true }}},
			Atoms: []Atom{{Field: 0, Op: AtomContains, Needle: "", Rule: 0}}},
	}
	for i, p := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("program %d accepted", i)
				}
			}()
			NewProgram(p)
		}()
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestContainsFoldASCII(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	alphabet := "aAbB\\.x"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		text := word(rng.Intn(12))
		needle := lowerASCII(word(1 + rng.Intn(4)))
		if got, want := containsFoldASCII(text, needle), strings.Contains(lowerASCII(text), needle); got != want {
			t.Fatalf("containsFoldASCII(%q, %q) = %v, want %v", text, needle, got, want)
		}
	}
	if containsFoldASCII("abc", "ab\xc3") || !containsFoldASCII("xABCx", "abc") {
		t.Error("non-ASCII needle or letters-only needle")
	}
}

// TestGenIndexRandom builds programs whose rules each have one atom and always
// match once evaluated: Match must return exactly the rules whose atom holds,
// for small indexes (needles searched one by one) and automata, on one field
// and on every value (keywords), for ASCII text in any case and other text.
func TestGenIndexRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	alphabet := []string{"a", "B", "c", "\\", ".", "é", "É", "x", "İ", "ſ"}
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	holds := func(op AtomOp, text, needle string) bool {
		switch op {
		case AtomEqual:
			return text == needle
		case AtomPrefix:
			return strings.HasPrefix(text, needle)
		case AtomSuffix:
			return strings.HasSuffix(text, needle)
		}
		return strings.Contains(text, needle)
	}
	for _, nrules := range []int{3, 40} {
		for round := 0; round < 40; round++ {
			var atoms []Atom
			var rules []Rule
			for r := 0; r < nrules; r++ {
				op := AtomOp(rng.Intn(4))
				needle := Lower(word(1 + rng.Intn(3)))
				field := int32(0)
				if rng.Intn(3) == 0 {
					field = AnyField
				}
				atoms = append(atoms, Atom{Field: field, Op: op, Needle: needle, Rule: int32(r)})
				rules = append(rules, Rule{Group: 0, Detect: func(*State) bool { return true }})
			}
			var lits []Literal
			for k := 0; k < 6; k++ {
				lits = append(lits, Literal{Field: 0, Needle: Lower(word(1 + rng.Intn(3)))})
			}
			p := NewProgram(&Program{Fields: []string{"F", "G"}, Groups: []Group{{Alts: []Alt{{}}}}, Rules: rules, Atoms: atoms, Literals: lits})
			s := p.NewState()
			for k := 0; k < 30; k++ {
				f, g := word(rng.Intn(8)), word(rng.Intn(8))
				if rng.Intn(2) == 0 {
					f, g = lowerASCII(strings.ToUpper(f)), strings.ToUpper(g)
				}
				got := s.Match(flat(map[string]Value{"F": str(f), "G": str(g)}))
				var want []int
				for r, at := range atoms {
					ok := holds(at.Op, Lower(f), at.Needle)
					if at.Field == AnyField {
						ok = ok || holds(at.Op, Lower(g), at.Needle)
					}
					if ok {
						want = append(want, r)
					}
				}
				if !slices.Equal(got, want) && len(got)+len(want) > 0 {
					t.Fatalf("F=%q G=%q atoms %+v: got %v, want %v", f, g, atoms, got, want)
				}
				// After Match, literals of the scanned field are answered by the scan.
				for i, l := range lits {
					if got, want := s.ContainsLit(0, int32(i), l.Needle), strings.Contains(Lower(f), l.Needle); got != want {
						t.Fatalf("F=%q: ContainsLit(%q) = %v, want %v", f, l.Needle, got, want)
					}
				}
			}
		}
	}
}
