package lint

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/sarifcheck"
)

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig(".rulec.yml", []byte("other: {x: 1}\nlint:\n  fail-on: note\n  targets: [Wazuh]\n  checks:\n    missing-author: off\n    title-too-long: error\n    missing-id: on\n    duplicate-tag: false\n  exclude: ['vendor/**']\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.FailOn != "note" || len(cfg.Targets) != 1 || cfg.Targets[0] != "wazuh" || cfg.Checks["missing-author"] != LevelOff ||
		cfg.Checks["title-too-long"] != LevelError || cfg.Checks["missing-id"] != LevelOn || cfg.Checks["duplicate-tag"] != LevelOff || len(cfg.Exclude) != 1 {
		t.Fatalf("unexpected config %+v", cfg)
	}
	for text, want := range map[string]string{
		"lint:\n  checks:\n    no-such-check: off\n": `.rulec.yml:3: unknown check "no-such-check"`,
		"lint:\n  checks:\n    missing-id: loud\n":   `.rulec.yml:3: check missing-id: unknown level "loud"`,
		"lint:\n  targets: [splunk]\n":               `.rulec.yml:2: unknown target "splunk"`,
		"lint:\n  fail-on: fatal\n":                  `.rulec.yml:2: fail-on: unknown severity "fatal"`,
		"lint:\n  colour: always\n":                  `.rulec.yml:2: unknown key "colour"`,
		"lint: [1]\n":                                `.rulec.yml:1: lint must be a mapping`,
		"lint:\n  checks: [missing-id]\n":            `.rulec.yml:2: checks must be a mapping`,
		"lint:\n  exclude: ['[']\n":                  `.rulec.yml:2: exclude: bad pattern "["`,
		"lint: {\n":                                  `.rulec.yml: invalid YAML`,
	} {
		_, err := ParseConfig(".rulec.yml", []byte(text))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got error %v, want %q", text, err, want)
		}
	}
	if cfg, err := ParseConfig("x", nil); err != nil || len(cfg.Checks) != 0 {
		t.Errorf("empty file: %v %+v", err, cfg)
	}
}

func TestFindConfig(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "rules", "windows")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	rule := filepath.Join(sub, "r.yml")
	os.WriteFile(rule, []byte(cleanRule), 0o644)
	if got, err := FindConfig(rule, ""); err != nil || got != "" {
		t.Fatalf("no config: got %q, %v", got, err)
	}
	cfgPath := filepath.Join(dir, ".rulec.yml")
	os.WriteFile(cfgPath, []byte("lint: {}\n"), 0o644)
	if got, err := FindConfig(rule, ""); err != nil || got != cfgPath {
		t.Fatalf("from a file: got %q, %v; want %q", got, err, cfgPath)
	}
	if got, _ := FindConfig(sub, ""); got != cfgPath {
		t.Fatalf("from a folder: got %q", got)
	}
	other := t.TempDir()
	if got, _ := FindConfig(filepath.Join(other, "x.yml"), dir); got != cfgPath {
		t.Fatalf("from cwd: got %q", got)
	}
}

// TestConfigSeveritiesEverywhere: a re-levelled check keeps its level in text, JSON,
// SARIF and --fail-on; a disabled check reports nothing.
func TestConfigSeveritiesEverywhere(t *testing.T) {
	res := frontend.LoadBytes("r.yml", []byte(replace("author: rulec\n", "")+"---\n"+strings.NewReplacer("0b6a9c5e", "1b6a9c5e", "Whoami Execution", "T2", "status: test\n", "").Replace(cleanRule)))
	cfg, err := ParseConfig(".rulec.yml", []byte("lint:\n  checks:\n    missing-author: error\n    missing-status: off\n    undefined-identifier: note\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(res, Options{Config: cfg, Backends: backends()})
	if fs := findingsOf(rep, "missing-status"); len(fs) != 0 {
		t.Errorf("disabled check reported:%s", describe(fs))
	}
	fs := findingsOf(rep, "missing-author")
	if len(fs) != 1 || fs[0].Severity != ast.SeverityError {
		t.Fatalf("want one missing-author error, got:%s", describe(rep.Findings))
	}
	var text, js, sarif bytes.Buffer
	rep.WriteText(&text, TextOptions{})
	rep.WriteJSON(&js)
	rep.WriteSARIF(&sarif, SARIFOptions{})
	sarifcheck.ValidateSARIF(t, sarif.Bytes())
	if !strings.Contains(text.String(), "r.yml:1:1: error: rule has no author [missing-author]") {
		t.Errorf("text report:\n%s", text.String())
	}
	if !strings.Contains(js.String(), `"severity": "error",
      "message": "rule has no author"`) {
		t.Errorf("JSON report:\n%s", js.String())
	}
	if !strings.Contains(sarif.String(), `"ruleId": "missing-author",
          "ruleIndex"`) || !strings.Contains(sarif.String(), `"level": "error",
          "message": {
            "text": "rule has no author"`) {
		t.Errorf("SARIF report:\n%s", sarif.String())
	}
	errorSev, noteSev := ast.SeverityError, ast.SeverityNote
	if !rep.Fails(&errorSev) || !rep.Fails(&noteSev) || rep.Fails(nil) {
		t.Errorf("fail-on does not follow the configured severity")
	}
	// Re-levelling a front-end check.
	res = frontend.LoadBytes("u.yml", []byte(replace("selection and not filter", "selection and not filtr")))
	rep = Run(res, Options{Config: cfg, Backends: backends()})
	if fs := findingsOf(rep, "undefined-identifier"); len(fs) != 1 || fs[0].Severity != ast.SeverityNote || rep.Fails(&errorSev) {
		t.Errorf("front-end check not re-levelled:%s", describe(fs))
	}
}

func TestTargetEnabledByConfig(t *testing.T) {
	text := withDetection("    selection:\n        User|fieldref|contains: TargetUser\n    condition: selection\n")
	cfg, _ := ParseConfig("c", []byte("lint:\n  targets: [wazuh]\n  checks:\n    wazuh-unsupported: warning\n"))
	if fs := findingsOf(Run(frontend.LoadBytes("x.yml", []byte(text)), Options{Config: cfg, Backends: backends()}), "wazuh-unsupported"); len(fs) != 1 {
		t.Errorf("targets: [wazuh] did not enable wazuh-unsupported")
	}
	cfg, _ = ParseConfig("c", []byte("lint:\n  checks:\n    wazuh-unsupported: on\n"))
	if fs := findingsOf(Run(frontend.LoadBytes("x.yml", []byte(text)), Options{Config: cfg, Backends: backends()}), "wazuh-unsupported"); len(fs) != 1 {
		t.Errorf("checks: {wazuh-unsupported: on} did not enable it")
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		glob, path string
		want       bool
	}{
		{"vendor/**", "vendor/a/b.yml", true}, {"vendor/**", "rules/a.yml", false}, {"**/*.yml", "a/b/c.yml", true},
		{"rules/*.yml", "rules/a.yml", true}, {"rules/*.yml", "rules/x/a.yml", false}, {"**/deprecated/**", "a/deprecated/b.yml", true},
	} {
		if got := GlobMatch(tc.glob, tc.path); got != tc.want {
			t.Errorf("GlobMatch(%q, %q) = %v", tc.glob, tc.path, got)
		}
	}
}

func TestSuppressions(t *testing.T) {
	s := parseSuppressions([]byte("a: 1 # rulec:disable=x,y -- because\n  # rulec:disable=z\nb: 2\n# rulec:disable-file=w\nc: '# rulec:disable=all'\n"))
	for _, tc := range []struct {
		line  int
		check string
		want  bool
	}{
		{1, "x", true}, {1, "y", true}, {1, "z", false}, {2, "z", true}, {3, "z", true}, {4, "z", false},
		{9, "w", true}, {5, "anything", true}, {6, "x", false},
	} {
		if got := s.covers(tc.line, tc.check); got != tc.want {
			t.Errorf("line %d check %s: covers = %v, want %v", tc.line, tc.check, got, tc.want)
		}
	}
	// End to end: a suppressed finding stays in the report, marked, and does not fail.
	text := "# rulec:disable=missing-id\n" + replace("id: 0b6a9c5e-5d6b-4f1e-9a44-3c8d2f1e7a10\n", "")
	rep := Run(frontend.LoadBytes("suppress.yml", []byte(text)), Options{ReadFile: func(string) ([]byte, error) { return []byte(text), nil }})
	fs := findingsOf(rep, "missing-id")
	note := ast.SeverityNote
	if len(fs) != 1 || !fs[0].Suppressed || rep.Fails(&note) || rep.Counts()[ast.SeverityWarning] != 0 {
		t.Fatalf("want one suppressed missing-id, got:%s", describe(rep.Findings))
	}
	var sarif bytes.Buffer
	rep.WriteSARIF(&sarif, SARIFOptions{})
	sarifcheck.ValidateSARIF(t, sarif.Bytes())
	if !strings.Contains(sarif.String(), `"kind": "inSource"`) {
		t.Errorf("suppressed finding not marked in SARIF:\n%s", sarif.String())
	}
	var out bytes.Buffer
	rep.WriteText(&out, TextOptions{})
	if strings.Contains(out.String(), "missing-id") || !strings.Contains(out.String(), "1 suppressed") {
		t.Errorf("text report shows a suppressed finding:\n%s", out.String())
	}
}
