package lint

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
)

// TargetWazuh names the Wazuh 4.x rules backend in --target and `targets:`.
const TargetWazuh = "wazuh"

// wazuhChecks are the checks of the Wazuh target. They run the backend's own
// conversion, so lint reports exactly what `rulec build` would leave out and why.
func wazuhChecks() []*Check {
	return []*Check{{
		ID: "wazuh-unsupported", Severity: ast.SeverityWarning, Category: CatWazuh, Target: TargetWazuh,
		Summary: "the Wazuh backend cannot express the rule exactly and `rulec build` would skip it",
		Doc: "Runs the Wazuh backend's conversion (with its default profile) and reports every rule it would skip, " +
			"at the construct that stops it and with the backend's reason: constructs a Wazuh rule cannot test exactly " +
			"(`fieldref` compares two fields of one event; keyword searches over all fields; numeric comparisons and time " +
			"parts on text), logsources no Wazuh decoder produces, fields Wazuh does not decode, correlation types or " +
			"conditions Wazuh's frequency/timeframe rules cannot express. Rules it emits are exact, so nothing else is reported.",
		Run: func(p *Pass) {
			res, err := wazuh.Build(p.Rules, wazuh.Options{})
			if err != nil {
				if len(p.Rules) > 0 {
					p.Reportf(p.Rules[0], ast.Pos{}, "the Wazuh backend failed: %v", err)
				}
				return
			}
			type key struct{ ref, file string }
			byKey := map[key]*ast.Rule{}
			for _, r := range p.Rules {
				if _, dup := byKey[key{r.Ref(), r.Pos.File}]; !dup {
					byKey[key{r.Ref(), r.Pos.File}] = r
				}
			}
			for _, s := range res.Report.Skips {
				r := byKey[key{s.Rule, s.Pos.File}]
				if r == nil {
					continue
				}
				msg := s.Reason
				if s.Detail != "" {
					msg += ": " + s.Detail
				}
				if s.Variant != "" && !strings.Contains(msg, s.Variant) {
					msg += fmt.Sprintf(" (%s)", s.Variant)
				}
				p.Reportf(r, s.Pos, "not convertible to Wazuh: %s", msg)
			}
		},
	}}
}
