package logs

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
)

// TestReaderSources checks the source each reader gives its events: what the
// format tells of their origin, and nothing when it tells nothing.
func TestReaderSources(t *testing.T) {
	tests := []struct {
		name, input string
		want        engine.Source
	}{
		{"windows JSON", `{"Event":{"System":{"Channel":"Security","EventID":4624},"EventData":{"TargetUserName":"a"}}}`, engine.Source{Product: "windows"}},
		{"windows JSON by provider", `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4624}}}`, engine.Source{Product: "windows"}},
		{"sysmon for linux JSON", `{"Event":{"System":{"Channel":"Linux-Sysmon/Operational","EventID":1}}}`, engine.Source{Product: "linux"}},
		{"event log shape without channel or provider", `{"System":{"EventID":1},"EventData":{"A":"b"}}`, engine.Source{}},
		{"auditd", `type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e syscall=59 success=yes exe="/usr/bin/id"`, engine.Source{Product: "linux", Service: "auditd"}},
		{"plain JSON of an application", `{"user":"a","action":"login"}`, engine.Source{}},
		{"flat windows JSON", `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"Image":"C:\\x.exe"}`, engine.Source{Product: "windows"}},
		{"syslog", `<34>Oct 11 22:14:15 host sshd[42]: Accepted password for a`, engine.Source{}},
		{"plain lines", `anything at all`, engine.Source{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader("t", strings.NewReader(tt.input+"\n"), FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			recs, errs, err := drain(r)
			if err != nil || len(errs) > 0 || len(recs) != 1 {
				t.Fatalf("%d records, %v, %v", len(recs), errs, err)
			}
			if got := engine.EventSource(recs[0].Event); got != tt.want {
				t.Errorf("source %+v, want %+v", got, tt.want)
			}
			declared := engine.Source{Product: "zeek", Service: "rdp"}
			r, _ = NewReader("t", strings.NewReader(tt.input+"\n"), FormatAuto)
			recs, _, _ = drain(WithSource(r, declared))
			if len(recs) != 1 || engine.EventSource(recs[0].Event) != declared {
				t.Errorf("WithSource: %+v", recs)
			}
		})
	}
}
