package frontend

import (
	"github.com/rulec/rulec/ast"
)

// literalParts returns a string pattern that is one literal.
func literalParts(s string) []ast.StringPart {
	if s == "" {
		return nil
	}
	return []ast.StringPart{{Kind: ast.PartLit, Text: s}}
}

// mapLiterals applies fn to every literal part, keeping wildcards and placeholders.
func mapLiterals(parts []ast.StringPart, fn func(string) string) []ast.StringPart {
	out := make([]ast.StringPart, len(parts))
	for i, p := range parts {
		if p.Kind == ast.PartLit {
			p.Text = fn(p.Text)
		}
		out[i] = p
	}
	return out
}

// withWildcards adds a leading and/or trailing `*`, unless one is already there.
func withWildcards(parts []ast.StringPart, lead, trail bool) []ast.StringPart {
	out := make([]ast.StringPart, 0, len(parts)+2)
	if lead && (len(parts) == 0 || parts[0].Kind != ast.PartStar) {
		out = append(out, ast.StringPart{Kind: ast.PartStar})
	}
	out = append(out, parts...)
	if trail && (len(out) == 0 || out[len(out)-1].Kind != ast.PartStar) {
		out = append(out, ast.StringPart{Kind: ast.PartStar})
	}
	return out
}
