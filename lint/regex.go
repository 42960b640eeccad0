package lint

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// reConstruct is a regular expression construct found at a byte offset.
type reConstruct struct {
	Off  int
	Text string
	What string
}

// regexScan lists the constructs of a pattern that Go's RE2 rejects but PCRE accepts
// (pcreOnly), and those both accept but Wazuh's PCRE2 reads differently (differs).
// Wazuh compiles PCRE2 10.42 patterns with no options: no UTF mode, so the pattern and
// the subject are bytes, not UTF-8 characters.
func regexScan(p string) (pcreOnly, differs []reConstruct) {
	sc := &reScanner{p: p}
	prevAtom := -1 // offset of the previous atom, for quantifiers
	prevMultibyte := false
	for i := 0; i < len(p); {
		c := p[i]
		atom := -1
		multibyte := false
		switch {
		case c == '\\' && i+1 < len(p):
			end := sc.escape(i)
			if !sc.inClass {
				atom = i
			}
			i = end
		case sc.inClass:
			if c == ']' && i > sc.classStart {
				sc.inClass = false
				atom = sc.classStart
			} else if c >= utf8.RuneSelf {
				_, size := utf8.DecodeRuneInString(p[i:])
				sc.add(&sc.differs, i, i+size, "non-ASCII character in a class, which PCRE2 without UTF mode reads as separate bytes")
				i += size
				continue
			}
			i++
		case c == '[':
			i = sc.openClass(i)
			continue
		case c == '(' && strings.HasPrefix(p[i:], "(?"):
			sc.group(i)
			i++
		case c == '*' || c == '+' || c == '?' || c == '{' && isRepeat(p[i:]):
			i = sc.quantifier(i, prevAtom, prevMultibyte)
			prevAtom = -1
			continue
		default:
			if c >= utf8.RuneSelf {
				_, size := utf8.DecodeRuneInString(p[i:])
				atom, multibyte = i, true
				i += size
			} else {
				if c != '(' && c != ')' && c != '|' && c != '^' && c != '$' {
					atom = i
				}
				i++
			}
		}
		prevAtom, prevMultibyte = atom, multibyte
	}
	return sc.pcreOnly, sc.differs
}

// reScanner is the state of regexScan: the constructs found so far and
// whether the scan is inside a character class (opened at classStart).
type reScanner struct {
	p                 string
	pcreOnly, differs []reConstruct
	inClass           bool
	classStart        int
}

// add records the construct of p[off:end] in list.
func (sc *reScanner) add(list *[]reConstruct, off, end int, what string) {
	*list = append(*list, reConstruct{Off: off, Text: sc.p[off:min(end, len(sc.p))], What: what})
}

// escape reads the backslash escape at i and returns where it ends.
func (sc *reScanner) escape(i int) int {
	p := sc.p
	n := p[i+1]
	end := i + 2
	switch {
	case n == 'Q':
		// \Q...\E quotes literally in both flavours.
		if j := strings.Index(p[i+2:], `\E`); j >= 0 {
			end = i + 2 + j + 2
		} else {
			end = len(p)
		}
	case n >= '1' && n <= '9' && !sc.inClass:
		sc.add(&sc.pcreOnly, i, end, "backreference")
	case n >= '1' && n <= '9':
		sc.add(&sc.pcreOnly, i, end, "octal escape in a class")
	case n == 'k' || n == 'g':
		sc.add(&sc.pcreOnly, i, end+1, "backreference")
	case n == 'b' && sc.inClass:
		sc.add(&sc.pcreOnly, i, end, "backspace escape in a class")
	case strings.IndexByte("ZGKhHRXNCe", n) >= 0:
		sc.add(&sc.pcreOnly, i, end, pcreEscapes[n])
	case n == 'c' || n == 'o':
		sc.add(&sc.pcreOnly, i, end+1, pcreEscapes[n])
	case n == 'v' || n == 'V':
		sc.add(&sc.differs, i, end, `\v is a vertical-space class in PCRE2 but the vertical tab in RE2`)
	case n == 'p' || n == 'P':
		sc.add(&sc.differs, i, end, "Unicode property, applied to bytes (Latin-1) in PCRE2 without UTF mode")
	case n == 'x' && i+2 < len(p) && p[i+2] == '{':
		if j := strings.IndexByte(p[i+3:], '}'); j >= 0 {
			end = i + 3 + j + 1
			if v, err := strconv.ParseUint(p[i+3:i+3+j], 16, 32); err == nil && v > 0xff {
				sc.add(&sc.differs, i, end, "code point above \\xff, which PCRE2 without UTF mode rejects")
			}
		}
	}
	return end
}

// openClass reads the [ at i (with a negation, a leading literal ] and a
// leading POSIX class) and returns where the class body goes on.
func (sc *reScanner) openClass(i int) int {
	p := sc.p
	sc.inClass = true
	sc.classStart = i
	i++
	if i < len(p) && p[i] == '^' {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++ // a leading ] is literal
	}
	if strings.HasPrefix(p[i:], "[:") {
		if j := strings.Index(p[i:], ":]"); j >= 0 {
			i += j + 2
		}
	}
	return i
}

// group records the PCRE-only group kinds opened by "(?" at i.
func (sc *reScanner) group(i int) {
	rest := sc.p[i+2:]
	switch {
	case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
		sc.add(&sc.pcreOnly, i, i+3, "lookahead")
	case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
		sc.add(&sc.pcreOnly, i, i+4, "lookbehind")
	case strings.HasPrefix(rest, ">"):
		sc.add(&sc.pcreOnly, i, i+3, "atomic group")
	case strings.HasPrefix(rest, "|"):
		sc.add(&sc.pcreOnly, i, i+3, "branch reset group")
	case strings.HasPrefix(rest, "#"):
		sc.add(&sc.pcreOnly, i, i+3, "comment group")
	case strings.HasPrefix(rest, "("):
		sc.add(&sc.pcreOnly, i, i+3, "conditional group")
	case strings.HasPrefix(rest, "P="), strings.HasPrefix(rest, "P>"), strings.HasPrefix(rest, "&"):
		sc.add(&sc.pcreOnly, i, i+4, "named backreference or subroutine call")
	case len(rest) > 0 && (rest[0] == 'R' || rest[0] >= '0' && rest[0] <= '9' || rest[0] == '+' || rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'):
		sc.add(&sc.pcreOnly, i, i+3, "recursion or subroutine call")
	}
}

// quantifier reads the quantifier at i (possessive or after a multibyte
// atom starting at prevAtom) and returns where it ends.
func (sc *reScanner) quantifier(i, prevAtom int, prevMultibyte bool) int {
	p := sc.p
	end := i + 1
	if p[i] == '{' {
		end = i + strings.IndexByte(p[i:], '}') + 1
	}
	if end < len(p) && p[end] == '+' {
		sc.add(&sc.pcreOnly, end-1, end+1, "possessive quantifier")
		end++
	}
	if prevAtom >= 0 && prevMultibyte {
		sc.add(&sc.differs, prevAtom, end, "quantifier after a non-ASCII character, which PCRE2 without UTF mode applies to its last byte only")
	}
	return end
}

var pcreEscapes = map[byte]string{
	'Z': `\Z (end or before a final newline)`, 'G': `\G (start of match)`, 'K': `\K (reset match start)`,
	'h': `\h (horizontal space)`, 'H': `\H`, 'R': `\R (any newline)`, 'X': `\X (extended grapheme)`,
	'N': `\N (not a newline)`, 'C': `\C (one code unit)`, 'e': `\e (escape character)`,
	'c': `\cX (control character)`, 'o': `\o{...} (octal)`,
}

// isRepeat reports whether s starts with a {n}, {n,} or {n,m} repetition.
func isRepeat(s string) bool {
	end := strings.IndexByte(s, '}')
	if end < 2 {
		return false
	}
	lo, hi, comma := s[1:end], "", false
	if j := strings.IndexByte(lo, ','); j >= 0 {
		lo, hi, comma = lo[:j], lo[j+1:], true
	}
	digits := func(x string) bool {
		for _, ch := range x {
			if ch < '0' || ch > '9' {
				return false
			}
		}
		return true
	}
	return lo != "" && digits(lo) && digits(hi) && (comma || hi == "")
}
