package wazuh

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// LintTarget is the Wazuh backend as a lint target (it satisfies lint.Target
// without this package importing lint): it runs Build and reports every rule
// Build would leave out, so lint reports exactly what `rulec build` skips.
type LintTarget struct {
	// Options are Build's options (the zero value uses the default profile).
	Options Options
}

// Name is the target's name in `rulec lint --target` and `targets:`.
func (LintTarget) Name() string { return "wazuh" }

// Unsupported calls report for each rule Build would leave out, at the
// construct that stops it, with the backend's reason.
func (t LintTarget) Unsupported(rules []*ast.Rule, report func(r *ast.Rule, pos ast.Pos, reason string)) error {
	res, err := Build(rules, t.Options)
	if err != nil {
		return err
	}
	for _, s := range res.Report.Skips {
		report(s.Sigma, s.Pos, s.Message())
	}
	return nil
}

// Message is the skip's reason, its detail and, when the detail does not name
// it, its variant.
func (s Skip) Message() string {
	msg := s.Reason
	if s.Detail != "" {
		msg += ": " + s.Detail
	}
	if s.Variant != "" && !strings.Contains(msg, s.Variant) {
		msg += fmt.Sprintf(" (%s)", s.Variant)
	}
	return msg
}
