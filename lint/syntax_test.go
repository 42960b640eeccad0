package lint

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const filterDoc = "title: Admin filter\nid: 9b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\nlogsource:\n    product: windows\nfilter:\n    rules:\n        - 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n    sel:\n        User: admin\n    condition: not sel\n"

// syntaxCases trigger each front-end diagnostic that lint surfaces as a finding.
func syntaxCases() []checkCase {
	corrOK := corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        gte: 2\n")
	return []checkCase{
		{check: "yaml", bad: replace("level: medium", "level: [medium"), line: 23, col: 1, good: cleanRule},
		{check: "collection", bad: "action: repeat\n" + cleanRule, line: 1, col: 1, msg: "repeat", good: cleanRule},
		{check: "type", bad: replace("title: Whoami Execution", "title: [Whoami]"), line: 1, col: 8, good: cleanRule},
		{check: "duplicate-key", bad: replace("level: medium", "level: medium\nlevel: high"), line: 25, col: 1, good: cleanRule},
		{check: "unknown-key", bad: strings.Replace(corrOK, "group-by", "groupby", 1), line: 25, col: 5, msg: `"groupby"`, good: corrOK},
		{check: "structure", bad: withDetection("    selection:\n        - - a\n    condition: selection\n"), line: 18, col: 11, good: withDetection("    selection:\n        - a\n    condition: selection\n")},
		{check: "missing-title", bad: replace("title: Whoami Execution\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "missing-logsource", bad: replace("logsource:\n    category: process_creation\n    product: windows\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "missing-detection", bad: "title: Only a title\n", line: 1, col: 1, good: cleanRule},
		{check: "missing-condition", bad: replace("    condition: selection and not filter\n", ""), line: 17, col: 5, good: cleanRule},
		{check: "condition-syntax", bad: replace("selection and not filter", "selection and not"), line: 21, col: 30, good: cleanRule},
		{check: "undefined-identifier", bad: replace("selection and not filter", "selection and not filtr"), line: 21, col: 34, msg: `"filtr"`, good: cleanRule},
		{check: "dangling-pattern", bad: replace("selection and not filter", "selection and not filter and not 1 of other_*"), line: 21, col: 49, good: replace("selection and not filter", "selection and not 1 of filt*")},
		{check: "empty-search", bad: replace("    filter:\n        User|contains: 'AUTHORITY'\n", "    filter: null\n"), line: 19, col: 13, good: cleanRule},
		{check: "modifier", bad: replace("Image|endswith", "Image|endswitch"), line: 18, col: 15, msg: `"endswitch"`, good: cleanRule},
		{check: "value", bad: replace("User|contains: 'AUTHORITY'", "ProcessId|gt: many"), line: 20, col: 23, good: replace("User|contains: 'AUTHORITY'", "ProcessId|gt: 4")},
		{check: "correlation-type", bad: strings.Replace(corrOK, "event_count", "event_counts", 1), line: 23, col: 11, good: corrOK},
		{check: "correlation-rules", bad: strings.Replace(corrOK, "    rules: failed_logon\n", "", 1), line: 23, col: 5, good: corrOK},
		{check: "correlation-condition", bad: strings.Replace(corrOK, "    condition:\n        gte: 2\n", "", 1), line: 23, col: 5, good: corrOK},
		{check: "correlation-field", bad: strings.Replace(corrOK, "event_count", "value_count", 1), line: 29, col: 9, good: strings.Replace(strings.Replace(corrOK, "event_count", "value_count", 1), "gte: 2\n", "gte: 2\n        field: TargetUserName\n", 1)},
		{check: "timespan", bad: strings.Replace(corrOK, "5m", "5x", 1), line: 27, col: 15, msg: `"x"`, good: corrOK},
		{check: "alias-rule", bad: strings.Replace(corrOK, "    timespan:", "    aliases:\n        src:\n            other_rule: IpAddress\n    timespan:", 1), line: 29, col: 13, msg: `"other_rule"`,
			good: strings.Replace(corrOK, "    timespan:", "    aliases:\n        src:\n            failed_logon: IpAddress\n    timespan:", 1)},
		{check: "filter-rules", bad: cleanRule + "---\n" + strings.Replace(filterDoc, "    rules:\n        - 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n", "", 1), line: 31, col: 5, good: cleanRule + "---\n" + filterDoc},
		{check: "unresolved-reference", bad: strings.Replace(corrOK, "rules: failed_logon", "rules: failed_logn", 1), line: 24, col: 12, good: corrOK},
		{check: "correlation-cycle", bad: strings.Replace(corrOK, "rules: failed_logon", "rules: 3b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10", 1), line: 24, col: 12, msg: "itself", good: corrOK},
		{check: "filter-logsource", bad: cleanRule + "---\n" + strings.Replace(filterDoc, "product: windows", "product: linux", 1), line: 32, col: 11, good: cleanRule + "---\n" + filterDoc},
		{check: "legacy-timeframe", bad: replace("    condition: selection and not filter\n", "    timeframe: 5m\n    condition: selection and not filter\n"), line: 21, col: 5, good: cleanRule},
	}
}

func TestSyntaxChecks(t *testing.T) { runCases(t, syntaxCases()) }

// TestEveryCheckHasCase: every check of the catalogue appears in a case table
// (`check: "id"` with a bad and a good rule, line and column asserted by runCases).
func TestEveryCheckHasCase(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	caseRe := regexp.MustCompile(`\{check: "([a-z0-9-]+)"`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range caseRe.FindAllStringSubmatch(string(data), -1) {
			covered[m[1]] = true
		}
	}
	// io needs a path that cannot be read (TestSARIFPaths); internal is a front-end crash guard.
	exempt := map[string]bool{"io": true, "internal": true}
	for _, c := range Checks() {
		if !covered[c.ID] && !exempt[c.ID] {
			t.Errorf("check %s has no test case", c.ID)
		}
	}
}
