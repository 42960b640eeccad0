package engine

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

// plainEvent hides the Source of the event it wraps.
type plainEvent struct{ e *MapEvent }

func (p plainEvent) Get(f string) (Value, bool)       { return p.e.Get(f) }
func (p plainEvent) Each(fn func(string, Value) bool) { p.e.Each(fn) }

// TestRulesetLogsourceDecision runs the SigmaHQ case of issue 13 (a Zeek rule
// whose condition is `not selection` fired on every Windows event) and the
// other sides of the decision through Match, MatchRule and InLogsource.
func TestRulesetLogsourceDecision(t *testing.T) {
	zeek := loadWithLogsource(t, "    product: zeek\n    service: rdp\n",
		"    selection:\n        id.orig_h|cidr: ['10.0.0.0/8', '192.168.0.0/16']\n    condition: not selection\n")
	winRule := loadWithLogsource(t, "    product: windows\n",
		"    selection:\n        EventID: 4624\n    condition: selection\n")
	noLS := loadWithLogsource(t, "    definition: any log\n", "    selection:\n        EventID: 4624\n    condition: selection\n")
	rules := []*ast.Rule{zeek, winRule, noLS}
	rs, diags := NewRuleset(rules, Options{})
	if rs.Unmapped() != 1 || len(diags) != 1 || diags[0].Code != "logsource" || diags[0].Severity != ast.SeverityWarning ||
		!strings.Contains(diags[0].Message, "zeek/*/rdp") || diags[0].Pos.Line == 0 {
		t.Fatalf("want one unmapped-logsource warning for the zeek rule, got %d unmapped, %v", rs.Unmapped(), diags)
	}
	winEv := func() *FlatEvent {
		e := NewFlatEvent(map[string]Value{"Channel": {Kind: KindString, S: "Security"}, "EventID": {Kind: KindNumber, S: "4624", N: 4624}})
		e.Source = Source{Product: "windows"}
		return e
	}
	appEv := NewMapEvent(map[string]any{"EventID": 4624, "msg": "my application"})
	zeekEv := NewMapEvent(map[string]any{"id.orig_h": "8.8.8.8", "id.resp_p": 3389})
	tests := []struct {
		name string
		ev   Event
		want []int
	}{
		{"windows event: windows rule and the rule without logsource, not zeek", winEv(), []int{1, 2}},
		{"windows event without channel but a known source", WithSource(NewMapEvent(map[string]any{"EventID": 4624}), Source{Product: "windows"}), []int{2}},
		{"plain JSON of unknown origin: unmapped rules apply", appEv, []int{0, 2}},
		{"flat Windows JSON (Channel and EventID): windows", NewMapEvent(map[string]any{"Channel": "Security", "EventID": 4624}), []int{1, 2}},
		{"zeek log of unknown origin", zeekEv, []int{0}},
		{"zeek log declared zeek/rdp", WithSource(zeekEv, Source{Product: "zeek", Service: "rdp"}), []int{0}},
		{"zeek log declared zeek/dns", WithSource(zeekEv, Source{Product: "zeek", Service: "dns"}), nil},
		{"windows event declared zeek/rdp", WithSource(winEv(), Source{Product: "zeek", Service: "rdp"}), []int{0, 2}},
	}
	e := rs.NewEvaluator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append([]int(nil), e.Match(tt.ev)...)
			if len(got) != len(tt.want) {
				t.Fatalf("Match = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("Match = %v, want %v", got, tt.want)
				}
			}
			for i := 0; i < rs.Len(); i++ {
				one, err := e.MatchRule(i, tt.ev)
				want := false
				for _, w := range tt.want {
					want = want || w == i
				}
				if err != nil || one != want {
					t.Errorf("MatchRule(%d) = %v, %v; want %v", i, one, err, want)
				}
				if in := e.InLogsource(i, tt.ev); want && !in {
					t.Errorf("InLogsource(%d) = false for a match", i)
				}
			}
		})
	}
	// --no-logsource: every rule sees every event, without warnings.
	all, diags := NewRuleset(rules, Options{IgnoreLogsource: true})
	if len(diags) != 0 || all.Unmapped() != 0 {
		t.Errorf("IgnoreLogsource: diagnostics %v, %d unmapped", diags, all.Unmapped())
	}
	if got := all.NewEvaluator().Match(winEv()); len(got) != 3 {
		t.Errorf("IgnoreLogsource: Match = %v, want all three rules", got)
	}
}
