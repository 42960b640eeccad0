package lint

import "github.com/rulec/rulec/ast"

// syntaxChecks are the front end's diagnostic codes. Their findings come from
// frontend.Result.Diagnostics, with the severity the front end gave each one
// (unless the configuration re-levels the check).
func syntaxChecks() []*Check {
	fe := func(id string, sev ast.Severity, summary, doc string) *Check {
		return &Check{ID: id, Severity: sev, Category: CatSyntax, Summary: summary, Doc: doc, Frontend: true}
	}
	E, W := ast.SeverityError, ast.SeverityWarning
	return []*Check{
		fe("io", E, "a rule file or folder cannot be read",
			"The path does not exist, is not readable, or is larger than the front end accepts (4 MiB). Nothing in it is checked."),
		fe("yaml", E, "the file is not valid YAML",
			"The YAML parser rejected the file (bad indentation, tabs, unbalanced quotes, NUL bytes, an alias bomb...). Fix the YAML first: no other check sees a file that does not parse."),
		fe("collection", E, "a legacy rule collection action is wrong",
			"Sigma 1.0 collections use `action: global`, `reset` and `repeat` documents. An unknown action, or `repeat` without a previous rule, cannot be applied. Prefer one rule per file."),
		fe("type", E, "a key has a value of the wrong YAML type",
			"A Sigma key got a value of the wrong shape, e.g. a mapping where a string is expected or a list where a mapping is expected. The specification gives the type of every key."),
		fe("duplicate-key", E, "a mapping has the same key twice",
			"YAML loaders disagree on duplicated keys (most keep the last one, silently). Merge the two entries, or move one into its own search identifier."),
		fe("unknown-key", E, "an unknown key inside a section that has a fixed set of keys",
			"The correlation section and related entries accept a fixed set of keys; an unknown one is usually a typo (e.g. `groupby` for `group-by`). Entries of `related` only warn."),
		fe("structure", E, "the detection section has a shape Sigma does not allow",
			"Search identifiers hold a map, a list of maps or a list of keywords; values are scalars or lists of scalars. Nested lists of maps, empty keyword lists and mixed shapes are rejected."),
		fe("missing-title", E, "the rule has no title",
			"`title` is mandatory for every Sigma document; tools use it in alerts and reports."),
		fe("missing-logsource", E, "a detection rule has no logsource",
			"`logsource` is mandatory for detection rules: it tells backends which log data the detection applies to."),
		fe("missing-detection", E, "the document has no detection, correlation or filter section",
			"A Sigma document must be a detection rule (`detection`), a correlation rule (`correlation`) or a filter (`filter`)."),
		fe("missing-condition", E, "the detection section has no condition",
			"Every detection section needs a `condition` that combines its search identifiers."),
		fe("condition-syntax", E, "the condition does not parse",
			"The condition grammar is `and`, `or`, `not`, parentheses, search identifiers and `1 of`/`any of`/`all of` with a pattern or `them`. Sigma 1.0 aggregations (`| count() > 5`, `near`) are not part of Sigma 2: write a correlation rule instead."),
		fe("undefined-identifier", E, "the condition names a search identifier that does not exist",
			"A search identifier in the condition has no entry in the detection section, usually a typo or a renamed selection. The condition cannot be evaluated."),
		fe("dangling-pattern", W, "a `1 of`/`all of` pattern matches no search identifier",
			"A pattern such as `1 of filter_*` that matches no search identifier drops out of the condition (as in pySigma), which changes its meaning: `sel and not 1 of filter_*` becomes `sel`. Rename the searches or fix the pattern."),
		fe("empty-search", E, "a search identifier is empty or null",
			"A search identifier must hold at least one field item or keyword."),
		fe("modifier", E, "a value modifier is unknown or used in a chain the specification forbids",
			"Modifiers are checked against the specification: unknown names, the same modifier twice, type modifiers (re, cidr, lt..., exists, fieldref) after transformations, regular expression flags without re, time modifiers not first, cased with re/cidr/compare, base64 of a value with wildcards, and expansions over 4096 variants."),
		fe("value", E, "a value does not fit its modifiers",
			"The value cannot be read the way the modifiers ask: a number expected by lt/gt, a boolean for exists, a valid network for cidr (without host bits), a non-empty regular expression, a field name for fieldref, or null combined with modifiers."),
		fe("correlation-type", E, "the correlation type is missing or unknown",
			"The correlation type must be one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile, value_median."),
		fe("correlation-rules", E, "the correlation has no rules list",
			"A correlation rule must list the rules (by id or name) whose events it correlates."),
		fe("correlation-condition", E, "the correlation condition is missing or malformed",
			"Every correlation type except the temporal ones needs a condition with one comparison (gt, gte, lt, lte, eq, neq) and a number; value_percentile also needs a percentile between 0 and 100."),
		fe("correlation-field", E, "a value_* correlation has no condition field",
			"value_count, value_sum, value_avg, value_percentile and value_median aggregate a field named by `condition.field`."),
		fe("timespan", E, "the correlation timespan is missing or malformed",
			"The timespan is a whole number followed by a unit: s, m, h or d (pySigma also reads w, M and y)."),
		fe("alias-rule", E, "a correlation alias maps a rule the correlation does not reference",
			"Each alias maps a field name for the rules of the correlation; a rule name that is not in `rules` is a typo or a leftover."),
		fe("filter-rules", E, "a filter has no rules list",
			"A filter document must name the rules it applies to (`rules:`), or `any`."),
		fe("unresolved-reference", W, "a correlation or filter references a rule that is not loaded",
			"No loaded rule has the referenced id or name. Either the rule is missing from the repository (lint the whole repository, not a single file) or the reference is wrong. References to a filter, or a filter referencing a correlation, are errors."),
		fe("correlation-cycle", E, "correlation rules reference each other in a cycle",
			"A correlation chain must end at detection rules; a rule referencing itself, directly or through other correlations, can never be evaluated."),
		fe("filter-logsource", W, "a filter's logsource does not cover a rule it names",
			"A filter applies only to rules whose logsource matches every category/product/service the filter sets; for this rule the filter is not applied."),
		fe("legacy-timeframe", W, "the detection uses Sigma 1.0 `timeframe`",
			"`detection.timeframe` belonged to Sigma 1.0 aggregations and is ignored. Express the time window in a correlation rule."),
		fe("internal", E, "the front end failed on this file",
			"The front end hit an internal error while reading the file and reported it instead of crashing. Please report it with the file attached."),
	}
}
