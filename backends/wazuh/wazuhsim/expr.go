package wazuhsim

import (
	"fmt"
	"github.com/rulec/rulec/backends/wazuh/internal/wazuhre"
	"regexp"
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
			code, ok := wazuhre.OSEscape(pattern[i])
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

// osRegexMatch ports _OS_Regex (without substring capture). Both slices end with 0.
func osRegexMatch(pattern, str []byte, flags int) bool {
	m := osRegexRun{pattern: pattern, stErr: -1, rOK: true}
	for i := range m.ptErr {
		m.ptErr[i], m.ptErrStr[i] = -1, -1
	}
	for st := 0; str[st] != 0; st++ {
		switch m.at(m.pt) {
		case 0:
			if flags&osEnd == 0 {
				return m.rOK
			}
		case '(':
			m.pt++
			if m.at(m.pt) == 0 && flags&osEnd == 0 {
				return m.rOK
			}
		}
		if m.at(m.pt) == '\\' {
			switch m.class(&st, str[st], flags) {
			case osNext:
				continue
			case osMatched:
				return true
			}
		} else if m.at(m.pt) == lowerByte(str[st]) {
			m.pt++
			if m.stErr < 0 {
				m.stErr = st
			}
			m.rOK = true
			continue
		}
		// Error handling: back to a saved point, else start over.
		if m.restore(&st) {
			continue
		}
		if flags&osBegin != 0 {
			return false
		}
		if m.stErr >= 0 {
			st = m.stErr
			m.stErr = -1
		}
		m.pt = 0
		m.rOK = false
	}
	return m.endOK()
}

// osRegexRun is the state of one _OS_Regex run: the pattern position, the
// saved points to go back to (pattern and string positions, up to four),
// where the current attempt began in the string, and Wazuh's flags.
type osRegexRun struct {
	pattern           []byte
	pt                int
	ptErr, ptErrStr   [4]int
	stErr             int
	regexMatched, rOK bool
}

// at returns the pattern byte at i (0 past the end).
func (m *osRegexRun) at(i int) byte {
	if i < len(m.pattern) {
		return m.pattern[i]
	}
	return 0
}

// What class does with the string byte: go on with the next one, fail
// (back to a saved point), or end the run with a match.
const (
	osNext = iota
	osFail
	osMatched
)

// class matches c against the backslash class at the pattern position,
// with its + or * repetition; it may move the string position *st back one.
func (m *osRegexRun) class(st *int, c byte, flags int) int {
	pt := m.pt
	if !wazuhre.OSClass(m.at(pt+1), c) {
		switch {
		case (m.at(pt+2) == 0 || m.at(pt+3) == 0) && m.regexMatched && m.rOK:
			if flags&osEnd == 0 {
				return osMatched
			}
		case m.at(pt+2) == '+' && m.regexMatched:
			m.pt += 3
			*st--
			m.regexMatched = false
			return osNext
		case m.at(pt+2) == '*':
			m.pt += 3
			*st--
			m.rOK = true
			m.regexMatched = false
			return osNext
		}
		m.regexMatched = false
		return osFail
	}
	next := pt + 2
	if !wazuhre.IsPlus(m.at(next)) {
		m.pt = next
		if m.stErr < 0 {
			m.stErr = *st
		}
		m.rOK = true
		return osNext
	}
	if m.at(next) == '*' {
		m.regexMatched = true
	}
	if m.regexMatched {
		if !m.repeat(next, *st, c) {
			return osNext
		}
	} else {
		m.regexMatched = true
	}
	m.rOK = true
	return osNext
}

// repeat is a repeated class that matched c at string position st: when
// what follows the repetition can start at c, it saves a point to come back
// to and moves past the repetition. It returns false when the repetition
// ends the pattern (Wazuh then goes on without marking the run as matching).
func (m *osRegexRun) repeat(next, st int, c byte) bool {
	next++
	okHere := -1
	if m.at(next) == '(' {
		next++
	}
	switch {
	case m.at(next) == 0:
		okHere = 1
	case m.at(next) == '\\':
		if wazuhre.OSClass(m.at(next+1), c) {
			if !wazuhre.IsPlus(m.at(next + 2)) {
				okHere = 2
			} else {
				okHere = 0
			}
		}
	case m.at(next) == lowerByte(c):
		m.regexMatched = false
		okHere = 1
	}
	if okHere < 0 {
		return true
	}
	if m.at(next) == 0 {
		return false
	}
	next += okHere
	for k := 0; k < 4; k++ {
		if m.ptErr[k] < 0 {
			m.ptErr[k], m.ptErrStr[k] = m.pt, st
			break
		}
	}
	m.pt = next
	return true
}

// restore goes back to the last saved point, if any.
func (m *osRegexRun) restore(st *int) bool {
	for k := 3; k >= 0; k-- {
		if m.ptErr[k] >= 0 {
			m.pt, *st = m.ptErr[k], m.ptErrStr[k]
			m.ptErr[k] = -1
			return true
		}
	}
	return false
}

// endOK is the end of the string: the rest of the pattern must be empty or
// optional (the same sequence of checks as Wazuh's, including how it moves
// the pointer).
func (m *osRegexRun) endOK() bool {
	p := m.pt
	endf := func() bool {
		if m.at(p) == '(' {
			p++
		}
		return m.at(p) == 0
	}
	if endf() {
		return m.rOK
	}
	if m.at(p) == '\\' && m.regexMatched {
		p += 2
		if wazuhre.IsPlus(m.at(p)) {
			p++
			if endf() {
				return m.rOK
			}
			if m.at(p) == '\\' {
				p += 2
				if m.at(p) == '*' {
					p++
					if endf() {
						return m.rOK
					}
				}
			}
		}
	}
	if m.at(p) == '\\' {
		p += 2
		if m.at(p) == '*' {
			p++
			if endf() {
				return m.rOK
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
// backtracking forms (see greedyForms). A backreference runs only in the shape
// the backend writes for fieldref (see compileBackref); other lookarounds and
// backreferences are refused.
func CompilePCRE2(pattern string) (func(string) bool, error) {
	if looks, rest, ok := wazuhre.SplitLookaheads(pattern); ok {
		if len(looks) == 2 && strings.HasSuffix(looks[1].Body, `"\g{-1}"`) {
			return compileBackref(pattern, looks, rest)
		}
		var ms []func(string) bool
		var negs []bool
		for _, l := range looks {
			body := "^(?:" + l.Body + ")"
			if strings.HasPrefix(l.Body, "(?=") || strings.HasPrefix(l.Body, "(?!") {
				body = "^" + l.Body // a nested run of lookaheads, evaluated the same way
			}
			m, err := CompilePCRE2(body)
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
			negs = append(negs, l.Neg)
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
	goPat := wazuhre.ReplaceBigZ(wazuhre.Latin1(wazuhre.GreedyForms(wazuhre.UTFVerb(pattern))))
	re, err := regexp.Compile(goPat)
	if err != nil {
		return nil, fmt.Errorf("PCRE2 pattern %q is outside what the simulator can run: %w", pattern, err)
	}
	return func(s string) bool { return re.MatchString(wazuhre.Latin1(s)) }, nil
}

// backrefValue is what the backend's fieldref search captures and compares:
// one JSON string's content.
const backrefValue = `((?:[^"\\]|\\.)*)"`

// compileBackref runs the backend's equality of two JSON-log members,
// `^(?=A"(value)")(?=B"\g{-1}")` (each lookahead may start with (?i)): A's
// first match captures a value, and B's first match must be followed by the
// same text (compared byte for byte, ASCII letters folded under (?i), as
// PCRE2 without UTF does).
func compileBackref(pattern string, looks []wazuhre.Lookahead, rest string) (func(string) bool, error) {
	flags := strings.HasPrefix(looks[0].Body, "(?i)")
	if looks[0].Neg || looks[1].Neg || rest != "" && rest != "(?i)" || flags != strings.HasPrefix(looks[1].Body, "(?i)") ||
		strings.Count(looks[0].Body, `":"((?:`) != 1 || strings.Contains(looks[0].Body, `\g{`) {
		return nil, fmt.Errorf("PCRE2 pattern %q: a backreference outside the fieldref form is outside what the simulator can run", pattern)
	}
	first, err := regexp.Compile("^(?:" + wazuhre.Latin1(looks[0].Body) + ")")
	if err != nil {
		return nil, fmt.Errorf("PCRE2 pattern %q is outside what the simulator can run: %w", pattern, err)
	}
	second, err := regexp.Compile("^(?:" + wazuhre.Latin1(strings.TrimSuffix(looks[1].Body, `\g{-1}"`)+backrefValue) + ")")
	if err != nil {
		return nil, fmt.Errorf("PCRE2 pattern %q is outside what the simulator can run: %w", pattern, err)
	}
	fold := flags
	return func(s string) bool {
		s = wazuhre.Latin1(s)
		a := first.FindStringSubmatch(s)
		b := second.FindStringSubmatch(s)
		if a == nil || b == nil {
			return false
		}
		x, y := a[len(a)-1], b[len(b)-1]
		if !fold {
			return x == y
		}
		if len(x) != len(y) {
			return false
		}
		for i := 0; i < len(x); i++ {
			if lowerByte(x[i]) != lowerByte(y[i]) {
				return false
			}
		}
		return true
	}, nil
}
