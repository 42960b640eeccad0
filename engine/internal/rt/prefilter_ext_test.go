package rt_test

import (
	"math/rand"
	"testing"

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
