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
	add := func(list *[]reConstruct, off, end int, what string) {
		*list = append(*list, reConstruct{Off: off, Text: p[off:min(end, len(p))], What: what})
	}
	inClass := false
	classStart := 0
	prevAtom := -1 // offset of the previous atom, for quantifiers
	prevMultibyte := false
	for i := 0; i < len(p); {
		c := p[i]
		atom := -1
		multibyte := false
		switch {
		case c == '\\' && i+1 < len(p):
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
			case n >= '1' && n <= '9' && !inClass:
				add(&pcreOnly, i, end, "backreference")
			case n >= '1' && n <= '9':
				add(&pcreOnly, i, end, "octal escape in a class")
			case n == 'k' || n == 'g':
				add(&pcreOnly, i, end+1, "backreference")
			case n == 'b' && inClass:
				add(&pcreOnly, i, end, "backspace escape in a class")
			case strings.IndexByte("ZGKhHRXNCe", n) >= 0:
				add(&pcreOnly, i, end, pcreEscapes[n])
			case n == 'c' || n == 'o':
				add(&pcreOnly, i, end+1, pcreEscapes[n])
			case n == 'v' || n == 'V':
				add(&differs, i, end, `\v is a vertical-space class in PCRE2 but the vertical tab in RE2`)
			case n == 'p' || n == 'P':
				add(&differs, i, end, "Unicode property, applied to bytes (Latin-1) in PCRE2 without UTF mode")
			case n == 'x' && i+2 < len(p) && p[i+2] == '{':
				if j := strings.IndexByte(p[i+3:], '}'); j >= 0 {
					end = i + 3 + j + 1
					if v, err := strconv.ParseUint(p[i+3:i+3+j], 16, 32); err == nil && v > 0xff {
						add(&differs, i, end, "code point above \\xff, which PCRE2 without UTF mode rejects")
					}
				}
			}
			if !inClass {
				atom = i
			}
			i = end
		case inClass:
			if c == ']' && i > classStart {
				inClass = false
				atom = classStart
			} else if c >= utf8.RuneSelf {
				_, size := utf8.DecodeRuneInString(p[i:])
				add(&differs, i, i+size, "non-ASCII character in a class, which PCRE2 without UTF mode reads as separate bytes")
				i += size
				continue
			}
			i++
		case c == '[':
			inClass = true
			classStart = i
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
			continue
		case c == '(' && strings.HasPrefix(p[i:], "(?"):
			rest := p[i+2:]
			switch {
			case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"):
				add(&pcreOnly, i, i+3, "lookahead")
			case strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
				add(&pcreOnly, i, i+4, "lookbehind")
			case strings.HasPrefix(rest, ">"):
				add(&pcreOnly, i, i+3, "atomic group")
			case strings.HasPrefix(rest, "|"):
				add(&pcreOnly, i, i+3, "branch reset group")
			case strings.HasPrefix(rest, "#"):
				add(&pcreOnly, i, i+3, "comment group")
			case strings.HasPrefix(rest, "("):
				add(&pcreOnly, i, i+3, "conditional group")
			case strings.HasPrefix(rest, "P="), strings.HasPrefix(rest, "P>"), strings.HasPrefix(rest, "&"):
				add(&pcreOnly, i, i+4, "named backreference or subroutine call")
			case len(rest) > 0 && (rest[0] == 'R' || rest[0] >= '0' && rest[0] <= '9' || rest[0] == '+' || rest[0] == '-' && len(rest) > 1 && rest[1] >= '0' && rest[1] <= '9'):
				add(&pcreOnly, i, i+3, "recursion or subroutine call")
			}
			i++
		case c == '*' || c == '+' || c == '?' || c == '{' && isRepeat(p[i:]):
			end := i + 1
			if c == '{' {
				end = i + strings.IndexByte(p[i:], '}') + 1
			}
			if end < len(p) && p[end] == '+' {
				add(&pcreOnly, end-1, end+1, "possessive quantifier")
				end++
			}
			if prevAtom >= 0 && prevMultibyte {
				add(&differs, prevAtom, end, "quantifier after a non-ASCII character, which PCRE2 without UTF mode applies to its last byte only")
			}
			i = end
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
	return pcreOnly, differs
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
