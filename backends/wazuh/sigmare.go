package wazuh

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// regexAlt translates a Sigma regular expression (re modifier, with i/m/s flags)
// into an unanchored PCRE2 alternative that matches the Wazuh form of the values
// the Sigma expression matches. The expression is parsed (RE2 syntax: no
// lookaround or backreferences) and written back, so that literal characters get
// the value encoding of the source and `.` / classes match whole UTF-8 characters.
//
// The result runs in linear time in PCRE2's backtracking matcher (per start
// position): a repetition of one character whose continuation cannot start
// with a character it matches is made possessive, and a repetition of any
// character followed by literal text and then by a repetition that can take
// everything in between (`.*a.*b`) finds the leftmost literal in an atomic
// group, both of which keep the meaning. An expression that could still make
// PCRE2 try exponentially many ways (a repetition whose body can match the
// same text in several ways, as in `(a+)+` or `(a|aa)*`) is refused with a
// *BacktrackError.
func regexAlt(expr, flags string, enc Encoding) (alt, error) {
	src := expr
	if flags != "" {
		src = "(?" + flags + ")" + expr
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return alt{}, fmt.Errorf("regular expression %q cannot be translated to PCRE2 for Wazuh: %w", expr, err)
	}
	re = collapseRepeats(re)
	if sub := Backtracking(re); sub != nil {
		return alt{}, &BacktrackError{Expr: expr, Sub: sub.String()}
	}
	w := &reWriter{enc: enc}
	if err := w.write(re, endSet); err != nil {
		return alt{}, fmt.Errorf("regular expression %q: %w", expr, err)
	}
	return alt{core: w.b.String()}, nil
}

// BacktrackReason is the skip reason of a rule whose regular expression is refused by Backtracking.
const BacktrackReason = "regular expression may backtrack exponentially in PCRE2"

// BacktrackError is a regular expression refused because a backtracking
// matcher (PCRE2, as Wazuh runs it) may take exponential time on it: an
// attacker could make the match hit PCRE2's match limit, and the rule would
// silently not fire.
type BacktrackError struct {
	Expr string // the expression
	Sub  string // the repetition that can match the same text in several ways
}

func (e *BacktrackError) Error() string {
	return fmt.Sprintf("regular expression %q: the repetition %s can match the same text in several ways, so PCRE2 may backtrack exponentially (an attacker can make the match hit PCRE2's match limit and the rule not fire); rewrite it so that each repeated part starts differently from what follows it", e.Expr, e.Sub)
}

// SkipReason returns BacktrackReason when err is a *BacktrackError, or def.
func SkipReason(err error, def string) string {
	var be *BacktrackError
	if errors.As(err, &be) {
		return BacktrackReason
	}
	return def
}

type reWriter struct {
	b   strings.Builder
	enc Encoding
}

func (w *reWriter) sub(re *syntax.Regexp, follow charSet) (string, error) {
	x := &reWriter{enc: w.enc}
	err := x.write(re, follow)
	return x.b.String(), err
}

// atom writes re as something a quantifier can follow.
func (w *reWriter) atom(re *syntax.Regexp, follow charSet) (string, error) {
	s, err := w.sub(re, follow)
	if err != nil {
		return "", err
	}
	if isSingleAtom(re, s) {
		return s, nil
	}
	return "(?:" + s + ")", nil
}

func isSingleAtom(re *syntax.Regexp, s string) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 1 && !strings.HasPrefix(s, "(?:") && (len(s) == 1 || len(s) == 2 && s[0] == '\\' || strings.HasPrefix(s, `\x`) && len(s) == 4)
	case syntax.OpCapture:
		return false
	}
	return strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && strings.Count(s, "[") == 1
}

// write writes re; follow is what may come after it (firstSet of the rest of
// the expression), used to make repetitions possessive where that keeps the meaning.
func (w *reWriter) write(re *syntax.Regexp, follow charSet) error {
	switch re.Op {
	case syntax.OpNoMatch:
		w.b.WriteString(`(?!)`)
	case syntax.OpEmptyMatch:
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		for _, r := range re.Rune {
			w.b.WriteString(w.lit(r, fold))
		}
	case syntax.OpCharClass:
		s, err := w.class(re.Rune, re.Flags&syntax.FoldCase != 0)
		if err != nil {
			return err
		}
		w.b.WriteString(s)
	case syntax.OpAnyCharNotNL:
		w.b.WriteString(oneChar(w.enc, false))
	case syntax.OpAnyChar:
		w.b.WriteString(oneChar(w.enc, true))
	case syntax.OpBeginLine:
		w.b.WriteString(`(?m:^)`)
	case syntax.OpEndLine:
		w.b.WriteString(`(?m:$)`)
	case syntax.OpBeginText:
		w.b.WriteString(`^`)
	case syntax.OpEndText:
		if re.Flags&syntax.WasDollar != 0 {
			w.b.WriteString(`\Z`) // Python's and PCRE2's `$`: end, or before a final newline
		} else {
			w.b.WriteString(`\z`)
		}
	case syntax.OpWordBoundary:
		w.b.WriteString(`\b`)
	case syntax.OpNoWordBoundary:
		w.b.WriteString(`\B`)
	case syntax.OpCapture:
		s, err := w.sub(re.Sub[0], follow)
		if err != nil {
			return err
		}
		w.b.WriteString("(?:" + s + ")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		return w.repeat(re, follow, false)
	case syntax.OpConcat:
		return w.concat(re.Sub, follow)
	case syntax.OpAlternate:
		w.b.WriteString("(?:")
		for i, s := range re.Sub {
			if i > 0 {
				w.b.WriteByte('|')
			}
			if err := w.write(s, follow); err != nil {
				return err
			}
		}
		w.b.WriteString(")")
	default:
		return fmt.Errorf("unsupported construct %v", re.Op)
	}
	return nil
}

// repeat writes a repetition. It is made possessive when its body is one
// character that cannot start what follows (then no other number of
// repetitions can lead to a match); lazy, it is greedy.
func (w *reWriter) repeat(re *syntax.Regexp, follow charSet, lazy bool) error {
	body := re.Sub[0]
	inner := follow
	if max := repeatMax(re); max != 1 {
		inner = inner.union(firstSet(body))
	}
	s, err := w.atom(body, inner)
	if err != nil {
		return err
	}
	if re.Op == syntax.OpRepeat && (re.Min > 32 || re.Max > 32) && strings.HasPrefix(s, "(?:") {
		return fmt.Errorf("repetition {%d,%d} of a multi-character group exceeds PCRE2's compiled size once adapted to the value encoding", re.Min, re.Max)
	}
	w.b.WriteString(s)
	switch re.Op {
	case syntax.OpStar:
		w.b.WriteByte('*')
	case syntax.OpPlus:
		w.b.WriteByte('+')
	case syntax.OpQuest:
		w.b.WriteByte('?')
	default:
		switch {
		case re.Max == -1:
			fmt.Fprintf(&w.b, "{%d,}", re.Min)
		case re.Min == re.Max:
			fmt.Fprintf(&w.b, "{%d}", re.Min)
		default:
			fmt.Fprintf(&w.b, "{%d,%d}", re.Min, re.Max)
		}
	}
	fixed := re.Op == syntax.OpRepeat && re.Min == re.Max
	switch {
	case fixed:
	case !lazy && w.possessive(body, follow):
		w.b.WriteByte('+')
	case lazy || re.Flags&syntax.NonGreedy != 0:
		w.b.WriteByte('?')
	}
	return nil
}

// possessive reports whether a repetition of body followed by follow may be
// possessive: body is one character, and no character it matches can start
// what follows. An assertion (other than the end of the value) after it counts
// as anything. For eventchannel values, `&` also arrives as the start of the
// entities `&amp;`, `&lt;` and `&gt;`, so a repeated `&` counts as overlapping those.
func (w *reWriter) possessive(body *syntax.Regexp, follow charSet) bool {
	set, ok := unitSet(body)
	if !ok || follow.any {
		return false
	}
	if w.enc == EncodingEventchannel && set.has('&') {
		set = set.union(charSet{r: []rune{'&', '&', '<', '<', '>', '>'}})
	}
	return !set.meets(follow)
}

// concat writes a sequence. A repetition of one character X followed by literal
// text L and then by an unbounded repetition of a character set that holds X
// and the characters of L (`.*L.*`) becomes `(*atomic:X*?L)`: the leftmost L is as good
// as any later one, since the repetition after it can take the text in between,
// and the atomic group keeps PCRE2 from trying every later L again (which makes
// chains like `.*a.*b.*c` polynomial).
func (w *reWriter) concat(subs []*syntax.Regexp, follow charSet) error {
	// follows[i]: what may come after subs[i].
	follows := make([]charSet, len(subs))
	f := follow
	for i := len(subs) - 1; i >= 0; i-- {
		follows[i] = f
		first := firstSet(subs[i])
		if nullable(subs[i]) {
			f = f.union(first)
		} else {
			f = first
		}
	}
	for i := 0; i < len(subs); i++ {
		if j, ok := leftmostChain(subs, i); ok {
			w.b.WriteString(atomicOpen)
			if err := w.repeat(subs[i], follows[i], true); err != nil {
				return err
			}
			for k := i + 1; k < j; k++ {
				if err := w.write(subs[k], follows[k]); err != nil {
					return err
				}
			}
			w.b.WriteString(")")
			i = j - 1
			continue
		}
		if err := w.write(subs[i], follows[i]); err != nil {
			return err
		}
	}
	return nil
}

// leftmostChain reports whether subs[i] is an unbounded repetition of one
// character X, followed by literal characters subs[i+1:j] (j > i+1) and then by
// an unbounded repetition subs[j] of one character set holding X and them.
func leftmostChain(subs []*syntax.Regexp, i int) (int, bool) {
	re := subs[i]
	if !isRepeat(re) || repeatMax(re) != -1 {
		return 0, false
	}
	x, ok := unitSet(re.Sub[0])
	if !ok {
		return 0, false
	}
	j := i + 1
	lits := charSet{}
	for ; j < len(subs); j++ {
		if subs[j].Op != syntax.OpLiteral && subs[j].Op != syntax.OpCharClass {
			break
		}
		set, _ := literalSet(subs[j])
		lits = lits.union(set)
	}
	if j == i+1 || j >= len(subs) {
		return 0, false
	}
	next := subs[j]
	if !isRepeat(next) || repeatMax(next) != -1 {
		return 0, false
	}
	y, ok := unitSet(next.Sub[0])
	if !ok || !y.holds(x) || !y.holds(lits) {
		return 0, false
	}
	return j, true
}

func isRepeat(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		return true
	}
	return false
}

// repeatMax returns the maximum number of repetitions (-1: unbounded).
func repeatMax(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpQuest:
		return 1
	}
	return re.Max
}

// lit writes one literal character, case-folded when fold is set.
func (w *reWriter) lit(r rune, fold bool) string {
	if fold && r < 0x80 && unicode.IsLetter(r) {
		return "[" + string(unicode.ToUpper(r)) + string(unicode.ToLower(r)) + "]"
	}
	return literalRune(r, !fold, w.enc)
}

// class writes a character class: ASCII members as a PCRE2 class, members that the
// value encoding turns into several characters and non-ASCII members as alternatives.
// The ranges are already case-folded by the parser.
func (w *reWriter) class(ranges []rune, _ bool) (string, error) {
	var set [128]bool
	nonASCII := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi >= 0x80 {
			nonASCII += int(hi - max(lo, 0x80) + 1)
		}
		for r := lo; r <= hi && r < 0x80; r++ {
			set[r] = true
		}
	}
	var alts []string
	if w.enc == EncodingEventchannel {
		// Characters that arrive as several characters.
		var short []byte
		for _, c := range []byte("\\\"bfnrt") {
			r := map[byte]rune{'\\': '\\', '"': '"', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}[c]
			if set[r] {
				short = append(short, c)
				set[r] = false
			}
		}
		switch len(short) {
		case 0:
		case 1:
			alts = append(alts, `\\`+regexpQuoteByte(short[0]))
		default:
			alts = append(alts, `\\[`+strings.ReplaceAll(string(short), `\`, `\\`)+`]`)
		}
		var ctl []string
		all := true
		for r := 0; r < 0x20; r++ {
			if set[r] {
				ctl = append(ctl, fmt.Sprintf(`\\u%04x`, r))
				set[r] = false
			} else if r != '\b' && r != '\f' && r != '\n' && r != '\r' && r != '\t' {
				all = false
			}
		}
		if all && len(ctl) > 0 {
			alts = append(alts, `\\u00[01][0-9a-fA-F]`)
		} else {
			alts = append(alts, ctl...)
		}
		// `&` as its entity only: a raw `&` alternative would also match the
		// start of `&lt;` and `&gt;` (the class's `<` and `>`, or its `l`, `t`
		// and `;`), and repeating the class would then read them two ways.
		for _, r := range "&<>" {
			if set[r] {
				if r == '&' {
					alts = append(alts, `\x26amp;`)
				} else {
					alts = append(alts, literalRune(r, true, w.enc))
				}
				set[r] = false
			}
		}
	}
	var ascii strings.Builder
	for r := 0; r < 0x80; {
		if !set[r] {
			r++
			continue
		}
		j := r
		for j+1 < 0x80 && set[j+1] {
			j++
		}
		ascii.WriteString(classChar(rune(r)))
		if j > r+1 {
			ascii.WriteString("-")
		}
		if j > r {
			ascii.WriteString(classChar(rune(j)))
		}
		r = j + 1
	}
	if nonASCII > 0 {
		switch {
		case nonASCII >= unicode.MaxRune-0x80+1-0x800:
			// Everything from U+0080 up (but surrogates): any multi-byte character.
			alts = append(alts, `[\xc0-\xff][\x80-\xbf]*+`)
		case nonASCII <= 64:
			for i := 0; i+1 < len(ranges); i += 2 {
				for r := max(ranges[i], 0x80); r <= ranges[i+1]; r++ {
					if utf8.ValidRune(r) {
						alts = append(alts, string(r))
					}
				}
			}
		default:
			return "", fmt.Errorf("character class with %d non-ASCII characters is not supported", nonASCII)
		}
	}
	if ascii.Len() > 0 {
		alts = append([]string{"[" + ascii.String() + "]"}, alts...)
	}
	switch len(alts) {
	case 0:
		return `(?!)`, nil
	case 1:
		return alts[0], nil
	}
	return "(?:" + strings.Join(alts, "|") + ")", nil
}

// classChar writes one ASCII character inside a PCRE2 class.
func classChar(r rune) string {
	if r < 0x20 || r == 0x7f || strings.ContainsRune(`\]^-[<>&$`, r) {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return string(r)
}

func regexpQuoteByte(c byte) string {
	if c == '\\' {
		return `\\`
	}
	return string(c)
}

// charSet is a set of characters (pairs of inclusive rune ranges), or any
// character / an assertion whose outcome depends on the text (any).
type charSet struct {
	any bool
	r   []rune
}

// endSet is what follows the end of the expression: nothing.
var endSet = charSet{}

func (a charSet) union(b charSet) charSet {
	if a.any || b.any {
		return charSet{any: true}
	}
	return charSet{r: append(append([]rune{}, a.r...), b.r...)}
}

// meets reports whether the sets share a character.
func (a charSet) meets(b charSet) bool {
	if a.any && (b.any || len(b.r) > 0) || b.any && len(a.r) > 0 {
		return true
	}
	for i := 0; i+1 < len(a.r); i += 2 {
		for j := 0; j+1 < len(b.r); j += 2 {
			if a.r[i] <= b.r[j+1] && b.r[j] <= a.r[i+1] {
				return true
			}
		}
	}
	return false
}

func (a charSet) has(r rune) bool { return a.meets(charSet{r: []rune{r, r}}) }

// holds reports whether every character of b is in a.
func (a charSet) holds(b charSet) bool {
	if a.any {
		return true
	}
	if b.any {
		return false
	}
	m := a.merged()
	for j := 0; j+1 < len(b.r); j += 2 {
		in := false
		for i := 0; i+1 < len(m); i += 2 {
			if m[i] <= b.r[j] && b.r[j+1] <= m[i+1] {
				in = true
				break
			}
		}
		if !in {
			return false
		}
	}
	return true
}

// merged returns the ranges sorted, with overlapping and adjacent ones joined.
func (a charSet) merged() []rune {
	type rng struct{ lo, hi rune }
	var rs []rng
	for i := 0; i+1 < len(a.r); i += 2 {
		rs = append(rs, rng{a.r[i], a.r[i+1]})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].lo < rs[j].lo })
	var out []rune
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1]+1 {
			out[n-1] = max(out[n-1], r.hi)
			continue
		}
		out = append(out, r.lo, r.hi)
	}
	return out
}

var (
	anyRunes   = charSet{r: []rune{0, unicode.MaxRune}}
	notNLRunes = charSet{r: []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}}
)

// foldSet returns r and the characters that fold to it.
func foldSet(r rune) charSet {
	s := charSet{r: []rune{r, r}}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		s.r = append(s.r, f, f)
	}
	return s
}

// unitSet returns the characters re matches when it matches exactly one character.
func unitSet(re *syntax.Regexp) (charSet, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 {
			return charSet{}, false
		}
		if re.Flags&syntax.FoldCase != 0 {
			return foldSet(re.Rune[0]), true
		}
		return charSet{r: []rune{re.Rune[0], re.Rune[0]}}, true
	case syntax.OpCharClass:
		return charSet{r: append([]rune{}, re.Rune...)}, true
	case syntax.OpAnyChar:
		return anyRunes, true
	case syntax.OpAnyCharNotNL:
		return notNLRunes, true
	case syntax.OpCapture:
		return unitSet(re.Sub[0])
	}
	return charSet{}, false
}

// literalSet returns the characters of a literal or a class.
func literalSet(re *syntax.Regexp) (charSet, bool) {
	if re.Op != syntax.OpLiteral {
		return unitSet(re)
	}
	var s charSet
	for _, r := range re.Rune {
		if re.Flags&syntax.FoldCase != 0 {
			s = s.union(foldSet(r))
		} else {
			s = s.union(charSet{r: []rune{r, r}})
		}
	}
	return s, true
}

// firstSet returns the characters a match of re can start with; assertions
// (but the end of the value) count as any character.
func firstSet(re *syntax.Regexp) charSet { return first(re, true) }

func first(re *syntax.Regexp, assertAny bool) charSet {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return charSet{}
		}
		if re.Flags&syntax.FoldCase != 0 {
			return foldSet(re.Rune[0])
		}
		return charSet{r: []rune{re.Rune[0], re.Rune[0]}}
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		s, _ := unitSet(re)
		return s
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return charSet{any: assertAny}
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		return first(re.Sub[0], assertAny)
	case syntax.OpConcat:
		var s charSet
		for _, sub := range re.Sub {
			s = s.union(first(sub, assertAny))
			if !nullable(sub) {
				break
			}
		}
		return s
	case syntax.OpAlternate:
		var s charSet
		for _, sub := range re.Sub {
			s = s.union(first(sub, assertAny))
		}
		return s
	}
	return charSet{}
}

// nullable reports whether re can match the empty text.
func nullable(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return nullable(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpRepeat:
		return re.Min == 0 || nullable(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !nullable(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if nullable(sub) {
				return true
			}
		}
		return false
	}
	return true // empty match and assertions
}

// collapseRepeats rewrites, in place, each repetition `(?:X*L)+` (or `{1,}`, or
// X+ / X{k,} inside) whose body is an unbounded repetition of one character
// set X followed by literal characters L that X holds, as its body `X*L`, and
// `(?:X*L)*` as `(?:X*L)?`: they match the same texts (whatever precedes the
// last L is in X*), and the repeated form is ambiguous (`(.*\))+` splits
// `)))` in every way). It returns re.
func collapseRepeats(re *syntax.Regexp) *syntax.Regexp {
	for i, sub := range re.Sub {
		re.Sub[i] = collapseRepeats(sub)
	}
	if !isRepeat(re) || repeatMax(re) != -1 || re.Op == syntax.OpRepeat && re.Min > 1 {
		return re
	}
	body := re.Sub[0]
	for body.Op == syntax.OpCapture {
		body = body.Sub[0]
	}
	if body.Op != syntax.OpConcat || len(body.Sub) < 2 {
		return re
	}
	head := body.Sub[0]
	if !isRepeat(head) || repeatMax(head) != -1 {
		return re
	}
	x, ok := unitSet(head.Sub[0])
	if !ok {
		return re
	}
	for _, l := range body.Sub[1:] {
		if l.Op != syntax.OpLiteral && l.Op != syntax.OpCharClass {
			return re
		}
		set, _ := literalSet(l)
		if !x.holds(set) {
			return re
		}
	}
	if re.Op == syntax.OpStar || re.Op == syntax.OpRepeat && re.Min == 0 {
		return &syntax.Regexp{Op: syntax.OpQuest, Flags: re.Flags, Sub: []*syntax.Regexp{body}, Sub0: [1]*syntax.Regexp{body}}
	}
	return body
}

// maxAmbiguousRepeat is the bound above which a repetition of an ambiguous body
// counts as exponential (a body that matches the same text two ways, repeated
// n times, gives 2^n ways).
const maxAmbiguousRepeat = 8

// Backtracking returns a repetition in re that may make a backtracking matcher
// (PCRE2) take exponential time, or nil: an unbounded repetition (or a bounded
// one repeated, with the repetitions around it, more than eight times) whose
// body can match the same text in more than one way across its iterations.
// That is the case when the body can match the empty text, or when inside the
// body, with the next iteration after it, a choice (between alternatives, or
// between repeating an inner part again and going on) has two options that can
// start with the same character: `(a+)+`, `(a|aa)*`, `(\w+\s?)+`, `(.*,)*`. A
// single repetition followed by anything (`.*x`) is not: PCRE2 tries each split
// once per start position. re is read as parsed (Go factors common prefixes of
// alternatives, so `(a|ab)*` is `(ab?)*`, which is not ambiguous).
func Backtracking(re *syntax.Regexp) *syntax.Regexp {
	var found *syntax.Regexp
	// times is how often re can be repeated: the product of the maximum counts
	// of the repetitions around it (-1: unbounded), so that `((a|aa){4}){4}` counts 16.
	var walk func(re *syntax.Regexp, times int)
	walk = func(re *syntax.Regexp, times int) {
		if found != nil {
			return
		}
		if isRepeat(re) {
			max := repeatMax(re)
			switch {
			case max == -1 || times == -1:
				times = -1
			case times*max > maxAmbiguousRepeat:
				times = maxAmbiguousRepeat + 1
			default:
				times *= max
			}
			if times == -1 || times > maxAmbiguousRepeat {
				body := re.Sub[0]
				if nullable(body) || !deterministic(body, first(body, false)) {
					found = re
					return
				}
			}
		}
		for _, sub := range re.Sub {
			walk(sub, times)
		}
	}
	walk(re, 1)
	return found
}

// deterministic reports whether every choice inside re, followed by follow,
// is decided by the next character: alternatives start with distinct
// characters (a nullable one counting what follows), and a repetition's body
// starts with characters that cannot follow the repetition.
func deterministic(re *syntax.Regexp, follow charSet) bool {
	switch re.Op {
	case syntax.OpCapture:
		return deterministic(re.Sub[0], follow)
	case syntax.OpConcat:
		f := follow
		follows := make([]charSet, len(re.Sub))
		for i := len(re.Sub) - 1; i >= 0; i-- {
			follows[i] = f
			if nullable(re.Sub[i]) {
				f = f.union(first(re.Sub[i], false))
			} else {
				f = first(re.Sub[i], false)
			}
		}
		for i, sub := range re.Sub {
			if !deterministic(sub, follows[i]) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		sets := make([]charSet, len(re.Sub))
		for i, sub := range re.Sub {
			sets[i] = first(sub, false)
			if nullable(sub) {
				sets[i] = sets[i].union(follow)
			}
			for j := 0; j < i; j++ {
				if sets[i].meets(sets[j]) {
					return false
				}
			}
			if !deterministic(sub, follow) {
				return false
			}
		}
		return true
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		body := re.Sub[0]
		if re.Op == syntax.OpRepeat && re.Min == re.Max {
			return deterministic(body, follow.union(first(body, false)))
		}
		if nullable(body) || first(body, false).meets(follow) {
			return false
		}
		inner := follow
		if repeatMax(re) != 1 {
			inner = inner.union(first(body, false))
		}
		return deterministic(body, inner)
	}
	return true
}
