package gentest

import (
	"math/rand"

	"github.com/rulec/rulec/ast"
)

// RandomPattern returns a string pattern of up to four parts drawn from
// literals with backslashes, wildcard characters, non-ASCII and invalid UTF-8,
// stars and question marks: the patterns the pattern-shape and index tests try.
func RandomPattern(rng *rand.Rand) []ast.StringPart {
	pieces := [...]ast.StringPart{
		{Kind: ast.PartLit, Text: "a"}, {Kind: ast.PartLit, Text: "B\\"}, {Kind: ast.PartLit, Text: "*?"},
		{Kind: ast.PartLit, Text: "Ä"}, {Kind: ast.PartLit, Text: ""}, {Kind: ast.PartStar}, {Kind: ast.PartQuestion},
		{Kind: ast.PartLit, Text: "\\\\"}, {Kind: ast.PartLit, Text: "\xff"},
	}
	parts := make([]ast.StringPart, rng.Intn(5))
	for i := range parts {
		parts[i] = pieces[rng.Intn(len(pieces))]
	}
	return parts
}

// PatternTexts returns the texts RandomPattern's patterns are tried on.
func PatternTexts() []string {
	return []string{"", "a", "A", "ab\\", "a*?", "xäy", "aB\\*?Ä", "\\\\", "\xffa", "ab\\ab\\", "a?b", "Ä"}
}
