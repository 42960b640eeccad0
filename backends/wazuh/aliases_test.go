package wazuh_test

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/frontend"
)

// TestCorrelationAliasesReadTargets: the aliases section names the base rule
// by its id in other case than the rule's (the reference resolves
// case-insensitively); the group-by field must be read through the alias
// (same_field on the aliased field, not on the alias name).
func TestCorrelationAliasesReadTargets(t *testing.T) {
	const rules = `
title: Upper
id: 5d1e6a6e-0000-4000-8000-0000000000a1
logsource: {product: rulec_demo, service: auth}
detection: {sel: {action: a}, condition: sel}
level: low
---
title: Aliased
correlation:
    type: event_count
    rules: [5D1E6A6E-0000-4000-8000-0000000000A1]
    group-by: [account]
    timespan: 60s
    condition: {gte: 3}
    aliases:
        account: {5D1E6A6E-0000-4000-8000-0000000000A1: user}
level: high
`
	loaded := frontend.LoadBytes("aliases.yml", []byte(rules))
	if len(loaded.FailedFiles) > 0 {
		t.Fatal(loaded.Diagnostics)
	}
	res, rs := demoBuild(t, loaded.Rules)
	for _, s := range res.Report.Skips {
		t.Errorf("%s skipped: %s", s.Title, s.Message())
	}
	if len(res.Report.Correlations) != 1 {
		t.Fatalf("%d correlations emitted, want 1", len(res.Report.Correlations))
	}
	if id := res.Report.Correlations[0].ID; rs.Rule(id) == nil {
		t.Errorf("correlation rule %d not loaded by the simulator: %v", id, rs.Warnings)
	}
	if xml := string(res.XML); !strings.Contains(xml, "<same_field>demo.user</same_field>") || strings.Contains(xml, "demo.account") {
		t.Errorf("no same_field on the aliased field:\n%s", xml)
	}
}
