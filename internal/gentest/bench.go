package gentest

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
)

// IsProcessCreationRule reports whether a rule is a Windows process_creation rule.
func IsProcessCreationRule(r *ast.Rule) bool {
	return strings.EqualFold(r.Logsource.Product, "windows") && strings.EqualFold(r.Logsource.Category, "process_creation")
}

// IsProcessCreationEvent reports whether an event is a Sysmon 1 or Security 4688 process creation.
func IsProcessCreationEvent(e engine.Event) bool {
	ch, _ := e.Get("Channel")
	id, _ := e.Get("EventID")
	return (ch.S == "Microsoft-Windows-Sysmon/Operational" && id.S == "1") || (ch.S == "Security" && id.S == "4688")
}

// SigmaGoEvent converts an event to the flat map sigma-go reads.
func SigmaGoEvent(e engine.Event) map[string]any {
	m := map[string]any{}
	e.Each(func(field string, v engine.Value) bool {
		switch v.Kind {
		case engine.KindNumber:
			if v.N == float64(int64(v.N)) {
				m[field] = int(v.N)
			} else {
				m[field] = v.N
			}
		case engine.KindBool:
			m[field] = v.B
		case engine.KindNull:
			m[field] = nil
		default:
			m[field] = v.S
		}
		return true
	})
	return m
}

// Report adds the throughput metrics of a rules-over-events benchmark (one op is one event).
func Report(b *testing.B, rules, events, matches int) {
	if sec := b.Elapsed().Seconds(); sec > 0 {
		b.ReportMetric(float64(b.N)/sec, "events/s")
	}
	b.ReportMetric(float64(rules), "rules")
	b.ReportMetric(float64(events), "stream")
	b.ReportMetric(float64(matches)/float64(b.N), "matches/event")
}
