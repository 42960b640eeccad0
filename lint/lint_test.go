package lint

import (
	"cmp"
	"fmt"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// cleanRule triggers no check at all, target checks included.
const cleanRule = `title: Whoami Execution
id: 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10
status: test
description: Detects the execution of whoami, often used for discovery.
references:
    - https://example.com/whoami
author: rulec
date: 2024-01-10
modified: 2024-02-01
tags:
    - attack.discovery
    - attack.t1033
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    filter:
        User|contains: 'AUTHORITY'
    condition: selection and not filter
falsepositives:
    - Administrators
level: medium
`

// lintText loads YAML documents as one file and lints them with the given targets.
func lintText(t *testing.T, name, text string, targets ...string) *Report {
	t.Helper()
	res := frontend.LoadBytes(name, []byte(text))
	return Run(res, Options{Targets: targets, Backends: backends()})
}

func findingsOf(rep *Report, check string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s: %s [%s]", f.Pos, f.Message, f.Check)
	}
	return b.String()
}

// checkCase is a rule that triggers a check at line:col, and a close variant that does not.
type checkCase struct {
	check     string
	bad       string
	line, col int
	// msg is a fragment the finding's message must contain.
	msg  string
	good string
	// targets selects target-aware checks.
	targets []string
	// badName and goodName name the files (default bad.yml and good.yml).
	badName, goodName string
	// extra, when set, is another file (named extraName) linted alongside both rules.
	extra, extraName string
}

// lintCase lints one rule text of a case, with the case's extra file.
func lintCase(t *testing.T, tc checkCase, name, text string) *Report {
	t.Helper()
	res := frontend.LoadBytes(name, []byte(text))
	if tc.extra != "" {
		more := frontend.LoadBytes(tc.extraName, []byte(tc.extra))
		res.Rules = append(more.Rules, res.Rules...)
		res.Diagnostics = append(more.Diagnostics, res.Diagnostics...)
	}
	return Run(res, Options{Targets: tc.targets, Backends: backends()})
}

func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.check+"/"+fmt.Sprint(tc.line), func(t *testing.T) {
			if Lookup(tc.check) == nil {
				t.Fatalf("check %q is not in the catalogue", tc.check)
			}
			bad, good := cmp.Or(tc.badName, "bad.yml"), cmp.Or(tc.goodName, "good.yml")
			rep := lintCase(t, tc, bad, tc.bad)
			got := findingsOf(rep, tc.check)
			found := false
			for _, f := range got {
				if f.Pos.Line == tc.line && f.Pos.Col == tc.col && strings.Contains(f.Message, tc.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("bad rule: want a %s finding at %d:%d containing %q; got:%s\nall findings:%s", tc.check, tc.line, tc.col, tc.msg, describe(got), describe(rep.Findings))
			}
			rep = lintCase(t, tc, good, tc.good)
			if got := findingsOf(rep, tc.check); len(got) > 0 {
				t.Errorf("good rule: want no %s finding; got:%s", tc.check, describe(got))
			}
		})
	}
}

// replace returns cleanRule with one substitution, failing loudly when old is absent.
func replace(old, new string) string {
	if !strings.Contains(cleanRule, old) {
		panic("cleanRule has no " + old)
	}
	return strings.Replace(cleanRule, old, new, 1)
}

func TestCleanRuleHasNoFindings(t *testing.T) {
	var targets []string
	for _, c := range Checks() {
		if c.Target != "" {
			targets = append(targets, c.Target)
		}
	}
	rep := lintText(t, "clean_rule.yml", cleanRule, targets...)
	if len(rep.Findings) > 0 {
		t.Fatalf("clean rule has findings:%s", describe(rep.Findings))
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	cats := map[Category]bool{}
	for _, c := range Categories() {
		cats[c] = true
	}
	for _, c := range Checks() {
		switch {
		case seen[c.ID]:
			t.Errorf("duplicate check id %q", c.ID)
		case c.ID != strings.ToLower(c.ID) || strings.ContainsAny(c.ID, " _."):
			t.Errorf("check id %q: use lower-case words joined by -", c.ID)
		case c.Summary == "" || c.Doc == "":
			t.Errorf("check %s has no summary or doc", c.ID)
		case strings.Contains(c.Doc, "\n"):
			t.Errorf("check %s: the doc must be one paragraph", c.ID)
		case !cats[c.Category]:
			t.Errorf("check %s has unknown category %q", c.ID, c.Category)
		case c.Frontend == (c.Run != nil):
			t.Errorf("check %s: exactly one of Frontend and Run must be set", c.ID)
		case !strings.HasPrefix(c.HelpURI(), HelpBase+"#"):
			t.Errorf("check %s: help URI %q", c.ID, c.HelpURI())
		}
		seen[c.ID] = true
	}
}

func TestMetadataChecks(t *testing.T) {
	runCases(t, []checkCase{
		{check: "missing-id", bad: replace("id: 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "invalid-id", bad: replace("id: 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10", "id: whoami-1"), line: 2, col: 1, msg: `"whoami-1"`, good: cleanRule},
		{check: "duplicate-id", bad: cleanRule + "---\n" + strings.Replace(cleanRule, "Whoami Execution", "Whoami Again", 1), line: 2, col: 1,
			msg: "bad.yml:27:1", good: cleanRule + "---\n" + strings.NewReplacer("Whoami Execution", "Whoami Again", "0b6a9c5e", "1b6a9c5e").Replace(cleanRule)},
		{check: "duplicate-id", bad: "name: a\n" + cleanRule + "---\nname: a\n" + strings.NewReplacer("Whoami Execution", "Whoami Again", "0b6a9c5e", "1b6a9c5e").Replace(cleanRule),
			line: 1, col: 1, msg: `name "a"`, good: "name: a\n" + cleanRule},
		{check: "invalid-related", bad: replace("status: test\n", "related:\n    - id: 1b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n      type: derivd\nstatus: test\n"), line: 4, col: 7, msg: `"derivd"`,
			good: replace("status: test\n", "related:\n    - id: 1b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n      type: derived\nstatus: test\n")},
		{check: "title-too-long", bad: replace("title: Whoami Execution", "title: "+strings.Repeat("x", 111)), line: 1, col: 1, good: replace("title: Whoami Execution", "title: "+strings.Repeat("x", 110))},
		{check: "duplicate-title", bad: cleanRule + "---\n" + strings.Replace(cleanRule, "0b6a9c5e", "1b6a9c5e", 1), line: 26, col: 1, msg: "bad.yml:1:1",
			good: cleanRule + "---\n" + strings.NewReplacer("Whoami Execution", "Whoami Again", "0b6a9c5e", "1b6a9c5e").Replace(cleanRule)},
		{check: "missing-status", bad: replace("status: test\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "invalid-status", bad: replace("status: test", "status: Test"), line: 3, col: 1, msg: "lower case", good: cleanRule},
		{check: "status-unsupported", bad: replace("status: test", "status: unsupported"), line: 3, col: 1, good: replace("status: test", "status: stable")},
		{check: "missing-level", bad: replace("level: medium\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "invalid-level", bad: replace("level: medium", "level: severe"), line: 24, col: 1, good: cleanRule},
		{check: "missing-date", bad: replace("date: 2024-01-10\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "invalid-date", bad: replace("date: 2024-01-10", "date: 2024/01/10"), line: 8, col: 1, msg: "write 2024-01-10", good: cleanRule},
		{check: "invalid-date", bad: replace("modified: 2024-02-01", "modified: 2024-02-30"), line: 9, col: 1, msg: "calendar", good: cleanRule},
		{check: "date-order", bad: replace("modified: 2024-02-01", "modified: 2023-02-01"), line: 9, col: 1, good: cleanRule},
		{check: "missing-description", bad: replace("description: Detects the execution of whoami, often used for discovery.\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "short-description", bad: replace("Detects the execution of whoami, often used for discovery.", "Whoami"), line: 4, col: 1, good: cleanRule},
		{check: "missing-author", bad: replace("author: rulec\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "missing-falsepositives", bad: replace("falsepositives:\n    - Administrators\n", ""), line: 1, col: 1, good: cleanRule},
		{check: "reference-not-url", bad: replace("https://example.com/whoami", "Internal research"), line: 6, col: 7, msg: `"Internal research"`, good: cleanRule},
		{check: "duplicate-reference", bad: replace("    - https://example.com/whoami\n", "    - https://example.com/whoami\n    - https://example.com/whoami\n"), line: 7, col: 7, good: cleanRule},
		{check: "duplicate-filename", bad: cleanRule, badName: "a/whoami_rule.yml", line: 1, col: 1, msg: `"whoami_rule.yml" is also used at b/whoami_rule.yml:1:1`,
			good: cleanRule, goodName: "a/whoami_other.yml", extraName: "b/whoami_rule.yml", extra: strings.NewReplacer("0b6a9c5e", "1b6a9c5e", "Whoami Execution", "Whoami 2").Replace(cleanRule)},
		{check: "filename-length", bad: cleanRule, badName: "w.yml", line: 1, col: 1, good: cleanRule, goodName: "whoami_rule.yml"},
		{check: "misspelled-key", bad: replace("falsepositives:", "falsepositive:"), line: 22, col: 1, msg: `"falsepositives"`, good: replace("level: medium", "level: medium\nsimulation: yes")},
		{check: "misspelled-key", bad: replace("level: medium", "Level: medium"), line: 24, col: 1, msg: `"level"`, good: cleanRule},
		{check: "tag-format", bad: replace("attack.t1033", "Attack.T1033"), line: 12, col: 7, good: cleanRule},
		{check: "tag-namespace", bad: replace("attack.t1033", "attck.t1033"), line: 12, col: 7, msg: `"attck"`, good: replace("attack.t1033", "cve.2021-44228")},
		{check: "attack-tag", bad: replace("attack.t1033", "attack.t103"), line: 12, col: 7, good: replace("attack.t1033", "attack.t1033.001")},
		{check: "attack-tag", bad: replace("attack.discovery", "attack.discovry"), line: 11, col: 7, good: replace("attack.discovery", "attack.stealth")},
		{check: "tag-value", bad: replace("attack.t1033", "tlp.orange"), line: 12, col: 7, good: replace("attack.t1033", "tlp.amber-strict")},
		{check: "duplicate-tag", bad: replace("    - attack.t1033\n", "    - attack.t1033\n    - attack.t1033\n"), line: 13, col: 7, good: cleanRule},
	})
}

// TestBaseRulesOfCorrelationNeedNoMetadata: the specification leaves metadata to the outermost correlation.
func TestBaseRulesOfCorrelationNeedNoMetadata(t *testing.T) {
	text := `title: Base
name: base_rule
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
    condition: selection
---
title: Many failed logons
id: 5b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10
status: test
description: Many failed logons from one source in a short time.
author: rulec
date: 2024-01-10
level: high
correlation:
    type: event_count
    rules: base_rule
    group-by:
        - IpAddress
    timespan: 5m
    condition:
        gte: 10
`
	rep := lintText(t, "corr.yml", text)
	for _, id := range []string{"missing-status", "missing-level", "missing-date", "missing-description", "missing-author", "missing-falsepositives"} {
		if fs := findingsOf(rep, id); len(fs) > 0 {
			t.Errorf("%s on a base rule:%s", id, describe(fs))
		}
	}
	if fs := findingsOf(rep, "missing-id"); len(fs) != 1 || fs[0].Pos.Line != 1 {
		t.Errorf("missing-id: want one finding on the base rule, got:%s", describe(fs))
	}
}

func TestFrontendDiagnosticsBecomeFindings(t *testing.T) {
	rep := lintText(t, "bad.yml", replace("condition: selection and not filter", "condition: selection and not filtr"))
	fs := findingsOf(rep, "undefined-identifier")
	if len(fs) != 1 || fs[0].Severity != ast.SeverityError || fs[0].Pos.Line != 21 {
		t.Fatalf("want one undefined-identifier error at line 21, got:%s", describe(rep.Findings))
	}
}

// withDetection returns cleanRule with its detection section (lines 16-21) replaced.
func withDetection(det string) string {
	start := strings.Index(cleanRule, "detection:\n")
	end := strings.Index(cleanRule, "falsepositives:")
	return cleanRule[:start] + "detection:\n" + det + cleanRule[end:]
}

func TestLogsourceChecks(t *testing.T) {
	runCases(t, []checkCase{
		{check: "logsource-empty", bad: replace("    category: process_creation\n    product: windows\n", "    definition: sysmon\n"), line: 13, col: 1,
			good: replace("    category: process_creation\n    product: windows\n", "    product: windows\n")},
		{check: "logsource-unknown-key", bad: replace("    product: windows\n", "    product: windows\n    categroy: x\n"), line: 16, col: 5, msg: `"categroy"`,
			good: replace("    product: windows\n", "    product: windows\n    definition: Sysmon config\n")},
		{check: "generic-logsource", bad: strings.Replace(withDetection("    selection:\n        EventID: 1\n        Image|endswith: '\\whoami.exe'\n    condition: selection\n"), "    category: process_creation\n", "    service: sysmon\n", 1),
			line: 18, col: 18, msg: "process_creation", good: withDetection("    selection:\n        EventID: 1\n        Image|endswith: '\\whoami.exe'\n    condition: selection\n")},
		{check: "field-case", bad: replace("Image|endswith", "image|endswith"), line: 18, col: 9, msg: `"Image"`, good: cleanRule},
	})
}

// TestFieldCaseMajority: a spelling used less often than another in the same logsource is reported.
func TestFieldCaseMajority(t *testing.T) {
	doc := func(id, field string) string {
		return fmt.Sprintf("title: T%s\nid: %s0000000-0000-4000-8000-000000000000\nlogsource:\n    product: okta\n    service: okta\ndetection:\n    sel:\n        %s: x\n    condition: sel\n", id, id, field)
	}
	text := doc("1", "eventType") + "---\n" + doc("2", "eventType") + "---\n" + doc("3", "EventType")
	fs := findingsOf(lintText(t, "okta.yml", text), "field-case")
	if len(fs) != 1 || fs[0].Pos.Line != 28 || fs[0].Pos.Col != 9 || !strings.Contains(fs[0].Message, `"eventType"`) {
		t.Fatalf("want one field-case finding at 28:9, got:%s", describe(fs))
	}
	// A tie reports nothing.
	text = doc("1", "eventType") + "---\n" + doc("3", "EventType")
	if fs := findingsOf(lintText(t, "okta.yml", text), "field-case"); len(fs) != 0 {
		t.Fatalf("tie: want no finding, got:%s", describe(fs))
	}
}

func TestDetectionChecks(t *testing.T) {
	sel := func(body string) string {
		return withDetection("    selection:\n" + body + "    condition: selection\n")
	}
	runCases(t, []checkCase{
		{check: "unused-search", bad: replace("condition: selection and not filter", "condition: selection"), line: 19, col: 5, msg: `"filter"`, good: cleanRule},
		{check: "unused-search", bad: withDetection("    selection:\n        Image: a\n    _filter:\n        User: b\n    condition: 1 of them\n"), line: 19, col: 5, msg: `"_filter"`,
			good: withDetection("    selection:\n        Image: a\n    _filter:\n        User: b\n    condition: selection and not 1 of _f*\n")},
		{check: "them-single-search", bad: withDetection("    selection:\n        Image: a\n    condition: 1 of them\n"), line: 19, col: 16, good: sel("        Image: a\n")},
		{check: "all-of-them", bad: withDetection("    sel1:\n        Image: a\n    sel2:\n        User: b\n    condition: all of them\n"), line: 21, col: 16,
			good: withDetection("    sel1:\n        Image: a\n    sel2:\n        User: b\n    condition: all of sel*\n")},
		{check: "all-single-value", bad: sel("        CommandLine|contains|all: 'a'\n"), line: 18, col: 30, good: sel("        CommandLine|contains|all: ['a', 'b']\n")},
		{check: "all-exact-values", bad: sel("        CommandLine|all: ['a', 'b']\n"), line: 18, col: 21, msg: "never matches",
			good: sel("        CommandLine|all: ['a*', '*b']\n")},
		{check: "all-exact-values", bad: sel("        CommandLine|neq|all: ['a', 'b']\n"), line: 18, col: 25, msg: "every event", good: sel("        CommandLine|neq: ['a', 'b']\n")},
		{check: "base64offset-without-contains", bad: sel("        CommandLine|base64offset: 'http'\n"), line: 18, col: 21,
			good: sel("        CommandLine|base64offset|contains: 'http'\n")},
		{check: "windash-with-all", bad: sel("        CommandLine|windash|contains|all: ['-a', '-b']\n"), line: 18, col: 21,
			good: sel("        CommandLine|windash|contains: ['-a', '-b']\n")},
		{check: "wildcard-only", bad: sel("        CommandLine: '*'\n"), line: 18, col: 22, msg: "exists", good: sel("        CommandLine|exists: true\n")},
		{check: "wildcard-only", bad: sel("        CommandLine|contains: ''\n"), line: 18, col: 31, good: sel("        CommandLine: ''\n")},
		{check: "double-wildcard", bad: sel("        CommandLine: 'a**b'\n"), line: 18, col: 22, good: sel("        CommandLine: 'a*b'\n")},
		{check: "wildcards-instead-of-modifiers", bad: sel("        CommandLine: ['*a*', '*b*']\n"), line: 18, col: 9, msg: "contains",
			good: sel("        CommandLine: ['*a*', '*b']\n")},
		{check: "wildcards-instead-of-modifiers", bad: sel("        CommandLine: 'a*'\n"), line: 18, col: 9, msg: "startswith", good: sel("        CommandLine: 'a*b'\n")},
		{check: "duplicate-value", bad: sel("        CommandLine|contains:\n            - 'abc'\n            - 'ABC'\n"), line: 20, col: 15, msg: "'ABC'",
			good: sel("        CommandLine|contains|cased:\n            - 'abc'\n            - 'ABC'\n")},
		{check: "control-character", bad: sel("        Image: \"C:\\temp\\new.exe\"\n"), line: 18, col: 16, msg: "U+0009", good: sel("        Image: 'C:\\temp\\x.exe'\n")},
		{check: "escaped-wildcard", bad: sel("        Image: 'C:\\Temp\\*.exe'\n"), line: 18, col: 16, good: sel("        Image: 'C:\\Temp\\\\*.exe'\n")},
		{check: "escaped-wildcard", bad: sel("        Image: 'C:\\Temp\\?.exe'\n"), line: 18, col: 16, good: sel("        CommandLine: 'select \\*'\n")},
		{check: "number-as-string", bad: sel("        EventID: '4688'\n"), line: 18, col: 18, good: sel("        EventID: 4688\n")},
	})
}

func TestPathEscapedWildcard(t *testing.T) {
	for raw, want := range map[string]int{
		`C:\Temp\*.exe`: 7, `\*avira\*`: -1, `\\\\\*\\IPC$`: -1, `select \*`: -1, `a\b\\*`: -1, `x\y\z\?`: 5, `\*.bac`: -1,
	} {
		if got := pathEscapedWildcard(raw); got != want {
			t.Errorf("pathEscapedWildcard(%q) = %d, want %d", raw, got, want)
		}
	}
}

func TestConditionChecks(t *testing.T) {
	cond := func(c string) string { return replace("condition: selection and not filter", "condition: "+c) }
	many := "    sel:\n        Image: a\n"
	for i := 0; i < 17; i++ {
		many += fmt.Sprintf("    f%d:\n        User: u%d\n", i, i)
	}
	runCases(t, []checkCase{
		{check: "condition-never-matches", bad: cond("selection and not selection and not filter"), line: 21, col: 16, msg: "false for every combination", good: cleanRule},
		{check: "condition-never-matches", bad: withDetection("    selection:\n        CommandLine|all: ['a', 'b']\n    condition: selection\n"), line: 19, col: 16, msg: `"selection" can never match`,
			good: withDetection("    selection:\n        CommandLine|contains|all: ['a', 'b']\n    condition: selection\n")},
		{check: "condition-never-matches", bad: withDetection(many + "    condition: sel and 1 of f* and not sel\n"), line: 53, col: 16, msg: `requires "sel" and not "sel"`,
			good: withDetection(many + "    condition: sel and not 1 of f*\n")},
		{check: "condition-always-matches", bad: cond("selection or not selection or filter"), line: 21, col: 16, good: cond("selection or not filter")},
		{check: "negated-condition", bad: cond("not filter and not selection"), line: 21, col: 16, good: cleanRule},
	})
}

func TestCompileExprMatchesEval(t *testing.T) {
	res := frontend.LoadBytes("c.yml", []byte(replace("condition: selection and not filter", "condition: (selection or not filter) and not (selection and filter)")))
	det := res.Rules[0].Detection
	vars := map[string]uint{"selection": 0, "filter": 1}
	f := compileExpr(det.Condition, vars)
	for m := uint32(0); m < 4; m++ {
		want := det.Condition.Eval(func(n string) bool { return m&(1<<vars[n]) != 0 })
		if got := f(m); got != want {
			t.Errorf("mask %b: compiled %v, Eval %v", m, got, want)
		}
	}
}

// corrBase is a base rule for correlation tests (lines 1-13) with the name failed_logon.
const corrBase = `title: Failed logon
id: 2b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10
name: failed_logon
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 4625
        TargetUserName|exists: true
    condition: selection
fields:
    - IpAddress
`

// corr returns corrBase followed by a correlation: its key is on line 22, its section on 23.
func corr(section string) string {
	return corrBase + `---
title: Many failed logons
id: 3b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10
status: test
description: Many failed logons from one source in a short time.
author: rulec
date: 2024-01-10
level: high
correlation:
` + section
}

func TestCorrelationChecks(t *testing.T) {
	runCases(t, []checkCase{
		{check: "correlation-unset-field", bad: corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - SourceIp\n    timespan: 5m\n    condition:\n        gte: 10\n"),
			line: 23, col: 5, msg: `"SourceIp" is never set`, good: corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        gte: 10\n")},
		{check: "correlation-unset-field", bad: corr("    type: value_count\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        gte: 10\n        field: targetusername\n"),
			line: 23, col: 5, msg: `spelled "TargetUserName"`, good: corr("    type: value_count\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        gte: 10\n        field: TargetUserName\n")},
		{check: "correlation-unset-field", bad: corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - src\n    timespan: 5m\n    aliases:\n        src:\n            failed_logon: SourceIp\n    condition:\n        gte: 10\n"),
			line: 23, col: 5, msg: `(alias "src")`, good: corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - src\n    timespan: 5m\n    aliases:\n        src:\n            failed_logon: IpAddress\n    condition:\n        gte: 10\n")},
		{check: "correlation-temporal-single", bad: corr("    type: temporal\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n"), line: 22, col: 1,
			good: corr("    type: event_count\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        gte: 2\n")},
		{check: "correlation-condition-trivial", bad: corr("    type: event_count\n    rules: failed_logon\n    timespan: 5m\n    condition:\n        gte: 1\n"), line: 27, col: 9, msg: "every event",
			good: corr("    type: event_count\n    rules: failed_logon\n    timespan: 5m\n    condition:\n        gte: 2\n")},
		{check: "correlation-condition-trivial", bad: corr("    type: event_count\n    rules: failed_logon\n    timespan: 5m\n    condition:\n        lt: 1\n"), line: 27, col: 9, msg: "never fires",
			good: corr("    type: event_count\n    rules: failed_logon\n    timespan: 5m\n    condition:\n        lt: 5\n")},
		{check: "unresolved-reference", bad: corr("    type: event_count\n    rules: failed_logn\n    timespan: 5m\n    condition:\n        gte: 2\n"), line: 24, col: 12,
			good: corr("    type: event_count\n    rules: failed_logon\n    timespan: 5m\n    condition:\n        gte: 2\n")},
	})
}

func TestWazuhChecks(t *testing.T) {
	sel := func(body string) string {
		return withDetection("    selection:\n" + body + "    condition: selection\n")
	}
	w := []string{TargetWazuh}
	runCases(t, []checkCase{
		{check: "wazuh-unsupported", targets: w, bad: sel("        User|fieldref|contains: TargetUser\n"), line: 18, col: 33, msg: "field reference", good: cleanRule},
		{check: "wazuh-unsupported", targets: w, bad: withDetection("    keywords:\n        - 'whoami'\n    condition: keywords\n"), line: 18, col: 11, msg: "keyword", good: cleanRule},
		{check: "wazuh-unsupported", targets: w, bad: sel("        ProcessId|gt: 1000\n"), line: 18, col: 23, msg: "numeric comparison", good: sel("        ProcessId: 1000\n")},
		// What the backend expresses exactly is not reported: IPv6 networks, absent fields.
		{check: "wazuh-unsupported", targets: w, bad: sel("        User|fieldref|contains: TargetUser\n"), line: 18, col: 33,
			good: sel("        SourceIp|cidr: 'fe80::/10'\n        Image: '*'\n        User: null\n")},
		{check: "wazuh-unsupported", targets: w, bad: corr("    type: value_avg\n    rules: failed_logon\n    group-by:\n        - IpAddress\n    timespan: 5m\n    condition:\n        field: x\n        gt: 2\n"), line: 22, col: 1,
			good: cleanRule},
	})
	// Without the target, target checks do not run.
	if fs := findingsOf(lintText(t, "x.yml", sel("        User|fieldref|contains: TargetUser\n")), "wazuh-unsupported"); len(fs) > 0 {
		t.Errorf("wazuh-unsupported ran without the wazuh target:%s", describe(fs))
	}
}

// TestCheckDocs: every check has its documentation in docs/ID.md, and every
// file there documents a check.
func TestCheckDocs(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range Checks() {
		ids[c.ID] = true
		if c.Doc == "" {
			t.Errorf("check %s has no docs/%s.md", c.ID, c.ID)
		}
	}
	entries, err := docFiles.ReadDir("docs")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if id := strings.TrimSuffix(e.Name(), ".md"); !ids[id] {
			t.Errorf("docs/%s documents no check", e.Name())
		}
	}
}
