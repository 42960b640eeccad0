package engine

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want Source
		err  string
	}{
		{"product=zeek,service=rdp", Source{Product: "zeek", Service: "rdp"}, ""},
		{" Product = Windows , category=process_creation ", Source{Product: "windows", Category: "process_creation"}, ""},
		{"category=webserver", Source{Category: "webserver"}, ""},
		{"product=zeek,product=zeek", Source{Product: "zeek"}, ""},
		{"product=zeek,product=cisco", Source{}, "given twice"},
		{"", Source{}, "at least one"},
		{"zeek", Source{}, "attribute=value"},
		{"product=", Source{}, "attribute=value"},
		{"vendor=x", Source{}, "unknown attribute"},
	}
	for _, tt := range tests {
		got, err := ParseSource(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSource(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSource(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, err := ParseSource(got.String()); err != nil || back != got {
			t.Errorf("ParseSource(%q.String()) = %+v, %v", tt.in, back, err)
		}
	}
}

func TestLogsourceClaimAdmits(t *testing.T) {
	win := Source{Product: "windows"}
	zeekRDP := Source{Product: "zeek", Service: "rdp"}
	tests := []struct {
		name   string
		rule   ast.Logsource
		mapped bool
		src    Source
		want   bool
	}{
		{"unknown origin, unmapped rule", ast.Logsource{Product: "zeek", Service: "rdp"}, false, Source{}, true},
		{"unknown origin, mapped rule", ast.Logsource{Product: "windows"}, true, Source{}, true},
		{"windows event, zeek rule", ast.Logsource{Product: "zeek", Service: "rdp"}, false, win, false},
		{"windows event, cisco rule", ast.Logsource{Product: "cisco", Service: "aaa"}, false, win, false},
		{"windows event, mapped windows rule", ast.Logsource{Product: "windows", Category: "process_creation"}, true, win, true},
		{"windows event, mapped linux rule", ast.Logsource{Product: "linux"}, true, win, false},
		{"auditd event, mapped macos rule", ast.Logsource{Product: "macos", Category: "process_creation"}, true, Source{Product: "linux", Service: "auditd"}, false},
		{"auditd event, linux auditd rule", ast.Logsource{Product: "linux", Service: "auditd"}, true, Source{Product: "linux", Service: "auditd"}, true},
		{"auditd event, linux sshd rule", ast.Logsource{Product: "linux", Service: "sshd"}, true, Source{Product: "linux", Service: "auditd"}, false},
		{"declared zeek rdp, zeek rdp rule", ast.Logsource{Product: "Zeek", Service: "RDP"}, false, zeekRDP, true},
		{"declared zeek rdp, zeek dns rule", ast.Logsource{Product: "zeek", Service: "dns"}, false, zeekRDP, false},
		{"declared zeek rdp, zeek rule without service", ast.Logsource{Product: "zeek"}, false, zeekRDP, true},
		{"declared zeek, zeek rdp rule (service unknown)", ast.Logsource{Product: "zeek", Service: "rdp"}, false, Source{Product: "zeek"}, true},
		{"windows event, unmapped category-only rule", ast.Logsource{Category: "database"}, false, win, false},
		{"declared webserver, webserver rule", ast.Logsource{Category: "webserver"}, false, Source{Category: "webserver"}, true},
		{"declared webserver, mapped windows rule", ast.Logsource{Product: "windows"}, true, Source{Category: "webserver"}, true},
		{"rule without logsource sees everything", ast.Logsource{}, false, win, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ClaimOf(tt.rule, tt.mapped)
			if got := c.Admits(tt.src); got != tt.want {
				t.Errorf("ClaimOf(%+v, %v).Admits(%+v) = %v, want %v", tt.rule, tt.mapped, tt.src, got, tt.want)
			}
		})
	}
	if !(LogsourceClaim{}).Admits(win) {
		t.Error("the zero claim must admit every event")
	}
}

func TestWithSource(t *testing.T) {
	flat := NewFlatEvent(map[string]Value{"a": {Kind: KindString, S: "x"}})
	flat.Source = Source{Product: "windows"}
	m := NewMapEvent(map[string]any{"a": "x"})
	zeek := Source{Product: "zeek", Service: "rdp"}
	tests := []struct {
		name string
		ev   Event
		was  Source
	}{
		{"flat", flat, Source{Product: "windows"}},
		{"map", m, Source{}},
		{"other", plainEvent{m}, Source{}},
		{"wrapped twice", WithSource(plainEvent{m}, Source{Product: "x"}), Source{Product: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WithSource(tt.ev, zeek)
			if s := EventSource(got); s != zeek {
				t.Errorf("EventSource = %+v, want %+v", s, zeek)
			}
			if s := EventSource(tt.ev); s != tt.was {
				t.Errorf("WithSource changed the original event's source to %+v", s)
			}
			if v, ok := got.Get("a"); !ok || v.S != "x" {
				t.Errorf("Get(a) = %v, %v", v, ok)
			}
		})
	}
}

func TestShapeSource(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]any
		want Source
	}{
		{"flat sysmon record", map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1, "Image": "x"}, Source{Product: "windows"}},
		{"flat security record", map[string]any{"Channel": "Security", "EventID": "4624"}, Source{Product: "windows"}},
		{"sysmon for linux", map[string]any{"Channel": "Linux-Sysmon/Operational", "EventID": 1}, Source{Product: "linux"}},
		{"channel without event id", map[string]any{"Channel": "general", "user": "a"}, Source{}},
		{"non-string channel", map[string]any{"Channel": 3, "EventID": 1}, Source{}},
		{"empty channel", map[string]any{"Channel": "", "EventID": 1}, Source{}},
		{"application JSON", map[string]any{"EventID": 1, "msg": "x"}, Source{}},
	}
	for _, tt := range tests {
		if got := ShapeSource(tt.m); got != tt.want {
			t.Errorf("%s: ShapeSource = %+v, want %+v", tt.name, got, tt.want)
		}
		if got := NewMapEvent(tt.m).EventSource(); got != tt.want {
			t.Errorf("%s: MapEvent.EventSource = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	declared := Source{Product: "zeek"}
	if got := EventSource(WithSource(NewMapEvent(map[string]any{"Channel": "Security", "EventID": 1}), declared)); got != declared {
		t.Errorf("a declared source must win over the shape: %+v", got)
	}
}

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
