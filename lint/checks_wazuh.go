package lint

import (
	"github.com/rulec/rulec/ast"
)

// TargetWazuh names the Wazuh 4.x rules backend in --target and `targets:`.
const TargetWazuh = "wazuh"

// wazuhChecks are the checks of the Wazuh target. They ask the backend (a Target
// in Options.Backends) which rules its conversion leaves out, so lint reports
// exactly what `rulec build` would leave out and why.
func wazuhChecks() []*Check {
	return []*Check{{
		ID: "wazuh-unsupported", Severity: ast.SeverityWarning, Category: CatWazuh, Target: TargetWazuh,
		Summary: "the Wazuh backend cannot express the rule exactly and `rulec build` would skip it",

		Run: func(p *Pass) {
			if len(p.Rules) == 0 {
				return
			}
			t := p.Target(TargetWazuh)
			if t == nil {
				p.Reportf(p.Rules[0], ast.Pos{}, "the Wazuh backend is not available to lint (no %q Target in lint.Options.Backends)", TargetWazuh)
				return
			}
			err := t.Unsupported(p.Rules, func(r *ast.Rule, pos ast.Pos, reason string) {
				if r != nil {
					p.Reportf(r, pos, "not convertible to Wazuh: %s", reason)
				}
			})
			if err != nil {
				p.Reportf(p.Rules[0], ast.Pos{}, "the Wazuh backend failed: %v", err)
			}
		},
	}}
}
