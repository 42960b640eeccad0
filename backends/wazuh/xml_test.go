package wazuh

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestWriteXML(t *testing.T) {
	rules := []XMLRule{{
		ID: 100000, Level: 12, IfSID: []int{61603},
		Fields:      []XMLField{{Name: "win.eventdata.image", Pattern: `(?i)\\\\certutil\.exe\z`}, {Name: "win.eventdata.user", Pattern: `(?i)^nt authority`, Negate: true}},
		Description: cleanText("Certutil <download> & \"more\" $(x)"),
		Mitre:       []string{"T1105"},
		Info:        []XMLInfo{{Type: "link", Text: cleanLink("https://x.test/?a=1&b=<2>")}},
		Groups:      []string{"sigma", cleanGroup("attack.t1105,x y")},
		NoFullLog:   true,
		Comment:     "rule -- with !> comment",
	}}
	out, err := WriteXML("header", "sigma,", rules)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`<group name="sigma,">`,
		`<rule id="100000" level="12">`,
		`<if_sid>61603</if_sid>`,
		`<field name="win.eventdata.image" type="pcre2">(?i)\\\\certutil\.exe\z</field>`,
		`<field name="win.eventdata.user" type="pcre2" negate="yes">(?i)^nt authority</field>`,
		`<description>Certutil (download) and "more" $ (x)</description>`,
		`<mitre>`, `<id>T1105</id>`,
		`<info type="link">https://x.test/?a=1%26b=%3C2%3E</info>`,
		`<group>sigma,attack.t1105_x_y,</group>`,
		`<options>no_full_log</options>`,
		`<!-- rule - with !_ comment -->`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in\n%s", want, s)
		}
	}
	if strings.Contains(s, "&") {
		t.Errorf("entity in output:\n%s", s)
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed: %v", err)
			}
			break
		}
	}
	if _, err := WriteXML("", "sigma,", []XMLRule{{ID: 1, Level: 3, Description: "a<b"}}); err == nil {
		t.Error("a raw < in text must be refused")
	}
	if _, err := WriteXML("", "sigma,", []XMLRule{{ID: 1, Level: 17, Description: "x"}}); err == nil {
		t.Error("level 17 must be refused")
	}
}
