package wazuhsim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// expr is a compiled Wazuh expression: osmatch, osregex, pcre2 or string, maybe negated.
type expr struct {
	typ    string
	negate bool
	match  func(s string) bool
	raw    string
}

// compileExpr compiles a pattern of the given type (Wazuh's w_expression_compile).
func compileExpr(typ, pattern string, negate bool) (*expr, error) {
	e := &expr{typ: typ, negate: negate, raw: pattern}
	switch typ {
	case "osmatch":
		e.match = compileOSMatch(pattern)
	case "osregex":
		m, err := compileOSRegex(pattern)
		if err != nil {
			return nil, err
		}
		e.match = m
	case "pcre2":
		m, err := CompilePCRE2(pattern)
		if err != nil {
			return nil, err
		}
		e.match = m
	case "string":
		e.match = func(s string) bool { return s == pattern }
	default:
		return nil, fmt.Errorf("unknown expression type %q", typ)
	}
	return e, nil
}

// test applies the expression with its negation (a missing value is tested by the caller).
func (e *expr) test(s string) bool { return e.match(s) != e.negate }

// ---- OS_Match: case-insensitive, `|` alternatives, `^` / `$` anchors, leading `!` negates ----

func compileOSMatch(pattern string) func(string) bool {
	neg := false
	if strings.HasPrefix(pattern, "!") {
		neg = true
		pattern = pattern[1:]
	}
	pattern = strings.ToLower(pattern)
	subs := strings.Split(pattern, "|")
	return func(s string) bool {
		ls := strings.ToLower(s)
		for _, p := range subs {
			begin := strings.HasPrefix(p, "^")
			if begin {
				p = p[1:]
			}
			end := strings.HasSuffix(p, "$")
			if end {
				p = p[:len(p)-1]
			}
			var ok bool
			switch {
			case begin && end:
				ok = ls == p
			case begin:
				ok = strings.HasPrefix(ls, p)
			case end:
				ok = strings.HasSuffix(ls, p)
			default:
				ok = strings.Contains(ls, p)
			}
			if ok {
				return !neg
			}
		}
		return neg
	}
}

// ---- OS_Regex: a faithful port of Wazuh's small regex matcher ----

// osClass tells whether byte c belongs to the OS_Regex class with code k
// (\d \w \s \p \( \) \\ \D \W \S \. \t \$ \| \<).
func osClass(k, c byte) bool {
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

const (
	osBegin = 1
	osEnd   = 2
)

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func compileOSRegex(pattern string) (func(string) bool, error) {
	if len(pattern) > 20480 {
		return nil, fmt.Errorf("OS_Regex pattern too long")
	}
	var b []byte
	paren := 0
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' {
			i++
			if i >= len(pattern) {
				return nil, fmt.Errorf("OS_Regex: trailing backslash in %q", pattern)
			}
			code, ok := osEscapes[pattern[i]]
			if !ok {
				return nil, fmt.Errorf("OS_Regex: bad escape \\%c in %q", pattern[i], pattern)
			}
			b = append(b, '\\', code)
			continue
		}
		switch c {
		case '(':
			paren++
		case ')':
			c = '('
			paren--
		}
		if paren != 0 && paren != 1 {
			return nil, fmt.Errorf("OS_Regex: bad parenthesis in %q", pattern)
		}
		if c == '|' && paren != 0 {
			return nil, fmt.Errorf("OS_Regex: alternation inside parenthesis in %q", pattern)
		}
		b = append(b, lowerByte(c))
	}
	if paren != 0 {
		return nil, fmt.Errorf("OS_Regex: unbalanced parenthesis in %q", pattern)
	}
	var subs [][]byte
	var flags []int
	start := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && !(b[i] == '|' && (i == 0 || b[i-1] != '\\')) {
			continue
		}
		sub := b[start:i]
		f := 0
		if len(sub) > 0 && sub[0] == '^' {
			sub = sub[1:]
			f |= osBegin
		}
		if len(sub) > 0 && sub[len(sub)-1] == '$' && !(len(sub) > 1 && sub[len(sub)-2] == '\\') {
			sub = sub[:len(sub)-1]
			f |= osEnd
		}
		subs = append(subs, append(append([]byte{}, sub...), 0))
		flags = append(flags, f)
		start = i + 1
	}
	return func(s string) bool {
		str := append([]byte(s), 0)
		for i, p := range subs {
			if osRegexMatch(p, str, flags[i]) {
				return true
			}
		}
		return false
	}, nil
}

func isPlus(c byte) bool { return c == '+' || c == '*' }

// osRegexMatch ports _OS_Regex (without substring capture). Both slices end with 0.
func osRegexMatch(pattern, str []byte, flags int) bool {
	pt := 0
	var ptErr [4]int
	var ptErrStr [4]int
	for i := range ptErr {
		ptErr[i], ptErrStr[i] = -1, -1
	}
	stErr := -1
	regexMatched := false
	rOK := true
	at := func(i int) byte {
		if i < len(pattern) {
			return pattern[i]
		}
		return 0
	}
	st := 0
	for ; str[st] != 0; st++ {
		switch at(pt) {
		case 0:
			if flags&osEnd == 0 {
				return rOK
			}
		case '(':
			pt++
			if at(pt) == 0 && flags&osEnd == 0 {
				return rOK
			}
		}
		if at(pt) == '\\' {
			if osClass(at(pt+1), str[st]) {
				next := pt + 2
				if !isPlus(at(next)) {
					pt = next
					if stErr < 0 {
						stErr = st
					}
					rOK = true
					continue
				}
				if at(next) == '*' {
					regexMatched = true
				}
				if regexMatched {
					next++
					okHere := -1
					if at(next) == '(' {
						next++
					}
					switch {
					case at(next) == 0:
						okHere = 1
					case at(next) == '\\':
						if osClass(at(next+1), str[st]) {
							if !isPlus(at(next + 2)) {
								okHere = 2
							} else {
								okHere = 0
							}
						}
					case at(next) == lowerByte(str[st]):
						regexMatched = false
						okHere = 1
					}
					if okHere >= 0 {
						if at(next) == 0 {
							continue
						}
						next += okHere
						for k := 0; k < 4; k++ {
							if ptErr[k] < 0 {
								ptErr[k], ptErrStr[k] = pt, st
								break
							}
						}
						pt = next
					}
				} else {
					next++
					if at(next) == '(' {
						next++
					}
					regexMatched = true
				}
				rOK = true
				continue
			} else if (at(pt+2) == 0 || at(pt+3) == 0) && regexMatched && rOK {
				if flags&osEnd == 0 {
					return true
				}
			} else if at(pt+2) == '+' && regexMatched {
				pt += 3
				st--
				regexMatched = false
				continue
			} else if at(pt+2) == '*' {
				pt += 3
				st--
				rOK = true
				regexMatched = false
				continue
			}
			regexMatched = false
		} else if at(pt) == lowerByte(str[st]) {
			pt++
			if stErr < 0 {
				stErr = st
			}
			rOK = true
			continue
		}
		// Error handling: back to a saved point.
		restored := false
		for k := 3; k >= 0; k-- {
			if ptErr[k] >= 0 {
				pt, st = ptErr[k], ptErrStr[k]
				ptErr[k] = -1
				restored = true
				break
			}
		}
		if restored {
			continue
		}
		if flags&osBegin != 0 {
			return false
		}
		if stErr >= 0 {
			st = stErr
			stErr = -1
		}
		pt = 0
		rOK = false
	}
	// End of string: the rest of the pattern must be empty or optional
	// (the same sequence of checks as Wazuh's, including how it moves the pointer).
	p := pt
	endf := func() bool {
		if at(p) == '(' {
			p++
		}
		return at(p) == 0
	}
	if endf() {
		return rOK
	}
	if at(p) == '\\' && regexMatched {
		p += 2
		if isPlus(at(p)) {
			p++
			if endf() {
				return rOK
			}
			if at(p) == '\\' {
				p += 2
				if at(p) == '*' {
					p++
					if endf() {
						return rOK
					}
				}
			}
		}
	}
	if at(p) == '\\' {
		p += 2
		if at(p) == '*' {
			p++
			if endf() {
				return rOK
			}
		}
	}
	return false
}

// ---- PCRE2 ----

// CompilePCRE2 compiles a PCRE2 pattern as Wazuh does (options 0: no UTF, byte
// semantics) into a Go matcher. The pattern and the subject are read byte per
// character (Latin-1), so `.`, classes and \xHH work on bytes as in PCRE2; a
// leading run of lookaheads `^(?=...)(?!...)` is evaluated as separate patterns
// (a lookahead whose body is itself such a run, as well).
// Possessive quantifiers and atomic groups (`*+`, `(*atomic:...)`) run as their
// backtracking forms (see greedyForms). Other lookarounds and backreferences are refused.
func CompilePCRE2(pattern string) (func(string) bool, error) {
	if looks, rest, ok := splitLookaheads(pattern); ok {
		var ms []func(string) bool
		var negs []bool
		for _, l := range looks {
			body := "^(?:" + l.body + ")"
			if strings.HasPrefix(l.body, "(?=") || strings.HasPrefix(l.body, "(?!") {
				body = "^" + l.body // a nested run of lookaheads, evaluated the same way
			}
			m, err := CompilePCRE2(body)
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
			negs = append(negs, l.neg)
		}
		restM, err := CompilePCRE2("^(?:" + rest + ")")
		if err != nil {
			return nil, err
		}
		return func(s string) bool {
			for i, m := range ms {
				if m(s) == negs[i] {
					return false
				}
			}
			return restM(s)
		}, nil
	}
	goPat := replaceBigZ(latin1(greedyForms(utfVerb(pattern))))
	re, err := regexp.Compile(goPat)
	if err != nil {
		return nil, fmt.Errorf("PCRE2 pattern %q is outside what the simulator can run: %w", pattern, err)
	}
	return func(s string) bool { return re.MatchString(latin1(s)) }, nil
}

// greedyForms rewrites possessive quantifiers (`*+`, `++`, `?+`, `{m,n}+`) as
// greedy ones and atomic groups (`(?>...)`, `(*atomic:...)`) as plain groups,
// which Go's regexp can run. That is exact for the patterns rulec writes, which
// use them only where no other way through could lead to a match (so that PCRE2
// runs in linear time); for other patterns the simulator may match where PCRE2
// does not.
func greedyForms(p string) string {
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
		if m := countQuantifier.FindString(p[i:]); m != "" {
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

// utfVerb rewrites a pattern that starts with PCRE2's (*UTF) verb for byte
// matching: \N{U+hhhh} becomes the bytes of the character's UTF-8 encoding.
// (Other constructs keep their byte meaning, which is exact for ASCII.)
func utfVerb(p string) string {
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

// replaceBigZ rewrites PCRE2's \Z (end, or before a final newline) for Go.
func replaceBigZ(p string) string {
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

// latin1 maps every byte to the rune of the same value.
func latin1(s string) string {
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

type lookahead struct {
	body string
	neg  bool
}

// splitLookaheads splits `^(?=a)(?!b)rest` (optionally after inline flags) into its parts.
func splitLookaheads(p string) ([]lookahead, string, bool) {
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
	var out []lookahead
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
		out = append(out, lookahead{body: flags + s[3:end], neg: s[2] == '!'})
		s = s[end+1:]
	}
	return out, flags + s, true
}
