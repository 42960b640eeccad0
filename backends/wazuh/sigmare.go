package wazuh

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/internal/backtrack"
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
	re = backtrack.CollapseRepeats(re)
	if sub := Backtracking(re); sub != nil {
		return alt{}, &BacktrackError{Expr: expr, Sub: sub.String()}
	}
	w := &reWriter{enc: enc}
	if err := w.write(re, backtrack.Set{}); err != nil {
		return alt{}, fmt.Errorf("regular expression %q: %w", expr, err)
	}
	return alt{core: w.b.String()}, nil
}

// Backtracking returns a repetition in re that may make PCRE2 backtrack
// exponentially, or nil (see backtrack.Find, which it is).
func Backtracking(re *syntax.Regexp) *syntax.Regexp { return backtrack.Find(re) }

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

func (w *reWriter) sub(re *syntax.Regexp, follow backtrack.Set) (string, error) {
	x := &reWriter{enc: w.enc}
	err := x.write(re, follow)
	return x.b.String(), err
}

// atom writes re as something a quantifier can follow.
func (w *reWriter) atom(re *syntax.Regexp, follow backtrack.Set) (string, error) {
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

// write writes re; follow is what may come after it (backtrack.FirstSet of the rest of
// the expression), used to make repetitions possessive where that keeps the meaning.
func (w *reWriter) write(re *syntax.Regexp, follow backtrack.Set) error {
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
func (w *reWriter) repeat(re *syntax.Regexp, follow backtrack.Set, lazy bool) error {
	body := re.Sub[0]
	inner := follow
	if max := backtrack.RepeatMax(re); max != 1 {
		inner = inner.Union(backtrack.FirstSet(body))
	}
	s, err := w.atom(body, inner)
	if err != nil {
		return err
	}
	if re.Op == syntax.OpRepeat && strings.HasPrefix(s, "(?:") {
		// PCRE2 compiles a counted repetition as that many copies of its
		// body, about 2.2 bytes of code per byte of pattern text (measured
		// with pcre2test on an eventchannel character class: 294 bytes per
		// copy of 138), and refuses a pattern over 64 KiB of code (link size
		// 2): {0,64} of a class fits, {0,400} does not.
		copies := max(re.Min, re.Max)
		if copies*len(s)*5/2 > maxRepeatCode {
			return fmt.Errorf("repetition {%d,%d} of a multi-character group exceeds PCRE2's compiled size once adapted to the value encoding (about %d bytes of code, limit %d)", re.Min, re.Max, copies*len(s)*5/2, maxRepeatCode)
		}
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

// maxRepeatCode bounds the estimated compiled size of one counted repetition
// of a group, half of PCRE2's 64 KiB so the rest of the pattern fits.
const maxRepeatCode = 32 << 10

// possessive reports whether a repetition of body followed by follow may be
// possessive: body is one character, and no character it matches can start
// what follows. An assertion (other than the end of the value) after it counts
// as anything. For eventchannel values, `&` also arrives as the start of the
// entities `&amp;`, `&lt;` and `&gt;`, so a repeated `&` counts as overlapping those.
func (w *reWriter) possessive(body *syntax.Regexp, follow backtrack.Set) bool {
	set, ok := backtrack.UnitSet(body)
	if !ok || follow.Any() {
		return false
	}
	if w.enc == EncodingEventchannel && set.Has('&') {
		set = set.Union(backtrack.Ranges('&', '&', '<', '<', '>', '>'))
	}
	return !set.Meets(follow)
}

// concat writes a sequence. A repetition of one character X followed by literal
// text L and then by an unbounded repetition of a character set that holds X
// and the characters of L (`.*L.*`) becomes `(*atomic:X*?L)`: the leftmost L is as good
// as any later one, since the repetition after it can take the text in between,
// and the atomic group keeps PCRE2 from trying every later L again (which makes
// chains like `.*a.*b.*c` polynomial).
func (w *reWriter) concat(subs []*syntax.Regexp, follow backtrack.Set) error {
	// follows[i]: what may come after subs[i].
	follows := make([]backtrack.Set, len(subs))
	f := follow
	for i := len(subs) - 1; i >= 0; i-- {
		follows[i] = f
		first := backtrack.FirstSet(subs[i])
		if backtrack.Nullable(subs[i]) {
			f = f.Union(first)
		} else {
			f = first
		}
	}
	// A repetition of one character set X followed by an optional repetition
	// of a set holding X (`\s+[^"]{0,64}w`) may be possessive when what
	// follows both cannot start with X: the optional one then takes the rest
	// of the X run whatever the split, so the longest X run is as good as
	// any, and the split is not tried n times over.
	for i := 0; i+1 < len(subs); i++ {
		x, ok1 := repeatUnit(subs[i])
		y, ok2 := repeatUnit(subs[i+1])
		if ok1 && ok2 && backtrack.Nullable(subs[i+1]) && y.Holds(x) {
			follows[i] = follows[i+1]
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

// repeatUnit returns the character set a repetition of one character repeats.
func repeatUnit(re *syntax.Regexp) (backtrack.Set, bool) {
	if !backtrack.IsRepeat(re) {
		return backtrack.Set{}, false
	}
	return backtrack.UnitSet(re.Sub[0])
}

// leftmostChain reports whether subs[i] is an unbounded repetition of one
// character X, followed by literal characters subs[i+1:j] (j > i+1) and then by
// an unbounded repetition subs[j] of one character set holding X and them.
func leftmostChain(subs []*syntax.Regexp, i int) (int, bool) {
	re := subs[i]
	if !backtrack.IsRepeat(re) || backtrack.RepeatMax(re) != -1 {
		return 0, false
	}
	x, ok := backtrack.UnitSet(re.Sub[0])
	if !ok {
		return 0, false
	}
	j := i + 1
	lits := backtrack.Set{}
	for ; j < len(subs); j++ {
		if subs[j].Op != syntax.OpLiteral && subs[j].Op != syntax.OpCharClass {
			break
		}
		set, _ := backtrack.LiteralSet(subs[j])
		lits = lits.Union(set)
	}
	if j == i+1 || j >= len(subs) {
		return 0, false
	}
	next := subs[j]
	if !backtrack.IsRepeat(next) || backtrack.RepeatMax(next) != -1 {
		return 0, false
	}
	y, ok := backtrack.UnitSet(next.Sub[0])
	if !ok || !y.Holds(x) || !y.Holds(lits) {
		return 0, false
	}
	return j, true
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
