package rt_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine/internal/rt"
	"github.com/rulec/rulec/internal/gentest"
)

// TestStringClauseNecessary checks on random patterns and texts that the
// index clause of a string pattern holds whenever the pattern matches.
func TestStringClauseNecessary(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	texts := gentest.PatternTexts()
	for round := 0; round < 3000; round++ {
		parts := gentest.RandomPattern(rng)
		for _, cased := range []bool{false, true} {
			p := rt.CompilePattern(parts, cased)
			for _, text := range texts {
				if !p.Match(text) {
					continue
				}
				if indexed, holds := rt.StringClauseHolds(parts, "F", cased, text); indexed && !holds {
					t.Fatalf("parts %v cased %v text %q matches but its index clause does not hold", parts, cased, text)
				}
			}
		}
	}
}

// TestPatternTests checks the tests the compiler makes of string patterns
// (simple shapes with lowered needles, else the pattern in Sigma notation)
// against Pattern, and the Sigma rendering against ParseSigmaString.
func TestPatternTests(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	texts := gentest.PatternTexts()
	for round := 0; round < 3000; round++ {
		parts := gentest.RandomPattern(rng)
		for _, cased := range []bool{false, true} {
			p := rt.CompilePattern(parts, cased)
			sh := rt.PatternTest(parts, cased)
			if sh.Kind == rt.TestGlob {
				back := rt.ParseSigmaString(sh.A)
				norm := func(ps []ast.StringPart) string { return fmt.Sprint(normalizeParts(ps)) }
				if norm(back) != norm(parts) {
					t.Fatalf("%v renders as %q, which reads back as %v", parts, sh.A, back)
				}
			}
			for _, text := range texts {
				want := p.Match(text)
				var got bool
				if sh.Kind == rt.TestGlob {
					got = rt.CompilePattern(rt.ParseSigmaString(sh.A), cased).Match(text)
				} else {
					in := text
					if !cased {
						in = rt.Lower(text)
					}
					got = rt.MatchStrOp(sh.Op, in, sh.A, sh.B)
				}
				if got != want {
					t.Fatalf("parts %v cased %v text %q: test %+v gives %v, pattern %v", parts, cased, text, sh, got, want)
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
