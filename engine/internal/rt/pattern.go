package rt

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// patKind is the compiled shape of a string pattern.
type patKind uint8

const (
	patExact        patKind = iota // s == a
	patAny                         // only `*`: matches every string
	patPrefix                      // a*
	patSuffix                      // *a
	patContains                    // *a*
	patPrefixSuffix                // a*b
	patGlob                        // anything else (`?`, several `*`)
)

// token is a piece of a glob segment: literal text, or one character (`?`) when lit is empty.
type token struct {
	lit string
}

// segment is a run of literals and `?` between two `*`.
type segment []token

// Pattern is a compiled Sigma string pattern (`*`, `?`, literals). Case-insensitive
// patterns hold lowered needles and match lowered text (see Lower); cased patterns
// match the text as it is. Plain wildcard shapes compile to prefix, suffix, contains
// or equality checks; other shapes use a linear glob matcher, never a regexp.
type Pattern struct {
	kind  patKind
	cased bool
	a, b  string
	// glob: segs[0] is anchored at the start unless leadStar, the last at the end unless trailStar.
	segs                []segment
	leadStar, trailStar bool
}

// NormalizePattern merges literals, collapses runs of `*`, turns placeholders
// into `*` and lowers the literals of a case-insensitive pattern.
func NormalizePattern(parts []ast.StringPart, cased bool) []ast.StringPart {
	var norm []ast.StringPart
	for _, p := range parts {
		if p.Kind == ast.PartPlaceholder {
			p = ast.StringPart{Kind: ast.PartStar}
		}
		if p.Kind == ast.PartLit {
			if p.Text == "" {
				continue
			}
			if !cased {
				p.Text = Lower(p.Text)
			}
			if n := len(norm); n > 0 && norm[n-1].Kind == ast.PartLit {
				norm[n-1].Text += p.Text
				continue
			}
		}
		if p.Kind == ast.PartStar {
			if n := len(norm); n > 0 && norm[n-1].Kind == ast.PartStar {
				continue
			}
		}
		norm = append(norm, p)
	}
	return norm
}

// PatternShape classifies a normalized pattern as one plain string test (op on
// a, and b for prefix+suffix), or reports glob when it needs a wildcard matcher.
func PatternShape(norm []ast.StringPart) (op StrOp, a, b string, glob bool) {
	kinds := make([]byte, len(norm))
	for i, p := range norm {
		switch p.Kind {
		case ast.PartLit:
			kinds[i] = 'l'
		case ast.PartStar:
			kinds[i] = '*'
		default:
			kinds[i] = '?'
		}
	}
	switch string(kinds) {
	case "":
		return OpEqual, "", "", false
	case "l":
		return OpEqual, norm[0].Text, "", false
	case "*":
		return OpAnything, "", "", false
	case "l*":
		return OpPrefix, norm[0].Text, "", false
	case "*l":
		return OpSuffix, norm[1].Text, "", false
	case "*l*":
		return OpContains, norm[1].Text, "", false
	case "l*l":
		return OpPrefixSuffix, norm[0].Text, norm[2].Text, false
	}
	return 0, "", "", true
}

// CompilePattern compiles the parts of a string value. Placeholder parts must have
// been resolved before; any left are treated as `*`.
func CompilePattern(parts []ast.StringPart, cased bool) *Pattern {
	norm := NormalizePattern(parts, cased)
	pat := &Pattern{cased: cased}
	op, a, b, glob := PatternShape(norm)
	switch {
	case glob:
		pat.kind = patGlob
		pat.leadStar = norm[0].Kind == ast.PartStar
		pat.trailStar = norm[len(norm)-1].Kind == ast.PartStar
		var cur segment
		for _, p := range norm {
			switch p.Kind {
			case ast.PartStar:
				pat.segs = append(pat.segs, cur)
				cur = nil
			case ast.PartLit:
				cur = append(cur, token{lit: p.Text})
			default:
				cur = append(cur, token{})
			}
		}
		pat.segs = append(pat.segs, cur)
		// With a leading `*` the first segment is empty; with a trailing one the last is.
		if pat.leadStar {
			pat.segs = pat.segs[1:]
		}
		if pat.trailStar && len(pat.segs) > 0 {
			pat.segs = pat.segs[:len(pat.segs)-1]
		}
	default:
		pat.a, pat.b = a, b
		switch op {
		case OpEqual:
			pat.kind = patExact
		case OpAnything:
			pat.kind = patAny
		case OpPrefix:
			pat.kind = patPrefix
		case OpSuffix:
			pat.kind = patSuffix
		case OpContains:
			pat.kind = patContains
		case OpPrefixSuffix:
			pat.kind = patPrefixSuffix
		}
	}
	return pat
}

// Cased reports whether the pattern is case-sensitive.
func (p *Pattern) Cased() bool { return p.cased }

// MatchLowered matches text that is already lowered with Lower/AppendLower
// (or, for a cased pattern, the original text).
func (p *Pattern) MatchLowered(s string) bool {
	switch p.kind {
	case patExact:
		return s == p.a
	case patAny:
		return true
	case patPrefix:
		return strings.HasPrefix(s, p.a)
	case patSuffix:
		return strings.HasSuffix(s, p.a)
	case patContains:
		return strings.Contains(s, p.a)
	case patPrefixSuffix:
		return len(s) >= len(p.a)+len(p.b) && strings.HasPrefix(s, p.a) && strings.HasSuffix(s, p.b)
	}
	return p.glob(s)
}

// Match matches original text, lowering it first when the pattern is case-insensitive.
func (p *Pattern) Match(s string) bool {
	if p.cased || isLowerASCII(s) {
		return p.MatchLowered(s)
	}
	var buf [128]byte
	return p.MatchLowered(view(AppendLower(buf[:0], s)))
}

// glob matches segments separated by `*`: the first and last are anchored
// unless a `*` precedes/follows them, middle ones are placed leftmost.
func (p *Pattern) glob(s string) bool {
	segs := p.segs
	if !p.leadStar && !p.trailStar && len(segs) == 1 {
		end, ok := matchSegAt(segs[0], s)
		return ok && end == len(s)
	}
	start, limit := 0, len(s)
	if !p.leadStar {
		end, ok := matchSegAt(segs[0], s)
		if !ok {
			return false
		}
		start = end
		segs = segs[1:]
	}
	if !p.trailStar {
		if len(segs) == 0 {
			return false // cannot happen: no star at all is handled above
		}
		begin, ok := matchSegBackward(segs[len(segs)-1], s[start:])
		if !ok {
			return false
		}
		limit = start + begin
		segs = segs[:len(segs)-1]
	}
	rest := s[start:limit]
	for _, seg := range segs {
		end, ok := findSeg(seg, rest)
		if !ok {
			return false
		}
		rest = rest[end:]
	}
	return true
}

// matchSegAt matches a segment at the start of s and returns where it ends.
func matchSegAt(seg segment, s string) (int, bool) {
	i := 0
	for _, t := range seg {
		if t.lit == "" {
			n := nextChar(s[i:])
			if n == 0 {
				return 0, false
			}
			i += n
			continue
		}
		if !strings.HasPrefix(s[i:], t.lit) {
			return 0, false
		}
		i += len(t.lit)
	}
	return i, true
}

// matchSegBackward matches a segment at the end of s and returns where it begins.
func matchSegBackward(seg segment, s string) (int, bool) {
	end := len(s)
	for k := len(seg) - 1; k >= 0; k-- {
		t := seg[k]
		if t.lit == "" {
			n := lastChar(s[:end])
			if n == 0 {
				return 0, false
			}
			end -= n
			continue
		}
		if !strings.HasSuffix(s[:end], t.lit) {
			return 0, false
		}
		end -= len(t.lit)
	}
	return end, true
}

// findSeg finds the leftmost occurrence of a segment in s and returns where it ends.
func findSeg(seg segment, s string) (int, bool) {
	if len(seg) == 0 {
		return 0, true
	}
	if first := seg[0].lit; first != "" {
		off := 0
		for {
			i := strings.Index(s[off:], first)
			if i < 0 {
				return 0, false
			}
			if end, ok := matchSegAt(seg, s[off+i:]); ok {
				return off + i + end, true
			}
			off += i + nextChar(s[off+i:])
		}
	}
	for off := 0; off <= len(s); {
		if end, ok := matchSegAt(seg, s[off:]); ok {
			return off + end, true
		}
		n := nextChar(s[off:])
		if n == 0 {
			break
		}
		off += n
	}
	return 0, false
}
