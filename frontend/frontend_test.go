package frontend

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadOne(t *testing.T, src string) (*ast.Rule, ast.Diagnostics) {
	t.Helper()
	res := LoadBytes("test.yml", []byte(src))
	if len(res.Rules) == 0 {
		return nil, res.Diagnostics
	}
	return res.Rules[0], res.Diagnostics
}

func ruleWith(detection string) string {
	return "title: t\nlogsource:\n    product: windows\ndetection:\n" + detection
}

// firstValues returns the values of the first field item of the first search.
func firstItem(t *testing.T, r *ast.Rule) *ast.FieldMatch {
	t.Helper()
	var fm *ast.FieldMatch
	r.Detection.Searches[0].Body.Walk(func(f *ast.FieldMatch) {
		if fm == nil {
			fm = f
		}
	})
	return fm
}

func TestModifierValues(t *testing.T) {
	tests := []struct {
		name, item string
		want       []string // Value.String() of each value
		check      func(*testing.T, *ast.FieldMatch)
	}{
		{"plain", `Image: 'C:\Windows\cmd.exe'`, []string{`"C:\\Windows\\cmd.exe"`}, nil},
		{"contains", `CommandLine|contains: 'abc'`, []string{`"*abc*"`}, nil},
		{"startswith keeps star", `CommandLine|startswith: 'abc*'`, []string{`"abc*"`}, nil},
		{"endswith", `Image|endswith: '\cmd.exe'`, []string{`"*\\cmd.exe"`}, nil},
		{"escaped star", `A: 'a\*b'`, []string{`"a\\*b"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.Values[0].IsPlain() || f.Values[0].Literal() != "a*b" {
				t.Errorf("parts %+v", f.Values[0].Parts)
			}
		}},
		{"double backslash before star", `A: 'a\\*'`, []string{`"a\\\\*"`}, func(t *testing.T, f *ast.FieldMatch) {
			p := f.Values[0].Parts
			if len(p) != 2 || p[0].Text != `a\` || p[1].Kind != ast.PartStar {
				t.Errorf("parts %+v", p)
			}
		}},
		{"question", `A: 'a?c'`, []string{`"a?c"`}, nil},
		{"number", `EventID: 4688`, []string{"4688"}, func(t *testing.T, f *ast.FieldMatch) {
			if f.Values[0].Kind != ast.ValNumber {
				t.Errorf("kind %s", f.Values[0].Kind)
			}
		}},
		{"quoted number is string", `EventID: '4688'`, []string{`"4688"`}, nil},
		{"number with contains is string", `EventID|contains: 46`, []string{`"*46*"`}, nil},
		{"bool", `Initiated: true`, []string{"true"}, nil},
		{"null", `User: null`, []string{"null"}, nil},
		{"empty list is null", `User: []`, []string{"null"}, nil},
		{"empty string", `User: ''`, []string{`""`}, nil},
		{"all", `CommandLine|contains|all: [a, b]`, []string{`"*a*"`, `"*b*"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.All {
				t.Error("All not set")
			}
		}},
		{"re flags", `A|re|i|m: '^a.b$'`, []string{"/^a.b$/im"}, nil},
		{"re startswith anchors", `A|re|startswith: 'a|b'`, []string{"/^(?:a|b)/"}, nil},
		{"base64", `A|base64: 'abc'`, []string{`"YWJj"`}, nil},
		{"base64offset", `A|base64offset|contains: 'abc'`, []string{`any("*YWJj*", "*FiY*", "*hYm*")`}, nil},
		{"wide base64", `A|wide|base64: 'ab'`, []string{`"YQBiAA=="`}, nil},
		{"utf16be base64", `A|utf16be|base64: 'ab'`, []string{`"AGEAYg=="`}, nil},
		{"utf16 bom base64", `A|utf16|base64: 'ab'`, []string{`"//5hAGIA"`}, nil},
		{"windash", `A|windash|contains: ' -x'`, []string{"any(\"* -x*\", \"* /x*\", \"* \u2013x*\", \"* \u2014x*\", \"* \u2015x*\")"}, nil},
		{"windash skips inner dash", `A|windash: 'a-b'`, []string{`"a-b"`}, nil},
		{"cidr", `Ip|cidr: '10.0.0.0/8'`, []string{"10.0.0.0/8"}, nil},
		{"cidr v6", `Ip|cidr: 'fd00::/8'`, []string{"fd00::/8"}, nil},
		{"cidr bare ip", `Ip|cidr: '10.1.2.3'`, []string{"10.1.2.3/32"}, nil},
		{"gte", `Port|gte: 1024`, []string{"gte 1024"}, nil},
		{"exists", `A|exists: false`, []string{"false"}, func(t *testing.T, f *ast.FieldMatch) {
			if f.Values[0].Kind != ast.ValExists {
				t.Errorf("kind %s", f.Values[0].Kind)
			}
		}},
		{"fieldref", `ParentImage|fieldref: Image`, []string{"field(Image)"}, nil},
		{"fieldref endswith", `ParentImage|fieldref|endswith: Image`, []string{"field(Image)"}, func(t *testing.T, f *ast.FieldMatch) {
			if f.Values[0].RefMatch != "endswith" {
				t.Errorf("RefMatch %q", f.Values[0].RefMatch)
			}
		}},
		{"expand", `User|expand: '%Admins%'`, []string{`"%Admins%"`}, func(t *testing.T, f *ast.FieldMatch) {
			if f.Values[0].Parts[0].Kind != ast.PartPlaceholder {
				t.Errorf("parts %+v", f.Values[0].Parts)
			}
		}},
		{"percent without expand is literal", `User: '%Admins%'`, []string{`"%Admins%"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.Values[0].IsPlain() {
				t.Errorf("parts %+v", f.Values[0].Parts)
			}
		}},
		{"neq", `A|neq: [x, y]`, []string{`"x"`, `"y"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.Negate {
				t.Error("Negate not set")
			}
		}},
		{"cased", `A|cased: X`, []string{`"X"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.Cased {
				t.Error("Cased not set")
			}
		}},
		{"hour gte", `Time|hour|gte: 22`, []string{"gte 22"}, func(t *testing.T, f *ast.FieldMatch) {
			if f.TimePart != "hour" {
				t.Errorf("TimePart %q", f.TimePart)
			}
		}},
		{"keyword all", `"|all": [a, b]`, []string{`"a"`, `"b"`}, func(t *testing.T, f *ast.FieldMatch) {
			if !f.IsKeyword() || !f.All {
				t.Errorf("%+v", f)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, diags := loadOne(t, ruleWith("    sel:\n        "+tc.item+"\n    condition: sel\n"))
			if diags.HasErrors() || r == nil {
				t.Fatalf("diagnostics: %v", diags)
			}
			fm := firstItem(t, r)
			var got []string
			for i := range fm.Values {
				got = append(got, fm.Values[i].String())
			}
			if strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
				t.Errorf("values = %q, want %q", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, fm)
			}
		})
	}
}

func TestModifierErrors(t *testing.T) {
	tests := []struct {
		item      string
		line, col int
		msg       string
	}{
		{`A|foo: x`, 6, 11, `unknown modifier "foo"`},
		{`A|contains|contains: x`, 6, 20, "given twice"},
		{`A|contains|re: x`, 6, 20, "must come before"},
		{`A|i: x`, 6, 11, "needs the re modifier"},
		{`A|contains|base64: x`, 6, 20, "cannot encode a value with wildcards"},
		{`A|cidr: '10.0.0.1/8'`, 6, 17, "host bits"},
		{`A|cidr: 'nope'`, 6, 17, "invalid CIDR"},
		{`A|gt: abc`, 6, 15, "needs a number"},
		{`A|exists: 'yes'`, 6, 19, "exists needs true or false"},
		{`A|re|cased: x`, 6, 9, "cased cannot be combined"},
		{`A|contains: null`, 6, 21, "null cannot be used"},
		{`A|cidr|contains: '10.0.0.0/8'`, 6, 16, "cannot follow"},
		{`A||b: x`, 6, 11, "empty modifier"},
		{`A: {b: c}`, 6, 12, "must be a scalar or a list"},
		{`A|windash: '-a -b -c -d -e -f'`, 6, 11, "more than 4096 variants"},
	}
	for _, tc := range tests {
		t.Run(tc.item, func(t *testing.T) {
			_, diags := loadOne(t, ruleWith("    sel:\n        "+tc.item+"\n    condition: sel\n"))
			for _, d := range diags {
				if d.Severity == ast.SeverityError && strings.Contains(d.Message, tc.msg) {
					if d.Pos.Line != tc.line || d.Pos.Col != tc.col {
						t.Errorf("%q at %d:%d, want %d:%d", d.Message, d.Pos.Line, d.Pos.Col, tc.line, tc.col)
					}
					return
				}
			}
			t.Errorf("no error containing %q in %v", tc.msg, diags)
		})
	}
}

func TestRuleErrorsContinue(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a_good.yml", ruleWith("    sel:\n        A: x\n    condition: sel\n"))
	write("b_bad_yaml.yml", "title: [unclosed\n")
	write("c_bad_cond.yml", ruleWith("    sel:\n        A: x\n    condition: sel and\n"))
	write("d_undefined.yml", ruleWith("    sel:\n        A: x\n    condition: sel and other\n"))
	write("e_good.yaml", ruleWith("    sel:\n        A: y\n    condition: sel\n"))
	write("f_not_rule.txt", "ignored")
	res := Load([]string{dir}, Options{})
	if len(res.Rules) != 2 || res.Files != 5 {
		t.Fatalf("rules=%d files=%d, want 2 rules from 5 files", len(res.Rules), res.Files)
	}
	want := []string{"b_bad_yaml.yml:1:1: error: invalid YAML", "c_bad_cond.yml:7:23: error: invalid condition", "d_undefined.yml:7:24: error: condition references undefined search identifier \"other\""}
	var got []string
	for _, d := range res.Diagnostics {
		got = append(got, strings.TrimPrefix(d.Error(), dir+string(filepath.Separator)))
	}
	for i, w := range want {
		if i >= len(got) || !strings.HasPrefix(got[i], w) {
			t.Errorf("diagnostic %d = %q, want prefix %q (all: %q)", i, got, w, got)
		}
	}
	if len(res.FailedFiles) != 3 {
		t.Errorf("failed files = %v", res.FailedFiles)
	}
}

func TestStructureErrors(t *testing.T) {
	tests := []struct {
		src, msg string
	}{
		{"title: t\ndetection:\n    sel: {a: b}\n    condition: sel\n", "no logsource"},
		{"logsource: {product: x}\ndetection:\n    sel: {a: b}\n    condition: sel\n", "no title"},
		{"title: t\nlogsource: {product: x}\ndetection:\n    sel: {a: b}\n", "no condition"},
		{"title: t\nlogsource: {product: x}\n", "no detection, correlation or filter"},
		{"title: t\ntitle: u\nlogsource: {product: x}\ndetection: {s: {a: b}, condition: s}\n", "duplicate key"},
		{"title: t\ntags: {a: b}\nlogsource: {product: x}\ndetection: {s: {a: b}, condition: s}\n", "tags must be a list"},
		{"title: t\ncorrelation: {type: nope, rules: [a], timespan: 1h, condition: {gte: 1}}\n", "unknown correlation type"},
		{"title: t\ncorrelation: {type: event_count, rules: [a], timespan: 1.5h, condition: {gte: 1}}\n", "whole number"},
		{"title: t\ncorrelation: {type: event_count, rules: [a], timespan: 1h}\n", "has no condition"},
		{"title: t\ncorrelation: {type: value_count, rules: [a], timespan: 1h, condition: {gte: 1}}\n", "needs a field"},
		{"title: t\ncorrelation: {type: event_count, rules: [a], timespan: 1h, condition: {between: 1}}\n", "unknown correlation condition operator"},
		{"action: repeat\ntitle: t\n", "repeat without a previous rule"},
		{"action: frobnicate\ntitle: t\n", "unknown collection action"},
		{"\x00", "NUL bytes"},
	}
	for _, tc := range tests {
		_, diags := loadOne(t, tc.src)
		found := false
		for _, d := range diags {
			if strings.Contains(d.Message, tc.msg) && d.Severity == ast.SeverityError {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: no error containing %q in %v", tc.src, tc.msg, diags)
		}
	}
}

func TestCorrelationAndFilterResolution(t *testing.T) {
	res := Load([]string{"../corpus/rules"}, Options{})
	if len(res.FailedFiles) > 0 {
		t.Fatalf("corpus failed: %v", res.Diagnostics)
	}
	byTitle := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		byTitle[r.Title] = r
	}
	chain := byTitle["Multiple Failed Logins Followed By A Success"].Correlation
	if chain.Type != ast.TemporalOrdered || chain.Timespan != 10*time.Minute || chain.Rules[0].ID != "a8418a5a-5fc4-46b5-b23b-6c73beb19d41" {
		t.Errorf("chain = %+v", chain)
	}
	if c := chain.Condition; len(c) != 1 || c[0].Op != ast.OpGTE || c[0].Value != 2 {
		t.Errorf("temporal default condition = %+v", c)
	}
	vc := byTitle["One Source Logging Into Many Hosts"].Correlation
	if vc.Rules[0].ID != "4d0a2c83-c62c-4ed4-b475-c7e23a9269b8" || !strings.HasSuffix(vc.Rules[0].File, "mr_failed_logins_then_success.yml") {
		t.Errorf("cross-file reference not resolved: %+v", vc.Rules[0])
	}
	whoami := byTitle["Whoami Execution"]
	if got := whoami.Detection.Condition.String(); got != "selection_img and not filter_main_system and not _filt1_selection" {
		t.Errorf("filtered condition = %q", got)
	}
	legacy := 0
	for _, r := range res.Rules {
		if r.Title == "Legacy Collection Rule" {
			legacy++
			if r.Logsource.Service != "system" || r.Detection.Search("selection") == nil {
				t.Errorf("global not merged: %+v", r)
			}
		}
	}
	if legacy != 2 {
		t.Errorf("legacy collection gave %d rules, want 2", legacy)
	}
}

func TestConditionPositions(t *testing.T) {
	for _, tc := range []struct {
		cond      string
		line, col int
	}{
		{"condition: sel and nope", 7, 24},
		{"condition: 'sel and nope'", 7, 25},
		{"condition: |\n        sel and\n        nope", 9, 9},
		{"condition: |\n        sel and\n          nope", 9, 11},
	} {
		_, diags := loadOne(t, ruleWith("    sel:\n        A: x\n    "+tc.cond+"\n"))
		if len(diags) == 0 || diags[0].Pos.Line != tc.line || diags[0].Pos.Col != tc.col {
			t.Errorf("%q: diagnostics %v, want %d:%d", tc.cond, diags, tc.line, tc.col)
		}
	}
}

// TestGoldenIR compares `rulec ir` JSON of the corpus with golden/ir (regenerate with -update).
func TestGoldenIR(t *testing.T) {
	res := Load([]string{"../corpus/rules"}, Options{})
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	for _, r := range res.Rules {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.ReplaceAll(b.String(), "../corpus/", "corpus/")
	golden := filepath.Join("..", "golden", "ir", "corpus.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./frontend -update)", err)
	}
	if string(want) != got {
		t.Errorf("IR differs from %s; run go test ./frontend -update and review the diff", golden)
	}
}

func TestFolderWalkSkipsDotFiles(t *testing.T) {
	dir := t.TempDir()
	rule := ruleWith("    sel:\n        A: x\n    condition: sel\n")
	os.WriteFile(filepath.Join(dir, ".rulec.yml"), []byte("checks: {}\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "x.yml"), []byte(rule), 0o644)
	os.WriteFile(filepath.Join(dir, "r.yml"), []byte(rule), 0o644)
	res := Load([]string{dir}, Options{})
	if res.Files != 1 || len(res.Rules) != 1 || len(res.Diagnostics) != 0 {
		t.Errorf("files=%d rules=%d diags=%v", res.Files, len(res.Rules), res.Diagnostics)
	}
}
