package gogen

import (
	"bytes"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine/abi"
)

// TestValueFormsAgainstInterpreter generates a package from testdata/forms
// (every value form, condition form and logsource shape) and checks that it
// agrees with the interpreter on testdata/forms/events.jsonl and on events
// generated from each rule, rule by rule and through the index.
func TestValueFormsAgainstInterpreter(t *testing.T) {
	rules, _ := filepath.Abs("testdata/forms")
	res, out := runDriver(t, "forms", rules, filepath.Join(rules, "events.jsonl"), Options{})
	t.Logf("%d rules, %d predicates (%d memoized), %d indexed; diagnostics %v", res.Rules, res.Predicates, res.Memoized, res.Indexed, res.Diagnostics)
	if !strings.Contains(out, "--- PASS") {
		t.Fatalf("driver did not pass:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "RESULT") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// TestProfileAndNoLogsource runs the value forms again under a custom profile
// (placeholder values, a logsource with renames where the first present field
// wins) and with every logsource ignored.
func TestProfileAndNoLogsource(t *testing.T) {
	rules, _ := filepath.Abs("testdata/forms")
	profile, _ := filepath.Abs("testdata/profile.yml")
	events := filepath.Join(rules, "events.jsonl")
	_, out := runDriver(t, "profile", rules, events, Options{}, profile)
	if !strings.Contains(out, "--- PASS") {
		t.Fatalf("driver did not pass:\n%s", out)
	}
	_, out = runDriver(t, "nologsource", rules, events, Options{IgnoreLogsource: true})
	if !strings.Contains(out, "--- PASS") {
		t.Fatalf("driver did not pass:\n%s", out)
	}
}

// TestHostileStrings generates a package from a rule whose every string tries
// to break out of Go literals and comments (quotes, backquotes, newlines, */,
// Unicode line separators, NUL, bytes that are not UTF-8, a hostile folder
// name) and checks that the package vets, builds, imports only what generated
// code may import, and that every string round-trips (the driver compares the
// metadata with the AST). The committed folder name is one every platform
// and module zip accepts; where the file system allows, the test runs on a
// copy whose folder name also has a '*' (for "*/").
func TestHostileStrings(t *testing.T) {
	rules, _ := filepath.Abs("testdata/hostile")
	if runtime.GOOS != "windows" {
		data, err := os.ReadFile(filepath.Join(rules, "we ird-Folder_test", "hostile.yml"))
		if err != nil {
			t.Fatal(err)
		}
		rules = filepath.Join(t.TempDir(), "hostile")
		dir := filepath.Join(rules, "we ird-Folder*_test")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hostile.yml"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, _ := runDriver(t, "hostile", rules, "", Options{})
	if res.Rules != 1 {
		t.Fatalf("%d rules compiled, want 1: %v", res.Rules, res.Diagnostics)
	}
	allowed := map[string]bool{"strings": true, "regexp": true, "net/netip": true, "math": true, "sync": true,
		"github.com/rulec/rulec/engine/abi": true,
		// detector_gen.go: the Detector (a detect.Detector).
		"context": true, "github.com/rulec/rulec/ast": true, "github.com/rulec/rulec/engine/correlation": true,
		"github.com/rulec/rulec/engine/detection": true}
	fset := token.NewFileSet()
	for _, f := range res.Files {
		if strings.HasSuffix(f.Name, "_test.go") || !strings.HasSuffix(f.Name, "_gen.go") || strings.ContainsAny(f.Name, " */\\") {
			t.Errorf("bad file name %q", f.Name)
		}
		file, err := parser.ParseFile(fset, f.Name, f.Data, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); !allowed[p] {
				t.Errorf("%s imports %s", f.Name, p)
			}
		}
		for _, cg := range file.Comments {
			for _, c := range cg.List {
				if strings.ContainsAny(c.Text, "\n\r\u2028\u2029") || strings.HasPrefix(c.Text, "//go:") || strings.HasPrefix(c.Text, "/*") {
					t.Errorf("%s: unsafe comment %q", f.Name, c.Text)
				}
			}
		}
		if !bytes.HasPrefix(f.Data, []byte(Header+"\n")) {
			t.Errorf("%s lacks the generated-code header", f.Name)
		}
	}
}

// TestDeterministic generates the same package twice (map iteration differs
// between runs) and from another working directory: the bytes must be equal.
func TestDeterministic(t *testing.T) {
	dir, _ := filepath.Abs("testdata/forms")
	gen := func() []File {
		res, _, err := GeneratePaths([]string{dir}, Options{Package: "forms", BaseDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		return res.Files
	}
	a := gen()
	for k := 0; k < 3; k++ {
		b := gen()
		if len(a) != len(b) {
			t.Fatalf("%d files, then %d", len(a), len(b))
		}
		for i := range a {
			if a[i].Name != b[i].Name || !bytes.Equal(a[i].Data, b[i].Data) {
				t.Fatalf("%s differs between runs", a[i].Name)
			}
		}
	}
	t.Chdir(t.TempDir())
	b := gen()
	for i := range a {
		if !bytes.Equal(a[i].Data, b[i].Data) {
			t.Fatalf("%s differs with another working directory", a[i].Name)
		}
	}
}

func TestBadPackageName(t *testing.T) {
	for _, name := range []string{"", "main", "_", "1x", "a-b", "a b", "type"} {
		if _, err := Generate(nil, Options{Package: name}); err == nil {
			t.Errorf("package name %q accepted", name)
		}
	}
}

func TestExprRender(t *testing.T) {
	p := func(i int32) *abi.Expr { return &abi.Expr{Op: abi.ExprTest, Test: i} }
	and := func(a ...*abi.Expr) *abi.Expr { return &abi.Expr{Op: abi.ExprAnd, Args: a} }
	or := func(a ...*abi.Expr) *abi.Expr { return &abi.Expr{Op: abi.ExprOr, Args: a} }
	not := func(a *abi.Expr) *abi.Expr { return &abi.Expr{Op: abi.ExprNot, Args: []*abi.Expr{a}} }
	tests := []struct {
		e    *abi.Expr
		want string
	}{
		{and(p(1), or(p(2), p(3)), not(and(p(4), p(5)))), "s.Test(1) && (s.Test(2) || s.Test(3)) && !(s.Test(4) && s.Test(5))"},
		{&abi.Expr{Op: abi.ExprTrue}, "true"},
		{&abi.Expr{Op: abi.ExprFalse}, "false"},
		{not(not(p(1))), "!(!s.Test(1))"},
		{not(or(p(1), p(2))), "!(s.Test(1) || s.Test(2))"},
	}
	for _, tc := range tests {
		w := &funcWriter{prefix: "h"}
		if got := w.render(tc.e); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	var many, mixed []*abi.Expr
	for i := int32(0); i < 40; i++ {
		many = append(many, p(i))
		mixed = append(mixed, and(p(i), p(i+100)))
	}
	w := &funcWriter{prefix: "r"}
	if got := w.render(not(or(many...))); got != "!s.AnyTest(rt0)" || len(w.tables) != 1 || len(w.helpers) != 0 {
		t.Errorf("long list of tests: %q, %d tables, %d helpers", got, len(w.tables), len(w.helpers))
	}
	w = &funcWriter{prefix: "r"}
	if got := w.render(and(p(1), or(p(2), p(3), p(4), p(5), p(6), p(7)))); got != "s.Test(1) && s.AnyTest(rt0)" {
		t.Errorf("run of tests: %q", got)
	}
	w = &funcWriter{prefix: "r"}
	if got := w.render(not(or(mixed...))); got != "!rh0(s)" || len(w.helpers) != 1 {
		t.Errorf("long list: %q, %d helpers", got, len(w.helpers))
	}
}
