package engine

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// loadRule parses a rule whose detection is given (indented by 4 spaces under detection:).
func loadRule(t testing.TB, detection string) *ast.Rule {
	t.Helper()
	src := "title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    product: test\ndetection:\n" + detection
	res := frontend.LoadBytes("t.yml", []byte(src))
	if res.Diagnostics.HasErrors() || len(res.Rules) != 1 {
		t.Fatalf("rule does not load: %v\n%s", res.Diagnostics, src)
	}
	return res.Rules[0]
}

// jsonEvent decodes a JSON object into a MapEvent (numbers as json.Number).
func jsonEvent(t testing.TB, s string) Event {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("bad event %s: %v", s, err)
	}
	return NewMapEvent(m)
}

func sel(body string) string {
	return "    sel:\n" + body + "    condition: sel\n"
}

func TestValueForms(t *testing.T) {
	tests := []struct {
		name  string
		det   string
		event string
		want  bool
	}{
		// Plain strings: case-insensitive equality.
		{"string eq", sel("        Image: 'C:\\Windows\\cmd.exe'\n"), `{"Image":"c:\\windows\\CMD.EXE"}`, true},
		{"string ne", sel("        Image: 'cmd.exe'\n"), `{"Image":"cmd.exe2"}`, false},
		{"missing field", sel("        Image: 'cmd.exe'\n"), `{"Other":"cmd.exe"}`, false},
		{"string on number field", sel("        EventID: '4688'\n"), `{"EventID":4688}`, true},
		{"string on bool field", sel("        Flag: 'TRUE'\n"), `{"Flag":true}`, true},
		{"list OR", sel("        Image:\n            - a\n            - b\n"), `{"Image":"B"}`, true},
		{"map AND", sel("        A: x\n        B: y\n"), `{"A":"x","B":"z"}`, false},
		{"list of maps OR", "    sel:\n        - A: x\n        - B: y\n    condition: sel\n", `{"A":"q","B":"Y"}`, true},
		{"cased", sel("        Image|cased: 'CMD'\n"), `{"Image":"cmd"}`, false},
		{"cased ok", sel("        Image|cased: 'CMD'\n"), `{"Image":"CMD"}`, true},
		{"cased contains", sel("        Image|contains|cased: 'MD'\n"), `{"Image":"xCMDx"}`, true},
		// Wildcards and escapes.
		{"star", sel("        Image: 'C:\\\\*\\cmd.exe'\n"), `{"Image":"c:\\windows\\system32\\cmd.exe"}`, true},
		{"backslash star is escaped star", sel("        Image: 'C:\\*\\cmd.exe'\n"), `{"Image":"c:\\windows\\cmd.exe"}`, false},
		{"backslash star literal", sel("        Image: 'C:\\*\\cmd.exe'\n"), `{"Image":"c:*\\cmd.exe"}`, true},
		{"question", sel("        Image: 'cm?.exe'\n"), `{"Image":"CMX.exe"}`, true},
		{"escaped star", sel("        Image: 'a\\*b'\n"), `{"Image":"a*b"}`, true},
		{"escaped star literal", sel("        Image: 'a\\*b'\n"), `{"Image":"axxb"}`, false},
		{"escaped question", sel("        Image: 'a\\?b'\n"), `{"Image":"axb"}`, false},
		{"backslash before star", sel("        Image: 'C:\\\\*'\n"), `{"Image":"c:\\temp"}`, true},
		{"plain backslash", sel("        Image: 'C:\\Temp'\n"), `{"Image":"c:\\temp"}`, true},
		{"contains", sel("        CommandLine|contains: ' -enc '\n"), `{"CommandLine":"powershell -ENC abc"}`, true},
		{"startswith", sel("        CommandLine|startswith: 'power'\n"), `{"CommandLine":"xpowershell"}`, false},
		{"endswith", sel("        Image|endswith: '\\cmd.exe'\n"), `{"Image":"C:\\x\\Cmd.Exe"}`, true},
		{"contains all", sel("        CommandLine|contains|all:\n            - a\n            - b\n"), `{"CommandLine":"xa"}`, false},
		{"contains all ok", sel("        CommandLine|contains|all:\n            - a\n            - b\n"), `{"CommandLine":"b a"}`, true},
		{"contains wildcard inside", sel("        CommandLine|contains: 'a*b'\n"), `{"CommandLine":"xxaqqbxx"}`, true},
		// Empty and null.
		{"empty matches empty", sel("        F: ''\n"), `{"F":""}`, true},
		{"empty not null", sel("        F: ''\n"), `{"F":null}`, false},
		{"empty not missing", sel("        F: ''\n"), `{}`, false},
		{"null missing", sel("        F: null\n"), `{}`, true},
		{"null json null", sel("        F: null\n"), `{"F":null}`, true},
		{"null not empty", sel("        F: null\n"), `{"F":""}`, false},
		// Numbers and booleans.
		{"number numeric", sel("        EventID: 4688\n"), `{"EventID":4688.0}`, true},
		{"number string form", sel("        EventID: 4688\n"), `{"EventID":"4688"}`, true},
		{"number string other", sel("        EventID: 4688\n"), `{"EventID":"04688"}`, false},
		{"number ne", sel("        EventID: 1\n"), `{"EventID":11}`, false},
		{"float", sel("        Score: 1.5\n"), `{"Score":1.50}`, true},
		{"bool", sel("        Flag: true\n"), `{"Flag":true}`, true},
		{"bool string", sel("        Flag: true\n"), `{"Flag":"True"}`, true},
		{"bool ne", sel("        Flag: false\n"), `{"Flag":true}`, false},
		// Regular expressions.
		{"re", sel("        CommandLine|re: 'a[0-9]+b'\n"), `{"CommandLine":"xxa123bxx"}`, true},
		{"re case-sensitive", sel("        CommandLine|re: 'ABC'\n"), `{"CommandLine":"abc"}`, false},
		{"re i", sel("        CommandLine|re|i: 'ABC'\n"), `{"CommandLine":"abc"}`, true},
		{"re m", sel("        CommandLine|re|m: '^b$'\n"), `{"CommandLine":"a\nb\nc"}`, true},
		{"re no m", sel("        CommandLine|re: '^b$'\n"), `{"CommandLine":"a\nb\nc"}`, false},
		{"re s", sel("        CommandLine|re|s: 'a.b'\n"), `{"CommandLine":"a\nb"}`, true},
		{"re no s", sel("        CommandLine|re: 'a.b'\n"), `{"CommandLine":"a\nb"}`, false},
		{"re on number", sel("        EventID|re: '^46'\n"), `{"EventID":4688}`, true},
		// CIDR.
		{"cidr v4", sel("        Ip|cidr: 10.0.0.0/8\n"), `{"Ip":"10.1.2.3"}`, true},
		{"cidr v4 out", sel("        Ip|cidr: 10.0.0.0/8\n"), `{"Ip":"11.1.2.3"}`, false},
		{"cidr v6", sel("        Ip|cidr: 'fe80::/10'\n"), `{"Ip":"FE80::1"}`, true},
		{"cidr v4 mapped", sel("        Ip|cidr: 10.0.0.0/8\n"), `{"Ip":"::ffff:10.0.0.1"}`, true},
		{"cidr garbage", sel("        Ip|cidr: 10.0.0.0/8\n"), `{"Ip":"-"}`, false},
		{"cidr list", sel("        Ip|cidr:\n            - 192.168.0.0/16\n            - 127.0.0.0/8\n"), `{"Ip":"127.0.0.1"}`, true},
		// Comparisons.
		{"gt", sel("        Size|gt: 10\n"), `{"Size":11}`, true},
		{"gt eq", sel("        Size|gt: 10\n"), `{"Size":10}`, false},
		{"gte", sel("        Size|gte: 10\n"), `{"Size":"10"}`, true},
		{"lt", sel("        Size|lt: 10\n"), `{"Size":-1.5}`, true},
		{"lte", sel("        Size|lte: 10\n"), `{"Size":10.5}`, false},
		{"compare text", sel("        Size|lt: 10\n"), `{"Size":"abc"}`, false},
		// exists.
		{"exists true", sel("        F|exists: true\n"), `{"F":null}`, true},
		{"exists true missing", sel("        F|exists: true\n"), `{}`, false},
		{"exists false", sel("        F|exists: false\n"), `{}`, true},
		{"exists empty", sel("        F|exists: true\n"), `{"F":""}`, true},
		// fieldref.
		{"fieldref", sel("        A|fieldref: B\n"), `{"A":"Admin","B":"admin"}`, true},
		{"fieldref ne", sel("        A|fieldref: B\n"), `{"A":"x","B":"y"}`, false},
		{"fieldref missing", sel("        A|fieldref: B\n"), `{"A":"x"}`, false},
		{"fieldref contains", sel("        A|fieldref|contains: B\n"), `{"A":"xxYxx","B":"y"}`, true},
		{"fieldref startswith", sel("        A|fieldref|startswith: B\n"), `{"A":"yxx","B":"y"}`, true},
		{"fieldref endswith", sel("        A|fieldref|endswith: B\n"), `{"A":"yxx","B":"y"}`, false},
		{"fieldref cased", sel("        A|fieldref|cased: B\n"), `{"A":"Admin","B":"admin"}`, false},
		{"fieldref numbers", sel("        A|fieldref: B\n"), `{"A":5,"B":"5"}`, true},
		// neq: NOT of the whole item.
		{"neq", sel("        A|neq: x\n"), `{"A":"y"}`, true},
		{"neq equal", sel("        A|neq: x\n"), `{"A":"X"}`, false},
		{"neq missing", sel("        A|neq: x\n"), `{}`, true},
		{"neq list", sel("        A|neq:\n            - x\n            - y\n"), `{"A":"y"}`, false},
		{"neq all", sel("        A|contains|all|neq:\n            - x\n            - y\n"), `{"A":"x"}`, true},
		{"neq all both", sel("        A|contains|all|neq:\n            - x\n            - y\n"), `{"A":"xy"}`, false},
		// Encodings and expansions.
		{"base64", sel("        A|base64: 'cmd'\n"), `{"A":"Y21k"}`, true},
		{"base64 case", sel("        A|base64|contains: 'cmd'\n"), `{"A":"xY21kx"}`, true},
		{"base64offset 0", sel("        A|base64offset|contains: 'http'\n"), `{"A":"aHR0cDovL2V4"}`, true},
		{"base64offset 1", sel("        A|base64offset|contains: 'http'\n"), `{"A":"IGh0dHA6Ly9l"}`, true},
		{"base64offset 2", sel("        A|base64offset|contains: 'http'\n"), `{"A":"ICBodHRwOi8v"}`, true},
		{"base64offset no", sel("        A|base64offset|contains: 'http'\n"), `{"A":"Zm9vYmFy"}`, false},
		{"utf16le", sel("        A|wide|base64offset|contains: 'ping'\n"), `{"A":"cABpAG4AZwA="}`, true},
		{"windash dash", sel("        CommandLine|windash|contains: ' -f '\n"), `{"CommandLine":"x /f y"}`, true},
		{"windash en dash", sel("        CommandLine|windash|contains: ' -f '\n"), `{"CommandLine":"x \u2013f y"}`, true},
		{"windash other", sel("        CommandLine|windash|contains: ' -f '\n"), `{"CommandLine":"x +f y"}`, false},
		// A placeholder without values (none in the default profile) matches nothing.
		{"expand without values", sel("        A|expand: '%dc%'\n"), `{"A":"anything"}`, false},
		{"expand without values negated", "    a:\n        A|expand: 'x%dc%y'\n    condition: not a\n", `{"A":"xqqy"}`, true},
		// Arrays: any element.
		{"array eq", sel("        Tags: b\n"), `{"Tags":["a","B"]}`, true},
		{"array none", sel("        Tags: c\n"), `{"Tags":["a","b"]}`, false},
		{"array number", sel("        Ports: 443\n"), `{"Ports":[80,443]}`, true},
		{"array all", sel("        Tags|all:\n            - a\n            - b\n"), `{"Tags":["a","b"]}`, true},
		{"array contains", sel("        Tags|contains: x\n"), `{"Tags":["a","bxb"]}`, true},
		{"array cidr", sel("        Ips|cidr: 10.0.0.0/8\n"), `{"Ips":["1.1.1.1","10.0.0.9"]}`, true},
		// Nested fields by dotted path.
		{"dotted", sel("        process.name: cmd.exe\n"), `{"process":{"name":"CMD.exe"}}`, true},
		{"dotted key", sel("        process.name: cmd.exe\n"), `{"process.name":"CMD.exe"}`, true},
		// Time modifiers.
		{"hour", sel("        Time|hour: 3\n"), `{"Time":"2024-05-06T03:04:05Z"}`, true},
		{"hour ne", sel("        Time|hour: 4\n"), `{"Time":"2024-05-06T03:04:05Z"}`, false},
		{"minute", sel("        Time|minute: 4\n"), `{"Time":"2024-05-06 03:04:05.123"}`, true},
		{"day", sel("        Time|day: 6\n"), `{"Time":"2024-05-06T03:04:05+02:00"}`, true},
		{"month", sel("        Time|month: 5\n"), `{"Time":"2024-05-06T03:04:05Z"}`, true},
		{"year", sel("        Time|year: 2024\n"), `{"Time":"2024-05-06T03:04:05Z"}`, true},
		{"week", sel("        Time|week: 19\n"), `{"Time":"2024-05-06T03:04:05Z"}`, true},
		{"hour gte", sel("        Time|hour|gte: 22\n"), `{"Time":"2024-05-06T23:04:05Z"}`, true},
		{"hour lt", sel("        Time|hour|lt: 6\n"), `{"Time":"2024-05-06T23:04:05Z"}`, false},
		{"time epoch", sel("        Time|year: 2024\n"), `{"Time":1715000000}`, true},
		{"time garbage", sel("        Time|year: 2024\n"), `{"Time":"yesterday"}`, false},
		// Keywords.
		{"keyword", "    keywords:\n        - 'mimikatz'\n    condition: keywords\n", `{"A":"run MimiKatz now","B":"x"}`, true},
		{"keyword none", "    keywords:\n        - 'mimikatz'\n    condition: keywords\n", `{"A":"run"}`, false},
		{"keyword wildcard", "    keywords:\n        - 'mimi*now'\n    condition: keywords\n", `{"A":"run MimiKatz now!"}`, true},
		{"keyword nested", "    keywords:\n        - 'deep'\n    condition: keywords\n", `{"a":{"b":["x","DEEPER"]}}`, true},
		{"keyword number", "    keywords:\n        - 4625\n    condition: keywords\n", `{"EventID":4625}`, true},
		{"keyword all", "    keywords:\n        '|all':\n            - 'a1'\n            - 'b2'\n    condition: keywords\n", `{"x":"a1","y":"b2"}`, true},
		{"keyword all one", "    keywords:\n        '|all':\n            - 'a1'\n            - 'b2'\n    condition: keywords\n", `{"x":"a1"}`, false},
		{"keyword re", "    keywords:\n        '|re': 'a[0-9]'\n    condition: keywords\n", `{"x":"qa5"}`, true},
		// Conditions.
		{"not", "    a:\n        A: x\n    condition: not a\n", `{"A":"y"}`, true},
		{"and not", "    a:\n        A: x\n    f:\n        B: y\n    condition: a and not f\n", `{"A":"x","B":"Y"}`, false},
		{"1 of", "    sel_a:\n        A: x\n    sel_b:\n        B: y\n    condition: 1 of sel_*\n", `{"B":"y"}`, true},
		{"all of", "    sel_a:\n        A: x\n    sel_b:\n        B: y\n    condition: all of sel_*\n", `{"B":"y"}`, false},
		{"all of them", "    sel_a:\n        A: x\n    sel_b:\n        B: y\n    condition: all of them\n", `{"A":"x","B":"y"}`, true},
		{"or paren", "    a:\n        A: x\n    b:\n        B: y\n    c:\n        C: z\n    condition: (a or b) and c\n", `{"B":"y","C":"z"}`, true},
		{"condition list", "    a:\n        A: x\n    b:\n        B: y\n    condition:\n        - a\n        - b\n", `{"B":"y"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := loadRule(t, tt.det)
			rs, diags := NewRuleset([]*ast.Rule{r}, Options{})
			if diags.HasErrors() || rs.Len() != 1 {
				t.Fatalf("compile: %v", diags)
			}
			ev := rs.NewEvaluator()
			got, err := ev.MatchRule(0, jsonEvent(t, tt.event))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("match = %v, want %v\nrule:\n%s\nevent: %s", got, tt.want, tt.det, tt.event)
			}
			// The multi-rule path (with the candidate index) must agree.
			m := ev.Match(jsonEvent(t, tt.event))
			if (len(m) == 1) != tt.want {
				t.Errorf("Ruleset.Match = %v, want %v", m, tt.want)
			}
		})
	}
}

// withoutLogsourceWarnings drops the unmapped-logsource warnings (the test rules' product: test).
func withoutLogsourceWarnings(ds ast.Diagnostics) ast.Diagnostics {
	var out ast.Diagnostics
	for _, d := range ds {
		if d.Code != "logsource" {
			out = append(out, d)
		}
	}
	return out
}

func TestPlaceholderWarning(t *testing.T) {
	r := loadRule(t, sel("        A|expand: '%admins%'\n"))
	rs, diags := NewRuleset([]*ast.Rule{r}, Options{})
	diags = withoutLogsourceWarnings(diags)
	if rs.Len() != 1 || len(diags) != 1 || diags[0].Severity != ast.SeverityWarning || diags[0].Pos.Line != 7 ||
		!strings.Contains(diags[0].Message, "%admins%") {
		t.Errorf("want one warning at t.yml:7 naming %%admins%%, got %v", diags)
	}
}

func TestFlatEvent(t *testing.T) {
	r := loadRule(t, sel("        EventID: 1\n        Image|endswith: '\\cmd.exe'\n        Hashes|contains: 'MD5=AB'\n"))
	rs, _ := NewRuleset([]*ast.Rule{r}, Options{})
	ev := NewFlatEvent(map[string]Value{
		"EventID": {Kind: KindNumber, S: "1", N: 1},
		"Image":   {Kind: KindString, S: `C:\Windows\System32\cmd.exe`},
		"Hashes":  {Kind: KindString, S: "SHA1=00,MD5=ab12"},
	})
	if m := rs.NewEvaluator().Match(ev); len(m) != 1 {
		t.Errorf("flat event not matched: %v", m)
	}
}

func TestBadRegexIsolated(t *testing.T) {
	bad := loadRule(t, sel("        A|re: '(?<=x)y'\n"))
	good := loadRule(t, sel("        A: y\n"))
	rs, diags := NewRuleset([]*ast.Rule{bad, good}, Options{})
	diags = withoutLogsourceWarnings(diags)
	if rs.Len() != 1 || len(diags) != 1 {
		t.Fatalf("want 1 rule and 1 diagnostic, got %d rules, %v", rs.Len(), diags)
	}
	d := diags[0]
	if d.Pos.File != "t.yml" || d.Pos.Line != 7 || d.Pos.Col == 0 || !strings.Contains(d.Message, "RE2") {
		t.Errorf("diagnostic %q does not name the value's position and the cause", d.Error())
	}
	if m := rs.NewEvaluator().Match(jsonEvent(t, `{"A":"y"}`)); len(m) != 1 {
		t.Errorf("good rule did not match: %v", m)
	}
}

// panicEvent panics on one field, to exercise rule isolation.
type panicEvent struct{ Event }

func (p panicEvent) Get(f string) (Value, bool) {
	if f == "Boom" {
		panic("boom")
	}
	return p.Event.Get(f)
}

func TestPanicIsolated(t *testing.T) {
	boom := loadRule(t, sel("        Boom|re: '.'\n"))
	ok := loadRule(t, sel("        A: y\n"))
	rs, _ := NewRuleset([]*ast.Rule{boom, ok}, Options{})
	ev := rs.NewEvaluator()
	for i := 0; i < 3; i++ {
		m := ev.Match(panicEvent{jsonEvent(t, `{"A":"y"}`)})
		if len(m) != 1 || m[0] != 1 {
			t.Fatalf("match = %v, want [1]", m)
		}
	}
	p := ev.Panics()
	if len(p) != 1 || p[0].Rule != 0 || p[0].Count != 3 {
		t.Errorf("panics = %+v", p)
	}
	// A panic while selecting candidates (here: the index reads Boom) skips that
	// logsource group for the event and is reported, without stopping the run.
	idx := loadRule(t, sel("        Boom: x\n"))
	rs, _ = NewRuleset([]*ast.Rule{idx}, Options{})
	ev = rs.NewEvaluator()
	if m := ev.Match(panicEvent{jsonEvent(t, `{"A":"y"}`)}); len(m) != 0 {
		t.Errorf("match = %v", m)
	}
	if p := ev.Panics(); len(p) != 1 || p[0].Rule != -1 {
		t.Errorf("panics = %+v", p)
	}
}

func TestMatchNoAllocs(t *testing.T) {
	r := loadRule(t, sel("        Image|endswith: '\\cmd.exe'\n        CommandLine|contains|all:\n            - '/c'\n            - 'whoami'\n"))
	rs, _ := NewRuleset([]*ast.Rule{r}, Options{})
	ev := NewFlatEvent(map[string]Value{
		"Image":       {Kind: KindString, S: `C:\Windows\System32\CMD.exe`},
		"CommandLine": {Kind: KindString, S: `cmd.exe /C WHOAMI`},
	})
	e := rs.NewEvaluator()
	e.Match(ev)
	allocs := testing.AllocsPerRun(100, func() {
		if len(e.Match(ev)) != 1 {
			t.Fatal("no match")
		}
	})
	if allocs != 0 {
		t.Errorf("Match allocates %v times per event", allocs)
	}
}

func TestDeterministicOrder(t *testing.T) {
	var rules []*ast.Rule
	var buf bytes.Buffer
	for i := 0; i < 30; i++ {
		buf.Reset()
		// Alternate indexed and non-indexed rules across two logsources.
		if i%2 == 0 {
			buf.WriteString(sel("        Image|endswith: '\\cmd.exe'\n"))
		} else {
			buf.WriteString(sel("        CommandLine|contains: 'x'\n"))
		}
		rules = append(rules, loadRule(t, buf.String()))
	}
	rs, _ := NewRuleset(rules, Options{})
	m := rs.NewEvaluator().Match(jsonEvent(t, `{"Image":"c:\\cmd.exe","CommandLine":"x"}`))
	if len(m) != 30 {
		t.Fatalf("matched %d, want 30", len(m))
	}
	for i, r := range m {
		if r != i {
			t.Fatalf("order %v", m)
		}
	}
}
