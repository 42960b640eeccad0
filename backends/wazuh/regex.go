package wazuh

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/ast"
)

// Encoding tells how a log source hands field values to Wazuh, so that a
// Sigma value (written against the original event) can be matched exactly.
type Encoding string

// Encodings of field values.
const (
	// EncodingPlain: values reach the rule as they were in the log.
	EncodingPlain Encoding = "plain"
	// EncodingEventchannel: Windows eventchannel values. The agent sends the
	// event XML as rendered by Windows (`&`, `<`, `>` as entities), the manager
	// prints it as a JSON string before parsing it (so every `\` arrives as `\\`,
	// `"` as `\"` and control characters as JSON escapes), and EventData values
	// that are empty, `-` or `(NULL)` are dropped.
	EncodingEventchannel Encoding = "eventchannel"
	// EncodingJSON: values decoded by Wazuh's JSON decoder (cloud modules and
	// other JSON logs): strings as they were, true/false, integers in decimal
	// (saturated to the C int range by cJSON), other numbers with six decimals
	// (printf %f), null as the text "null", and arrays as their printed JSON
	// text (a pattern on an array field tests that text, not each element).
	EncodingJSON Encoding = "json"
)

// droppedValues are the eventchannel values Wazuh drops from EventData.
var droppedValues = []string{"", "-", "(NULL)"}

// alt is one alternative of a field pattern: a core PCRE2 fragment and its anchors.
type alt struct {
	core       string
	start, end bool // anchored at the start (^) / end (\z) of the value
	fold       bool // case-insensitive
	dotall     bool // the core uses `.` that must match newlines
	// lit is the Sigma text the core matches when the alternative is a plain
	// string (no wildcard between its anchors), for implication tests
	// (see altImplies); isLit tells it is set.
	lit   string
	isLit bool
}

// pattern is a PCRE2 pattern made of alternatives (OR).
type pattern []alt

// render writes the pattern as PCRE2 text: inline flags, then the alternatives.
// An empty pattern never matches.
func (p pattern) render() string {
	if len(p) == 0 {
		return `(?!)`
	}
	allFold, anyFold, dotall := true, false, false
	for _, a := range p {
		allFold = allFold && a.fold
		anyFold = anyFold || a.fold
		dotall = dotall || a.dotall
	}
	var b strings.Builder
	switch {
	case allFold && dotall:
		b.WriteString("(?is)")
	case allFold:
		b.WriteString("(?i)")
	case dotall:
		b.WriteString("(?s)")
	}
	for i, a := range p {
		if i > 0 {
			b.WriteByte('|')
		}
		core := a.core
		if anyFold && !allFold && a.fold {
			core = "(?i:" + core + ")"
		}
		if a.start {
			b.WriteByte('^')
		}
		if len(p) > 1 && !a.start && !a.end && strings.Contains(core, "|") {
			core = "(?:" + core + ")"
		}
		b.WriteString(core)
		if a.end {
			b.WriteString(`\z`)
		}
	}
	return b.String()
}

// logUnit matches one character of a JSON string as cJSON prints it: any
// byte but `"` and `\`, or an escape. logStar is any run of them: it never
// reaches past the string's closing quote.
const (
	logUnit = `(?:[^"\\]|\\.)`
	logStar = logUnit + `*`
)

// logAlt converts a Sigma string pattern to a fragment that matches an
// eventchannel field's value as it appears in the decoded event's JSON log,
// right after the key's opening quote: the value as Wazuh holds it (see
// EncodingEventchannel) with cJSON's escapes on top (every `\` doubled again,
// `"` as `\"`). Anchored at the start of the value; the end anchor is the
// closing quote. Placeholders fail as in stringAlt.
func logAlt(parts []ast.StringPart, cased bool) (string, error) {
	start, end := true, true
	for len(parts) > 0 && parts[0].Kind == ast.PartStar {
		start, parts = false, parts[1:]
	}
	for len(parts) > 0 && parts[len(parts)-1].Kind == ast.PartStar {
		end, parts = false, parts[:len(parts)-1]
	}
	var b strings.Builder
	if !start {
		b.WriteString(logStar)
	}
	for _, p := range parts {
		switch p.Kind {
		case ast.PartLit:
			b.WriteString(logEscape(literal(p.Text, cased, EncodingEventchannel)))
		case ast.PartStar:
			b.WriteString(logStar)
		case ast.PartQuestion:
			b.WriteString(logOneChar)
		case ast.PartPlaceholder:
			return "", fmt.Errorf("placeholder %%%s%% has no value (give it values under placeholders: in a profile, rulec build --profile FILE)", p.Text)
		}
	}
	if end {
		b.WriteString(`"`)
	}
	core := linearStars(b.String(), logStar)
	if !cased {
		core = "(?i:" + core + ")"
	}
	return core, nil
}

// logOneChar matches one character of the original value in the JSON log: a
// JSON escape of the value (`\\` then `\\`, `\"`, a letter or u and four
// hex digits), an entity or a raw `&`, or any other character.
const logOneChar = `(?:\\\\(?:\\\\|\\"|[bfnrt]|u[0-9a-fA-F]{4})|\x26(?:(?:amp|lt|gt);)?+|[^"\\\x26\x80-\xbf][\x80-\xbf]*+)`

// logEscape rewrites a fragment written by literal for eventchannel values
// into one for the same text inside a JSON string: every backslash of the
// value (`\\` in the fragment) becomes two and every `"` becomes `\"`;
// the fragment's other escapes (`\x26`, `\.`) stand for themselves.
func logEscape(frag string) string {
	var b strings.Builder
	for i := 0; i < len(frag); i++ {
		switch c := frag[i]; {
		case c == '\\' && i+1 < len(frag) && frag[i+1] == '\\':
			b.WriteString(`\\\\`)
			i++
		case c == '\\' && i+1 < len(frag):
			b.WriteByte(c)
			b.WriteByte(frag[i+1])
			i++
		case c == '"':
			b.WriteString(`\\"`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// matchAll is the pattern that matches any value (used for presence tests).
var matchAll = pattern{{core: "", start: true, isLit: true}}

// stringAlt converts a Sigma string pattern to one anchored PCRE2 alternative.
func stringAlt(parts []ast.StringPart, cased bool, enc Encoding) (alt, error) {
	a := alt{fold: !cased, start: true, end: true}
	// A leading / trailing `*` drops the anchor instead of adding `.*`.
	for len(parts) > 0 && parts[0].Kind == ast.PartStar {
		a.start = false
		parts = parts[1:]
	}
	for len(parts) > 0 && parts[len(parts)-1].Kind == ast.PartStar {
		a.end = false
		parts = parts[:len(parts)-1]
	}
	var b strings.Builder
	var lit strings.Builder
	a.isLit = true
	for _, p := range parts {
		if p.Kind != ast.PartLit {
			a.isLit = false
		}
		switch p.Kind {
		case ast.PartLit:
			b.WriteString(literal(p.Text, cased, enc))
			lit.WriteString(p.Text)
		case ast.PartStar:
			b.WriteString(".*")
			a.dotall = true
		case ast.PartQuestion:
			b.WriteString(oneChar(enc, true))
		case ast.PartPlaceholder:
			return a, fmt.Errorf("placeholder %%%s%% has no value (give it values under placeholders: in a profile, rulec build --profile FILE)", p.Text)
		}
	}
	a.core = linearStars(b.String(), ".*")
	if a.isLit {
		a.lit = lit.String()
	}
	return a, nil
}

// atomicOpen opens an atomic group: PCRE2's `(*atomic:` spelling of `(?>`,
// since Wazuh's XML reader decodes no entities and the rules file cannot hold a raw `>`.
const atomicOpen = "(*atomic:"

// linearStars rewrites a pattern written from a Sigma wildcard string, where
// star is the fragment written for each `*`, so that PCRE2 runs it in linear
// time: every `*` that is followed by literal text (and `?` fragments) and
// then by another `*` becomes `(*atomic:star?text)`, the leftmost text in an atomic
// group. That is exact, since the next `*` takes whatever lies between the
// leftmost text and any later one, and keeps PCRE2 from trying every later
// occurrence again (`a.*b.*c` fails in quadratic time, with one more `*` in
// cubic time). The last `*` stays as it is: what follows it is the end of the
// pattern, or an end anchor where the leftmost text is not enough.
func linearStars(p, star string) string {
	// Split at the stars outside groups and classes.
	var segs []string
	last, depth := 0, 0
	for i := 0; i < len(p); {
		switch {
		case depth == 0 && strings.HasPrefix(p[i:], star):
			segs = append(segs, p[last:i])
			i += len(star)
			last = i
		case p[i] == '\\':
			i += 2
		case p[i] == '[':
			for i++; i < len(p) && p[i] != ']'; i++ {
				if p[i] == '\\' {
					i++
				}
			}
			i++
		case p[i] == '(':
			depth++
			i++
		case p[i] == ')':
			depth--
			i++
		default:
			i++
		}
	}
	segs = append(segs, p[last:])
	if len(segs) < 3 {
		return p
	}
	var b strings.Builder
	b.WriteString(segs[0])
	for i := 1; i < len(segs); i++ {
		if i < len(segs)-1 && segs[i] != "" {
			b.WriteString(atomicOpen + star + "?" + segs[i] + ")")
			continue
		}
		b.WriteString(star + segs[i])
	}
	return b.String()
}

// utf8Char matches one UTF-8 encoded character (PCRE2 without UTF mode works on
// bytes): a byte that does not continue a character, and the bytes that continue
// it, possessively (they cannot start the next character, so giving some back
// never helps a match, and PCRE2 does not try).
const utf8Char = `[\x00-\x7f\xc0-\xff][\x80-\xbf]*+`

// oneChar returns a fragment matching one character of the original value.
// Its alternatives start with different bytes, so that a run of characters
// reads one way only and repeating the fragment cannot make PCRE2 backtrack
// exponentially. For eventchannel values: a JSON escape (`\\`, `\"`, `\n`...,
// `\u00XX`), an entity (`&amp;`, `&lt;`, `&gt;`, possessively: a `&` that starts
// one is that character) or a raw `&`, or any other character.
func oneChar(enc Encoding, newline bool) string {
	if enc == EncodingEventchannel {
		esc := `[\\"bfnrt]|u[0-9a-fA-F]{4}`
		if !newline {
			esc = `[\\"bfrt]|u[0-9a-fA-F]{4}`
		}
		return `(?:\\(?:` + esc + `)|\x26(?:(?:amp|lt|gt);)?+|[^\\\x26\x80-\xbf][\x80-\xbf]*+)`
	}
	if !newline {
		return `[\x00-\x09\x0b-\x7f\xc0-\xff][\x80-\xbf]*+`
	}
	return utf8Char
}

// literal escapes literal text for PCRE2 (and for Wazuh's XML reader), applying
// the value encoding of the source. Without cased, non-ASCII letters become an
// alternation of their case forms, since PCRE2 without UTF mode folds ASCII only.
func literal(s string, cased bool, enc Encoding) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
			i++
			continue
		}
		i += size
		b.WriteString(literalRune(r, cased, enc))
	}
	return b.String()
}

// literalRune escapes one character.
func literalRune(r rune, cased bool, enc Encoding) string {
	if enc == EncodingEventchannel {
		switch r {
		case '\\':
			return `\\\\`
		case '"':
			return `\\"`
		case '\b':
			return `\\b`
		case '\f':
			return `\\f`
		case '\n':
			return `\\n`
		case '\r':
			return `\\r`
		case '\t':
			return `\\t`
		case '&':
			return `\x26(?:amp;)?+` // possessive: an `&` followed by `amp;` is the entity
		case '<':
			return `(?:\x3c|\x26lt;)`
		case '>':
			return `(?:\x3e|\x26gt;)`
		}
		if r < 0x20 {
			return fmt.Sprintf(`\\u%04x`, r)
		}
	}
	switch {
	case r == '<':
		return `\x3c`
	case r == '>':
		return `\x3e`
	case r == '&':
		return `\x26`
	case r == '$':
		return `\x24`
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case r < 0x80 && strings.ContainsRune(`\^.|?*+()[]{}`, r):
		return `\` + string(r)
	case r < 0x80:
		return string(r)
	case r == 0xfffe || r == 0xffff:
		// Not characters XML can hold (an XML writer turns them into U+FFFD):
		// their UTF-8 bytes, which is what PCRE2 without UTF mode matches.
		var b strings.Builder
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, `\x%02x`, c)
		}
		return b.String()
	}
	if !cased {
		if forms := caseForms(r); len(forms) > 1 {
			return "(?:" + strings.Join(forms, "|") + ")"
		}
	}
	return string(r)
}

// caseForms returns the distinct characters that fold to the same letter as r, r first.
func caseForms(r rune) []string {
	out := []string{string(r)}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, string(f))
	}
	return out
}

// matchesAny reports whether the Sigma string pattern matches any of the given strings
// (case-insensitively unless cased), used to decide what an absent eventchannel field means.
func matchesAny(parts []ast.StringPart, cased bool, candidates []string) bool {
	for _, c := range candidates {
		if globMatch(parts, c, cased) {
			return true
		}
	}
	return false
}

// globMatch matches a Sigma string pattern against a string.
func globMatch(parts []ast.StringPart, s string, cased bool) bool {
	if len(parts) == 0 {
		return s == ""
	}
	p := parts[0]
	switch p.Kind {
	case ast.PartLit:
		if len(s) < len(p.Text) {
			return false
		}
		head := s[:len(p.Text)]
		if cased && head != p.Text || !cased && !strings.EqualFold(head, p.Text) {
			return false
		}
		return globMatch(parts[1:], s[len(p.Text):], cased)
	case ast.PartQuestion:
		if s == "" {
			return false
		}
		_, size := utf8.DecodeRuneInString(s)
		return globMatch(parts[1:], s[size:], cased)
	case ast.PartStar:
		for i := 0; i <= len(s); i++ {
			if globMatch(parts[1:], s[i:], cased) {
				return true
			}
		}
	}
	return false
}
