package rt

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
