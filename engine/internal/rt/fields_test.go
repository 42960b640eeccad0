package rt

import (
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// loadRule parses a rule whose detection is given (indented by 4 spaces under detection:).
func loadRule(t testing.TB, detection string) *ast.Rule {
	t.Helper()
	src := "title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    product: test\ndetection:\n" + detection
	res := frontend.LoadBytes("t.yml", []byte(src))
	if res.Diagnostics.HasErrors() || len(res.Rules) != 1 {
		t.Fatalf("rule does not load: %v\n%s", res.Diagnostics, src)
	}
	return res.Rules[0]
}

// compileOne compiles a rule into a program of its own that every event's logsource admits.
func compileOne(t testing.TB, r *ast.Rule) *Program {
	t.Helper()
	b := NewBuilder(nil)
	det, _, err := b.Compile(r.Detection)
	if err != nil {
		t.Fatal(err)
	}
	g, err := b.AddGroup(LogsourceClaim{}, []GroupAlt{{}})
	if err != nil {
		t.Fatal(err)
	}
	b.AddRule(r, det, g)
	return b.Program()
}

// TestSpacedFieldNames: Defender's EventData names with spaces ("Source Name")
// answer the Sigma names without them (SourceName), in the interpreter and in
// gen-go's runtime alike; an exact name always wins.
func TestSpacedFieldNames(t *testing.T) {
	defender := func(extra map[string]Value) *FlatEvent {
		m := map[string]Value{"Channel": str("Microsoft-Windows-Windows Defender/Operational"), "EventID": num("1116", 1116),
			"Source Name": str("Real-Time Protection"), "Threat Name": str("HackTool:Win32/Mimikatz"), "Process Name": str(`C:\Windows\explorer.exe`)}
		for k, v := range extra {
			m[k] = v
		}
		return flat(m)
	}
	tests := []struct {
		name  string
		ev    Event
		field string
		want  string // "" for missing
	}{
		{"flat: SourceName reads Source Name", defender(nil), "SourceName", "Real-Time Protection"},
		{"flat: ThreatName", defender(nil), "ThreatName", "HackTool:Win32/Mimikatz"},
		{"flat: ProcessName", defender(nil), "ProcessName", `C:\Windows\explorer.exe`},
		{"flat: the name with its space still works", defender(nil), "Source Name", "Real-Time Protection"},
		{"flat: exact name wins", defender(map[string]Value{"SourceName": str("exact")}), "SourceName", "exact"},
		{"flat: names are case-sensitive as elsewhere", defender(nil), "sourcename", ""},
		{"flat: no such field", defender(nil), "Nothing", ""},
		{"map: top-level key with spaces", NewMapEvent(map[string]any{"Threat Name": "X"}), "ThreatName", "X"},
		{"map: two spaces", NewMapEvent(map[string]any{"Detection  User": "u"}), "DetectionUser", "u"},
		{"other event type", plainEvent{NewMapEvent(map[string]any{"Threat Name": "Y"})}, "ThreatName", "Y"},
		{"declared source keeps the lookup", WithSource(defender(nil), Source{Product: "windows"}), "ThreatName", "HackTool:Win32/Mimikatz"},
	}
	p := NewProgram(&Program{Fields: []string{"F"}, Groups: []Group{{Alts: []Alt{{}}}}})
	s := p.NewState()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// gen-go runtime
			s.Reset(tt.ev)
			var sp spacedNames
			v, ok := getField(tt.ev, tt.field, &sp)
			got := ""
			if ok {
				got = v.S
			}
			if got != tt.want {
				t.Errorf("getField(%q) = %q, want %q", tt.field, got, tt.want)
			}
			// interpreter: a rule testing the field's value
			if tt.want == "" {
				return
			}
			r := loadRule(t, "    selection:\n        "+quoteKey(tt.field)+": '"+escapeSigma(tt.want)+"'\n    condition: selection\n")
			if m := compileOne(t, r).NewState().Match(tt.ev); len(m) != 1 {
				t.Errorf("interpreter: rule on %s does not match", tt.field)
			}
			prog := NewProgram(&Program{Fields: []string{tt.field}, Groups: []Group{{Alts: []Alt{{Always: []int32{0}}}}},
				Rules: []Rule{{Group: 0, Detect: func(s *State) bool {
					x, ok := s.Field(0).Text()
					return ok && x == tt.want
				}}}})
			if m := prog.NewState().Match(tt.ev); len(m) != 1 {
				t.Errorf("gen-go runtime: rule on %s does not match", tt.field)
			}
		})
	}
}

func quoteKey(k string) string {
	if k == "Source Name" {
		return "'Source Name'"
	}
	return k
}

func escapeSigma(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', '*', '?':
			out = append(out, '\\')
		case '\'':
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
