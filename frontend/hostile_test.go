package frontend

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

const plainRule = "title: %s\nlogsource:\n    product: windows\ndetection:\n    sel:\n        EventID: 1\n    condition: sel\n"

// Issue 12: YAML merge keys were rejected; they are alias uses, within the alias budget.
func TestMergeKeys(t *testing.T) {
	dir := writeRules(t, map[string]string{"m.yml": `title: merge
logsource:
    product: windows
detection:
    base: &base
        EventID: 4688
        Channel: Security
    sel:
        <<: *base
        CommandLine|contains: whoami
    sel2:
        <<: [*base]
        EventID: 1
    condition: sel or sel2
`})
	res := Load([]string{dir}, Options{})
	if res.Diagnostics.HasErrors() || len(res.Rules) != 1 {
		t.Fatalf("merge keys: %v", res.Diagnostics)
	}
	got := map[string][]string{}
	for _, s := range res.Rules[0].Detection.Searches {
		var b strings.Builder
		s.Body.Walk(func(fm *ast.FieldMatch) {
			fmt.Fprintf(&b, "%s=%s ", fm.Key, fm.Values[0].Raw)
		})
		got[s.Name] = strings.Fields(b.String())
	}
	want := map[string]string{
		"sel":  "EventID=4688 Channel=Security CommandLine|contains=whoami",
		"sel2": "Channel=Security EventID=1",
	}
	for name, w := range want {
		if strings.Join(got[name], " ") != w {
			t.Errorf("%s: got %v, want %s", name, got[name], w)
		}
	}
}

// Issue 12: 100,000 plain keys were called an alias bomb; only alias expansions count.
func TestManyKeysAreNoAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("title: many keys\nlogsource:\n    product: windows\ncustom:\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "    k%d: v\n", i)
	}
	b.WriteString("detection:\n    sel:\n        EventID: 1\n    condition: sel\n")
	res := Load([]string{writeRules(t, map[string]string{"keys.yml": b.String()})}, Options{})
	if res.Diagnostics.HasErrors() || len(res.Rules) != 1 {
		t.Fatalf("100,000 keys: %v", res.Diagnostics)
	}
	// A real bomb still is one: 9 levels of 9 aliases are 9^9 nodes.
	var bomb strings.Builder
	bomb.WriteString("title: bomb\nlogsource:\n    product: windows\nx0: &a0 [v]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&bomb, "x%d: &a%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				bomb.WriteString(", ")
			}
			fmt.Fprintf(&bomb, "*a%d", i-1)
		}
		bomb.WriteString("]\n")
	}
	bomb.WriteString("detection:\n    sel:\n        EventID: 1\n    condition: sel\n")
	res = Load([]string{writeRules(t, map[string]string{"bomb.yml": bomb.String()})}, Options{})
	if !strings.Contains(diagText(res.Diagnostics), "alias bomb") {
		t.Fatalf("bomb not reported: %v", res.Diagnostics)
	}
}

// A condition of 300,000 nested parentheses (a 600 KB rule) overflowed the
// condition parser's stack, a fatal error that no recover catches; it is an
// error at the token past the nesting limit.
func TestDeepConditionIsAnError(t *testing.T) {
	n := 300000
	rule := "title: deep\nlogsource:\n    product: windows\ndetection:\n    a:\n        x: 1\n    condition: \"" +
		strings.Repeat("(", n) + "a" + strings.Repeat(")", n) + "\"\n"
	res := Load([]string{writeRules(t, map[string]string{"deep.yml": rule})}, Options{})
	if got := diagText(res.Diagnostics); !strings.Contains(got, "deep.yml:7:1017: error: condition nested more than 1000 levels deep") {
		t.Errorf("diagnostics: %.300s", got)
	}
}

// Issue 12: symbolic links to rule files and folders were skipped silently. They
// are followed; a cycle is walked once with a warning; a file is loaded once.
func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "a.yml"), []byte(fmt.Sprintf(plainRule, "a")), 0o644); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "b.yml"), []byte(fmt.Sprintf(plainRule, "b")), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"d/linked":   "../real",                     // a folder link to a folder also walked
		"real/loop":  "..",                          // a cycle
		"b-link.yml": filepath.Join(other, "b.yml"), // a file link out of the tree
		"other":      other,                         // the same file through a folder link
		"broken.yml": "nowhere.yml",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	res := Load([]string{dir}, Options{})
	var titles []string
	for _, r := range res.Rules {
		titles = append(titles, r.Title)
	}
	if strings.Join(titles, ",") != "b,a" && strings.Join(titles, ",") != "a,b" {
		t.Errorf("rules %v, want a and b once each", titles)
	}
	s := diagText(res.Diagnostics)
	for _, want := range []string{"broken.yml: warning: broken symbolic link", "already read as"} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in %s", want, s)
		}
	}
	if res.Diagnostics.HasErrors() {
		t.Errorf("errors: %s", s)
	}
}

func diagText(ds ast.Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Error() + "\n")
	}
	return b.String()
}
