package lint

import "github.com/rulec/rulec/ast"

// syntaxChecks are the front end's diagnostic codes. Their findings come from
// frontend.Result.Diagnostics, with the severity the front end gave each one
// (unless the configuration re-levels the check).
func syntaxChecks() []*Check {
	fe := func(id string, sev ast.Severity, summary string) *Check {
		return &Check{ID: id, Severity: sev, Category: CatSyntax, Summary: summary, Frontend: true}
	}
	E, W := ast.SeverityError, ast.SeverityWarning
	return []*Check{
		fe("io", E, "a rule file or folder cannot be read"),
		fe("yaml", E, "the file is not valid YAML"),
		fe("collection", E, "a legacy rule collection action is wrong"),
		fe("type", E, "a key has a value of the wrong YAML type"),
		fe("duplicate-key", E, "a mapping has the same key twice"),
		fe("unknown-key", E, "an unknown key inside a section that has a fixed set of keys"),
		fe("structure", E, "the detection section has a shape Sigma does not allow"),
		fe("missing-title", E, "the rule has no title"),
		fe("missing-logsource", E, "a detection rule has no logsource"),
		fe("missing-detection", E, "the document has no detection, correlation or filter section"),
		fe("missing-condition", E, "the detection section has no condition"),
		fe("condition-syntax", E, "the condition does not parse"),
		fe("undefined-identifier", E, "the condition names a search identifier that does not exist"),
		fe("dangling-pattern", W, "a `1 of`/`all of` pattern matches no search identifier"),
		fe("empty-search", E, "a search identifier is empty or null"),
		fe("modifier", E, "a value modifier is unknown or used in a chain the specification forbids"),
		fe("value", E, "a value does not fit its modifiers"),
		fe("correlation-type", E, "the correlation type is missing or unknown"),
		fe("correlation-rules", E, "the correlation has no rules list"),
		fe("correlation-condition", E, "the correlation condition is missing or malformed"),
		fe("correlation-field", E, "a value_* correlation has no condition field"),
		fe("timespan", E, "the correlation timespan is missing or malformed"),
		fe("alias-rule", E, "a correlation alias maps a rule the correlation does not reference"),
		fe("filter-rules", E, "a filter has no rules list"),
		fe("unresolved-reference", W, "a correlation or filter references a rule that is not loaded"),
		fe("correlation-cycle", E, "correlation rules reference each other in a cycle"),
		fe("filter-logsource", W, "a filter's logsource does not cover a rule it names"),
		fe("legacy-timeframe", W, "the detection uses Sigma 1.0 `timeframe`"),
		fe("internal", E, "the front end failed on this file"),
	}
}
