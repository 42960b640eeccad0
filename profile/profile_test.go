package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedProfiles: every profile shipped with rulec (the built-in engine and Wazuh
// sections, the examples, the test profiles) validates against profile.schema.json.
func TestShippedProfiles(t *testing.T) {
	paths := []string{"../engine/profiles/default.yml", "../backends/wazuh/profile.yml", "../backends/gogen/testdata/profile.yml"}
	ex, _ := filepath.Glob("../examples/profiles/*.yml")
	if len(ex) == 0 {
		t.Error("no example profile")
	}
	for _, p := range append(paths, ex...) {
		f, err := Load(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if f.Engine == nil && f.Wazuh == nil && len(f.Placeholders) == 0 {
			t.Errorf("%s: nothing read", p)
		}
	}
	f, err := Load("../examples/profiles/site.yml")
	if err != nil || f.Name != "example-site" || f.Extends != "default" || len(f.Placeholders["dc_machine_accounts"]) != 2 {
		t.Errorf("site.yml: %+v %v", f, err)
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"fieldset: {}\n", `p.yml:1:1: unknown key "fieldset" in the profile (known: description, engine, extends, name, placeholders, wazuh)`},
		{"wazuh:\n  fieldset: {}\n", `p.yml:2:3: unknown key "fieldset" in wazuh; did you mean "fieldsets"?`},
		{"wazuh:\n  logsources:\n    - name: x\n      fieldsett: y\n", `p.yml:4:7: unknown key "fieldsett" in wazuh.logsources[0]; did you mean "fieldset"?`},
		{"wazuh:\n  levels: {high: 20}\n", "p.yml:2:18: wazuh.levels.high must be at most 16, found 20"},
		{"wazuh:\n  levels: {high: x}\n", "p.yml:2:18: wazuh.levels.high must be a whole number, found text"},
		{"wazuh:\n  logsources:\n    - product: x\n", "p.yml:3:7: wazuh.logsources[0] needs name"},
		{"wazuh:\n  fieldsets:\n    f: {encoding: xml}\n", `p.yml:3:19: wazuh.fieldsets.f.encoding must be one of "plain", "json", "eventchannel", found xml`},
		{"placeholders:\n  a: b\n", "p.yml:2:6: placeholders.a must be a list, found text"},
		{"engine:\n  logsources:\n    - product: x\n      match:\n        - where: {a: {b: c}}\n", "p.yml:5:22: engine.logsources[0].match[0].where.a must be text, a number, true or false, empty or a list, found a map"},
		{"extends: base\n", `p.yml:1:10: extends must be one of "default", "none", found base`},
		{"levels: {}\nlogsources:\n  - {name: a, if_sid: [1]}\n", "p.yml:1:1: levels belongs under wazuh:"},
		{"logsources:\n  - {name: a, if_sid: [1]}\n", "p.yml:1:1: logsources belongs under wazuh:"},
		{"name: [\n", "p.yml:1: invalid YAML"},
		{"- a\n", "p.yml:1:1: a profile is a map of keys"},
		{"name: a\nname: b\n", "p.yml:2:1: "},
	} {
		_, err := Parse([]byte(tc.src), "p.yml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v\nwant %q", tc.src, err, tc.want)
		}
	}
	// Several problems: all reported, in file order.
	_, err := Parse([]byte("wazuh:\n  levels: {high: 20}\n  bogus: 1\nname: [x]\n"), "p.yml")
	if err == nil || strings.Count(err.Error(), "\n") != 2 || !strings.HasPrefix(err.Error(), "p.yml:2:") {
		t.Errorf("several problems: %v", err)
	}
}

// TestAliasesAndMerge: YAML anchors, aliases and merge keys read as the YAML library reads them.
func TestAliasesAndMerge(t *testing.T) {
	src := `placeholders:
  dcs: &dcs [DC1, DC2]
  all_dcs: *dcs
wazuh:
  fieldsets:
    base: &base {encoding: json, default: "x.{field}"}
    derived:
      <<: *base
      keywords: log
`
	f, err := Parse([]byte(src), "p.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Placeholders["all_dcs"]; len(got) != 2 || got[1] != "DC2" {
		t.Errorf("alias: %v", got)
	}
	if Key(Key(f.Wazuh, "fieldsets"), "derived") == nil {
		t.Error("no derived fieldset")
	}
	if _, err := Parse([]byte("wazuh:\n  fieldsets:\n    d:\n      <<: {encodin: json}\n"), "p.yml"); err == nil {
		t.Error("unknown key inside a merge accepted")
	}
}

func TestLoadLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yml")
	os.WriteFile(big, []byte("name: x\n"+strings.Repeat("#", MaxSize)), 0o644)
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "none.yml")); err == nil {
		t.Error("missing file accepted")
	}
	if _, err := Load(dir); err == nil {
		t.Error("folder accepted")
	}
	if f, err := Parse(nil, "empty.yml"); err != nil || f.Extends != "default" {
		t.Errorf("empty: %+v %v", f, err)
	}
}
