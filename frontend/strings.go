package frontend

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// parseSigmaString splits a Sigma string value into literal text and wildcards.
// `\` escapes `*`, `?` and `\` (and `%` when placeholders are on); a backslash before
// any other character, or at the end, is a literal backslash. With placeholders,
// `%name%` becomes a placeholder part.
func parseSigmaString(s string, placeholders bool) []ast.StringPart {
	var parts []ast.StringPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, ast.StringPart{Kind: ast.PartLit, Text: lit.String()})
			lit.Reset()
		}
	}
	special := func(c byte) bool {
		return c == '*' || c == '?' || c == '\\' || (placeholders && c == '%')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && special(s[i+1]):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			parts = append(parts, ast.StringPart{Kind: ast.PartStar})
		case c == '?':
			flush()
			parts = append(parts, ast.StringPart{Kind: ast.PartQuestion})
		case placeholders && c == '%':
			end := strings.IndexByte(s[i+1:], '%')
			name := ""
			if end > 0 {
				name = s[i+1 : i+1+end]
			}
			if end <= 0 || strings.ContainsAny(name, " *?\\") {
				lit.WriteByte(c)
				continue
			}
			flush()
			parts = append(parts, ast.StringPart{Kind: ast.PartPlaceholder, Text: name})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

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
