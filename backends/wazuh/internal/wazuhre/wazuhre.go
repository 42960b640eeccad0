// Package wazuhre holds Wazuh pattern helpers shared by the simulator and the
// shadowing analysis: OS_Regex classes and the rewriting of PCRE2 patterns
// into Go regular expressions over bytes seen as Latin-1 runes.
package wazuhre

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// OSClass tells whether byte c belongs to the OS_Regex class with code k
// (\d \w \s \p \( \) \\ \D \W \S \. \t \$ \| \<).
func OSClass(k, c byte) bool {
	switch k {
	case 1: // \d
		return c >= '0' && c <= '9'
	case 2: // \w
		return c == '-' || c >= '0' && c <= '9' || c >= '@' && c <= 'Z' || c == '_' || c >= 'a' && c <= 'z'
	case 3: // \s
		return c == ' '
	case 4: // \p
		return c >= 33 && c <= 46 || c >= 58 && c <= 63 || c == '[' || c == ']' || c >= '{' && c <= '}'
	case 5:
		return c == '('
	case 6:
		return c == ')'
	case 7:
		return c == '\\'
	case 8: // \D
		return c < '0' || c > '9'
	case 9: // \W
		return c <= 44 || c == 46 || c == 47 || c >= 58 && c <= 63 || c >= 91 && c <= 94 || c == 96 || c >= 123
	case 10: // \S
		return c != ' '
	case 11: // \.
		return true
	case 12:
		return c == '\t'
	case 13:
		return c == '$'
	case 14:
		return c == '|'
	case 15:
		return c == '<'
	}
	return false
}

var osEscapes = map[byte]byte{'d': 1, 'w': 2, 's': 3, 'p': 4, '(': 5, ')': 6, '\\': 7, 'D': 8, 'W': 9, 'S': 10, '.': 11, 't': 12, '$': 13, '|': 14, '<': 15}

// OSEscape returns the class code of the OS_Regex escape `\c`.
func OSEscape(c byte) (byte, bool) {
	k, ok := osEscapes[c]
	return k, ok
}

// IsPlus tells whether c is an OS_Regex repetition (+ or *), which only follows a class.
func IsPlus(c byte) bool { return c == '+' || c == '*' }

// GreedyForms rewrites possessive quantifiers (`*+`, `++`, `?+`, `{m,n}+`) as
// greedy ones and atomic groups (`(?>...)`, `(*atomic:...)`) as plain groups,
// which Go's regexp can run. That is exact for the patterns rulec writes, which
// use them only where no other way through could lead to a match (so that PCRE2
// runs in linear time); for other patterns the simulator may match where PCRE2
// does not.
func GreedyForms(p string) string {
	var b strings.Builder
	quantified := false // the last token was a quantifier
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
			quantified = false
			continue
		case c == '[':
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for ; j < len(p) && p[j] != ']'; j++ {
				if p[j] == '\\' {
					j++
				}
			}
			b.WriteString(p[i:min(j+1, len(p))])
			i = j
			quantified = false
			continue
		case c == '+' && quantified:
			quantified = false
			continue
		case strings.HasPrefix(p[i:], "(*atomic:"):
			b.WriteString("(?:")
			i += len("(*atomic:") - 1
			quantified = false
			continue
		case strings.HasPrefix(p[i:], "(?>"):
			b.WriteString("(?:")
			i += 2
			quantified = false
			continue
		case c == '(' && i+1 < len(p) && p[i+1] == '?':
			b.WriteString("(?")
			i++
			quantified = false
			continue
		}
		if c != '{' {
			// not a counted quantifier (checked first: the regexp costs more than the byte test)
		} else if m := countQuantifier.FindString(p[i:]); m != "" {
			b.WriteString(m)
			i += len(m) - 1
			quantified = true
			continue
		}
		b.WriteByte(c)
		quantified = c == '*' || c == '+' || c == '?'
	}
	return b.String()
}

var countQuantifier = regexp.MustCompile(`^\{[0-9]+(?:,[0-9]*)?\}`)

// UTFVerb rewrites a pattern that starts with PCRE2's (*UTF) verb for byte
// matching: \N{U+hhhh} becomes the bytes of the character's UTF-8 encoding.
// (Other constructs keep their byte meaning, which is exact for ASCII.)
func UTFVerb(p string) string {
	if !strings.HasPrefix(p, "(*UTF)") {
		return p
	}
	p = p[len("(*UTF)"):]
	return utfEscape.ReplaceAllStringFunc(p, func(m string) string {
		n, err := strconv.ParseUint(m[5:len(m)-1], 16, 32)
		if err != nil {
			return m
		}
		var b strings.Builder
		for _, c := range []byte(string(rune(n))) {
			fmt.Fprintf(&b, `\x%02x`, c)
		}
		return "(?:" + b.String() + ")"
	})
}

var utfEscape = regexp.MustCompile(`\\N\{U\+[0-9A-Fa-f]+\}`)

// ReplaceBigZ rewrites PCRE2's \Z (end, or before a final newline) for Go.
func ReplaceBigZ(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			if p[i+1] == 'Z' {
				b.WriteString(`(?:\n?\z)`)
			} else {
				b.WriteString(p[i : i+2])
			}
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Latin1 maps every byte to the rune of the same value.
func Latin1(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// Lookahead is one lookahead of a leading run: its body and whether it is negative.
type Lookahead struct {
	Body string
	Neg  bool
}

// SplitLookaheads splits `^(?=a)(?!b)rest` (optionally after inline flags) into its parts.
func SplitLookaheads(p string) ([]Lookahead, string, bool) {
	flags := ""
	s := p
	if strings.HasPrefix(s, "(?") && len(s) > 3 && s[2] != '=' && s[2] != '!' && s[2] != ':' {
		end := strings.IndexByte(s, ')')
		if end > 0 && !strings.ContainsAny(s[2:end], ":(") {
			flags, s = s[:end+1], s[end+1:]
		}
	}
	if !strings.HasPrefix(s, "^(?=") && !strings.HasPrefix(s, "^(?!") {
		return nil, "", false
	}
	s = s[1:]
	var out []Lookahead
	for strings.HasPrefix(s, "(?=") || strings.HasPrefix(s, "(?!") {
		depth, end := 0, -1
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '[':
				for i++; i < len(s) && s[i] != ']'; i++ {
					if s[i] == '\\' {
						i++
					}
				}
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					end = i
				}
			}
			if end >= 0 {
				break
			}
		}
		if end < 0 {
			return nil, "", false
		}
		out = append(out, Lookahead{Body: flags + s[3:end], Neg: s[2] == '!'})
		s = s[end+1:]
	}
	return out, flags + s, true
}
