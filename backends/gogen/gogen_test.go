package gogen

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/abi"
	"github.com/rulec/rulec/internal/gentest"
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

// TestShapes checks the generation-time pattern shapes against engine.Pattern (the
// index clauses of the same patterns are checked in engine, TestStringClauseNecessary)
// and the Sigma rendering of patterns against engine.ParseSigmaString.
func TestShapes(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	texts := gentest.PatternTexts()
	for round := 0; round < 3000; round++ {
		parts := gentest.RandomPattern(rng)
		back := engine.ParseSigmaString(sigmaString(parts))
		norm := func(ps []ast.StringPart) string { return fmt.Sprint(normalizeParts(ps)) }
		if norm(back) != norm(parts) {
			t.Fatalf("sigmaString(%v) = %q reads back as %v", parts, sigmaString(parts), back)
		}
		for _, cased := range []bool{false, true} {
			p := engine.CompilePattern(parts, cased)
			sh := normalize(parts, cased)
			for _, text := range texts {
				want := p.Match(text)
				var got bool
				if sh.glob {
					got = engine.CompilePattern(engine.ParseSigmaString(sigmaString(parts)), cased).Match(text)
				} else {
					in := text
					if !cased {
						in = engine.Lower(text)
					}
					got = abi.MatchStrOp(sh.op, in, sh.a, sh.b)
				}
				if got != want {
					t.Fatalf("parts %v cased %v text %q: shape %+v gives %v, engine %v", parts, cased, text, sh, got, want)
				}
			}
		}
	}
}

// normalizeParts merges adjacent literals and drops empty ones, for comparing part lists.
func normalizeParts(ps []ast.StringPart) []ast.StringPart {
	var out []ast.StringPart
	for _, p := range ps {
		if p.Kind == ast.PartLit {
			if p.Text == "" {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Kind == ast.PartLit {
				out[n-1].Text += p.Text
				continue
			}
		}
		out = append(out, p)
	}
	return out
}

func TestExprRender(t *testing.T) {
	p := func(i int) *expr { return callExpr(fmt.Sprintf("p%d", i)) }
	tests := []struct {
		e    *expr
		want string
	}{
		{andExpr(p(1), orExpr(p(2), p(3)), notExpr(andExpr(p(4), p(5)))), "p1(s) && (p2(s) || p3(s)) && !(p4(s) && p5(s))"},
		{andExpr(p(1), exprTrue), "p1(s)"},
		{orExpr(p(1), exprTrue), "true"},
		{andExpr(), "true"},
		{orExpr(), "false"},
		{notExpr(notExpr(p(1))), "p1(s)"},
		{andExpr(p(1), andExpr(p(2), p(3))), "p1(s) && p2(s) && p3(s)"},
	}
	for _, tc := range tests {
		w := &funcWriter{prefix: "h"}
		if got := w.render(tc.e); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	var many []*expr
	for i := 0; i < 40; i++ {
		many = append(many, p(i))
	}
	w := &funcWriter{prefix: "h"}
	if got := w.render(notExpr(orExpr(many...))); got != "!h0(s)" || len(w.helpers) != 1 {
		t.Errorf("long list: %q, %d helpers", got, len(w.helpers))
	}
}
