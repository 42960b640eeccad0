// Package backtrack analyses regular expressions (as regexp/syntax parses them)
// for backtracking matchers such as PCRE2: the characters a match can start
// with, whether it can match the empty text, and the repetitions that can make
// a backtracking matcher take exponential time (Find). The Wazuh backend refuses
// the expressions Find reports and lint's regex-backtracking check reports them,
// both through this one implementation.
package backtrack

import (
	"regexp/syntax"
	"sort"
	"unicode"
)

// IsRepeat reports whether re is a repetition (*, +, ? or {n,m}).
func IsRepeat(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		return true
	}
	return false
}

// RepeatMax returns the maximum number of repetitions (-1: unbounded).
func RepeatMax(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpQuest:
		return 1
	}
	return re.Max
}

// Set is a set of characters (pairs of inclusive rune ranges), or any
// character / an assertion whose outcome depends on the text (any).
type Set struct {
	any bool
	r   []rune
}

// Ranges returns the set of the inclusive rune ranges lo, hi, lo, hi, ...
func Ranges(r ...rune) Set { return Set{r: append([]rune(nil), r...)} }

// Any reports whether the set stands for any character (or an assertion whose outcome depends on the text).
func (a Set) Any() bool { return a.any }

// Union returns the characters of both sets.
func (a Set) Union(b Set) Set {
	if a.any || b.any {
		return Set{any: true}
	}
	return Set{r: append(append([]rune{}, a.r...), b.r...)}
}

// Meets reports whether the sets share a character.
func (a Set) Meets(b Set) bool {
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

// Has reports whether r is in the set.
func (a Set) Has(r rune) bool { return a.Meets(Set{r: []rune{r, r}}) }

// Holds reports whether every character of b is in a.
func (a Set) Holds(b Set) bool {
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
func (a Set) merged() []rune {
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
	anyRunes   = Set{r: []rune{0, unicode.MaxRune}}
	notNLRunes = Set{r: []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}}
)

// FoldSet returns r and the characters that fold to it.
func FoldSet(r rune) Set {
	s := Set{r: []rune{r, r}}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		s.r = append(s.r, f, f)
	}
	return s
}

// UnitSet returns the characters re matches when it matches exactly one character.
func UnitSet(re *syntax.Regexp) (Set, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) != 1 {
			return Set{}, false
		}
		if re.Flags&syntax.FoldCase != 0 {
			return FoldSet(re.Rune[0]), true
		}
		return Set{r: []rune{re.Rune[0], re.Rune[0]}}, true
	case syntax.OpCharClass:
		return Set{r: append([]rune{}, re.Rune...)}, true
	case syntax.OpAnyChar:
		return anyRunes, true
	case syntax.OpAnyCharNotNL:
		return notNLRunes, true
	case syntax.OpCapture:
		return UnitSet(re.Sub[0])
	}
	return Set{}, false
}

// LiteralSet returns the characters of a literal or a class.
func LiteralSet(re *syntax.Regexp) (Set, bool) {
	if re.Op != syntax.OpLiteral {
		return UnitSet(re)
	}
	var s Set
	for _, r := range re.Rune {
		if re.Flags&syntax.FoldCase != 0 {
			s = s.Union(FoldSet(r))
		} else {
			s = s.Union(Set{r: []rune{r, r}})
		}
	}
	return s, true
}

// FirstSet returns the characters a match of re can start with; assertions
// (but the end of the value) count as any character.
func FirstSet(re *syntax.Regexp) Set { return first(re, true) }

func first(re *syntax.Regexp, assertAny bool) Set {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return Set{}
		}
		if re.Flags&syntax.FoldCase != 0 {
			return FoldSet(re.Rune[0])
		}
		return Set{r: []rune{re.Rune[0], re.Rune[0]}}
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		s, _ := UnitSet(re)
		return s
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return Set{any: assertAny}
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		return first(re.Sub[0], assertAny)
	case syntax.OpConcat:
		var s Set
		for _, sub := range re.Sub {
			s = s.Union(first(sub, assertAny))
			if !Nullable(sub) {
				break
			}
		}
		return s
	case syntax.OpAlternate:
		var s Set
		for _, sub := range re.Sub {
			s = s.Union(first(sub, assertAny))
		}
		return s
	}
	return Set{}
}

// Nullable reports whether re can match the empty text.
func Nullable(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune) == 0
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpCapture, syntax.OpPlus:
		return Nullable(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpRepeat:
		return re.Min == 0 || Nullable(re.Sub[0])
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !Nullable(sub) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			if Nullable(sub) {
				return true
			}
		}
		return false
	}
	return true // empty match and assertions
}

// CollapseRepeats rewrites, in place, each repetition `(?:X*L)+` (or `{1,}`, or
// X+ / X{k,} inside) whose body is an unbounded repetition of one character
// set X followed by literal characters L that X holds, as its body `X*L`, and
// `(?:X*L)*` as `(?:X*L)?`: they match the same texts (whatever precedes the
// last L is in X*), and the repeated form is ambiguous (`(.*\))+` splits
// `)))` in every way). It returns re.
func CollapseRepeats(re *syntax.Regexp) *syntax.Regexp {
	for i, sub := range re.Sub {
		re.Sub[i] = CollapseRepeats(sub)
	}
	if !IsRepeat(re) || RepeatMax(re) != -1 || re.Op == syntax.OpRepeat && re.Min > 1 {
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
	if !IsRepeat(head) || RepeatMax(head) != -1 {
		return re
	}
	x, ok := UnitSet(head.Sub[0])
	if !ok {
		return re
	}
	for _, l := range body.Sub[1:] {
		if l.Op != syntax.OpLiteral && l.Op != syntax.OpCharClass {
			return re
		}
		set, _ := LiteralSet(l)
		if !x.Holds(set) {
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

// Find returns a repetition in re that may make a backtracking matcher
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
func Find(re *syntax.Regexp) *syntax.Regexp {
	var found *syntax.Regexp
	// times is how often re can be repeated: the product of the maximum counts
	// of the repetitions around it (-1: unbounded), so that `((a|aa){4}){4}` counts 16.
	var walk func(re *syntax.Regexp, times int)
	walk = func(re *syntax.Regexp, times int) {
		if found != nil {
			return
		}
		if IsRepeat(re) {
			max := RepeatMax(re)
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
				if Nullable(body) || !deterministic(body, first(body, false)) {
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
// characters (a Nullable one counting what follows), and a repetition's body
// starts with characters that cannot follow the repetition.
func deterministic(re *syntax.Regexp, follow Set) bool {
	switch re.Op {
	case syntax.OpCapture:
		return deterministic(re.Sub[0], follow)
	case syntax.OpConcat:
		f := follow
		follows := make([]Set, len(re.Sub))
		for i := len(re.Sub) - 1; i >= 0; i-- {
			follows[i] = f
			if Nullable(re.Sub[i]) {
				f = f.Union(first(re.Sub[i], false))
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
		sets := make([]Set, len(re.Sub))
		for i, sub := range re.Sub {
			sets[i] = first(sub, false)
			if Nullable(sub) {
				sets[i] = sets[i].Union(follow)
			}
			for j := 0; j < i; j++ {
				if sets[i].Meets(sets[j]) {
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
			return deterministic(body, follow.Union(first(body, false)))
		}
		if Nullable(body) || first(body, false).Meets(follow) {
			return false
		}
		inner := follow
		if RepeatMax(re) != 1 {
			inner = inner.Union(first(body, false))
		}
		return deterministic(body, inner)
	}
	return true
}
