package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPipelineFlag: -p applies a pySigma pipeline before every consumer; ir shows the
// mapped rule and the applied items; a broken pipeline fails with file:line:col.
func TestPipelineFlag(t *testing.T) {
	ex := filepath.Join("..", "..", "examples", "pipelines")
	rule := filepath.Join(ex, "rule.yml")
	fields := filepath.Join(ex, "sysmon-ecs.yml")
	logsrc := filepath.Join(ex, "ecs-logsource.yml")

	code, stdout, stderr := cliRun(t, "", "ir", "--compact", "-p", fields, rule)
	if code != 0 || !strings.Contains(stdout, `"field":"process.executable"`) || !strings.Contains(stdout, `"processing_items_applied":["ecs_process_fields","ecs_other_fields","ecs_event_code","ecs_keywords"]`) {
		t.Errorf("ir: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// Without the pipelines the Sysmon rule does not match ECS events; with both it matches the one
	// process start whose integrity level is not System.
	log := filepath.Join(ex, "ecs.jsonl")
	for _, tc := range []struct {
		args    []string
		matches string
	}{
		{nil, "0 matches"},
		{[]string{"-p", logsrc, "-p", fields}, "1 matches of 1 rules"},
	} {
		args := append(append([]string{"scan", "--format", "text", "--rules", rule}, tc.args...), log)
		code, stdout, stderr := cliRun(t, "", args...)
		if code != 0 || !strings.Contains(stderr, tc.matches) {
			t.Errorf("scan %v: exit %d\nstdout:\n%s\nstderr:\n%s", tc.args, code, stdout, stderr)
		}
	}

	code, stdout, stderr = cliRun(t, "", "build", "-p", fields, rule)
	if code != 0 || !strings.Contains(stdout, `win.eventdata.process.command_line`) {
		t.Errorf("build: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("transformations:\n  - type: field_name_transform\n    mapping: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// lint reports on standard output, ir and gen-go on standard error.
	for _, cmd := range [][]string{{"ir"}, {"lint"}, {"gen-go", "-o", filepath.Join(dir, "out")}} {
		args := append(append(cmd, "-p", bad), rule)
		code, stdout, stderr := cliRun(t, "", args...)
		if code != 1 || !strings.Contains(stdout+stderr, bad+`:2:11: error: transformation "field_name_transform" is not supported by rulec`) {
			t.Errorf("%v: exit %d\nstderr:\n%s", cmd, code, stderr)
		}
	}
}

// TestPipelineConfig: pipelines: in .rulec.yml applies to the rules of its folder.
func TestPipelineConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(".rulec.yml", "pipelines: [p.yml]\n")
	write("p.yml", "transformations:\n  - {id: sfx, type: field_name_suffix, suffix: .keyword}\n")
	write("r.yml", "title: t\nlogsource: {category: test}\ndetection:\n  sel: {a: b}\n  condition: sel\n")
	code, stdout, stderr := cliRun(t, "", "ir", "--compact", filepath.Join(dir, "r.yml"))
	if code != 0 || !strings.Contains(stdout, `"field":"a.keyword"`) || !strings.Contains(stdout, `"processing_items_applied":["sfx"]`) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// A pipeline failing every rule: lint fails with the configuration, and lint --no-config,
	// which reads no configuration, applies no pipeline from it either.
	write("p.yml", "transformations:\n  - {type: rule_failure, message: refused by the pipeline}\n")
	code, stdout, stderr = cliRun(t, "", "lint", filepath.Join(dir, "r.yml"))
	if code != 1 || !strings.Contains(stdout+stderr, "refused by the pipeline") {
		t.Errorf("lint: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = cliRun(t, "", "lint", "--no-config", filepath.Join(dir, "r.yml"))
	if strings.Contains(stdout+stderr, "refused by the pipeline") {
		t.Errorf("lint --no-config: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
