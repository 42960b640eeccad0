package wazuh

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// regexAlt translates a Sigma regular expression (re modifier, with i/m/s flags)
// into an unanchored PCRE2 alternative that matches the Wazuh form of the values
// the Sigma expression matches. The expression is parsed (RE2 syntax: no
// lookaround or backreferences) and written back, so that literal characters get
// the value encoding of the source and `.` / classes match whole UTF-8 characters.
func regexAlt(expr, flags string, enc Encoding) (alt, error) {
	src := expr
	if flags != "" {
		src = "(?" + flags + ")" + expr
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return alt{}, fmt.Errorf("regular expression %q cannot be translated to PCRE2 for Wazuh: %w", expr, err)
	}
	w := &reWriter{enc: enc}
	if err := w.write(re); err != nil {
		return alt{}, fmt.Errorf("regular expression %q: %w", expr, err)
	}
	return alt{core: w.b.String()}, nil
}

type reWriter struct {
	b   strings.Builder
	enc Encoding
}

func (w *reWriter) sub(re *syntax.Regexp) (string, error) {
	x := &reWriter{enc: w.enc}
	err := x.write(re)
	return x.b.String(), err
}

// atom writes re as something a quantifier can follow.
func (w *reWriter) atom(re *syntax.Regexp) (string, error) {
	s, err := w.sub(re)
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

func (w *reWriter) write(re *syntax.Regexp) error {
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
		s, err := w.sub(re.Sub[0])
		if err != nil {
			return err
		}
		w.b.WriteString("(?:" + s + ")")
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		s, err := w.atom(re.Sub[0])
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
		if re.Flags&syntax.NonGreedy != 0 {
			w.b.WriteByte('?')
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := w.write(s); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		w.b.WriteString("(?:")
		for i, s := range re.Sub {
			if i > 0 {
				w.b.WriteByte('|')
			}
			if err := w.write(s); err != nil {
				return err
			}
		}
		w.b.WriteString(")")
	default:
		return fmt.Errorf("unsupported construct %v", re.Op)
	}
	return nil
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
		for _, r := range "&<>" {
			if set[r] {
				alts = append(alts, literalRune(r, true, w.enc))
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
			alts = append(alts, `[\xc0-\xff][\x80-\xbf]*`)
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
