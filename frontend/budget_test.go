package frontend

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
)

// windashRule is a rule with n windash|contains values of five flags each
// (5^5 = 3,125 variants per value, under the 4,096 per-value bound).
func windashRule(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "title: %s\nlogsource:\n    product: windows\ndetection:\n    sel:\n        CommandLine|windash|contains:\n", title)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "            - ' -a%d -b -c -d -e'\n", i)
	}
	b.WriteString("    condition: sel\n")
	return b.String()
}

func writeRules(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// allocated runs fn and returns the bytes it allocated.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 12: 1,000 windash|contains values expanded to 3.1 million variants (ir 2.9 GB).
// The per-rule budget stops the rule at the value that crosses it, before its variants
// are built; the other file loads.
func TestRuleExpansionBudget(t *testing.T) {
	dir := writeRules(t, map[string]string{
		"bomb.yml": windashRule("bomb", 1000),
		"good.yml": windashRule("good", 1),
	})
	var res *Result
	bytes := allocated(func() { res = Load([]string{dir}, Options{}) })
	var budget []ast.Diagnostic
	for _, d := range res.Diagnostics {
		if d.Code == "modifier" && strings.Contains(d.Message, "expansion budget") {
			budget = append(budget, d)
		}
	}
	if len(budget) != 1 {
		t.Fatalf("want one budget diagnostic, got %v", res.Diagnostics)
	}
	d := budget[0]
	// 3 values of 3,125 fit in 10,000; the 4th (line 10) crosses it.
	if filepath.Base(d.Pos.File) != "bomb.yml" || d.Pos.Line != 10 || d.Pos.Col != 15 ||
		!strings.Contains(d.Message, "per-rule expansion budget") || !strings.Contains(d.Message, "10000") {
		t.Errorf("diagnostic %s: %s", d.Pos, d.Message)
	}
	if len(res.Rules) != 1 || res.Rules[0].Title != "good" {
		t.Errorf("rules loaded: %d, want the good one", len(res.Rules))
	}
	// Before: 3.1 million variants (gigabytes). After: a few variants' worth.
	t.Logf("1,000 windash values: %d KB allocated", bytes>>10)
	if bytes > 64<<20 {
		t.Errorf("loading allocated %d MB, want under 64 MB", bytes>>20)
	}
}

// The load budget is shared by all files: once spent, further expanding rules fail
// with a diagnostic naming it; rules without expansions still load.
func TestLoadExpansionBudget(t *testing.T) {
	files := map[string]string{"plain.yml": ruleWith("    sel:\n        A: x\n    condition: sel\n")}
	for i := 0; i < 10; i++ {
		files[fmt.Sprintf("r%02d.yml", i)] = windashRule(fmt.Sprintf("r%d", i), 2) // 6,250 variants each
	}
	dir := writeRules(t, files)
	res := Load([]string{dir}, Options{MaxLoadVariants: 20000, Workers: 1})
	failed := 0
	for _, d := range res.Diagnostics {
		if d.Code == "modifier" && strings.Contains(d.Message, "expansion budget") {
			failed++
			if !strings.Contains(d.Message, "per-load expansion budget") || !strings.Contains(d.Message, "20000") || d.Pos.Line == 0 {
				t.Errorf("diagnostic %s: %s", d.Pos, d.Message)
			}
		}
	}
	// 3 rules of 6,250 fit in 20,000.
	if failed != 7 || len(res.Rules) != 4 {
		t.Errorf("%d rules failed the budget and %d loaded, want 7 and 4: %v", failed, len(res.Rules), res.Diagnostics)
	}
	// A tighter per-rule budget is honoured too.
	res = Load([]string{dir}, Options{MaxRuleVariants: 5000})
	if len(res.Rules) != 1 {
		t.Errorf("MaxRuleVariants 5000: %d rules loaded, want 1", len(res.Rules))
	}
}
