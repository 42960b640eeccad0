package rt

import (
	"regexp/syntax"
	"unicode"
	"unicode/utf8"
)

// A regular expression's guard literals (RegexGuard) are often letters every
// value has ("\", "."): Go's regexp then runs on most values of the field.
// classRun is a second necessary condition, checked after the guard: a run of
// consecutive bytes each in its ASCII class, that every match contains. It is
// derived from the expression's tree: `\.[ "']` gives a dot followed by a
// space or quote; `\s[a-f0-9]{64}` gives 64 bytes of [a-f0-9] in a row.

// byteSet is a set of bytes.
type byteSet [4]uint64

func (s *byteSet) add(b byte)      { s[b>>6] |= 1 << (b & 63) }
func (s *byteSet) has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }
func (s *byteSet) union(o byteSet) {
	s[0], s[1], s[2], s[3] = s[0]|o[0], s[1]|o[1], s[2]|o[2], s[3]|o[3]
}
func (s byteSet) ascii() bool { return s[2]|s[3] == 0 }
func (s byteSet) empty() bool { return s[0]|s[1]|s[2]|s[3] == 0 }
func (s byteSet) weight() (w float64) { // estimated frequency of the set's bytes in log text
	for b := 0; b < 128; b++ {
		if s.has(byte(b)) {
			w += float64(byteWeight(byte(unicode.ToLower(rune(b))))) / 120
		}
	}
	return min(w, 1)
}

// classRun is a run of byte classes every match of an expression contains;
// same says every class is classes[0] (a run of one class, checked by counting).
type classRun struct {
	classes []byteSet
	same    bool
}

// maxRunWindow bounds the classes of a run of different classes.
const maxRunWindow = 8

// minRunSelectivity is the estimated probability below which a run is worth checking.
const minRunSelectivity = 0.02

// regexRun derives the most selective class run of a regular expression
// source (as compiled, flags included); nil when none is selective enough.
func regexRun(src string) *classRun {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	// seq is the expression flattened into classes, a nil entry cutting it
	// where what precedes and what follows need not be adjacent.
	var seq []*byteSet
	cut := func() {
		if len(seq) > 0 && seq[len(seq)-1] != nil {
			seq = append(seq, nil)
		}
	}
	var flatten func(re *syntax.Regexp)
	flatten = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				flatten(sub)
			}
		case syntax.OpCapture:
			flatten(re.Sub[0])
		case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
			syntax.OpWordBoundary, syntax.OpNoWordBoundary:
			// Consume nothing: what surrounds them stays adjacent.
		case syntax.OpLiteral, syntax.OpCharClass:
			for _, set := range charSets(re) {
				if set == nil {
					cut()
					continue
				}
				seq = append(seq, set)
			}
		case syntax.OpRepeat, syntax.OpPlus:
			lo, hi := re.Min, re.Max
			if re.Op == syntax.OpPlus {
				lo, hi = 1, -1
			}
			sets := charSets(re.Sub[0])
			if lo < 1 || len(sets) != 1 || sets[0] == nil {
				cut()
				return
			}
			n := min(lo, 256)
			for i := 0; i < n; i++ {
				seq = append(seq, sets[0])
			}
			if hi != lo {
				// A variable length: its first n and last n bytes are each adjacent to their side.
				cut()
				for i := 0; i < n; i++ {
					seq = append(seq, sets[0])
				}
			}
		default:
			cut()
		}
	}
	flatten(re)
	weight := make([]float64, len(seq))
	for i, set := range seq {
		if set != nil {
			weight[i] = set.weight()
		}
	}
	var best *classRun
	bestP := minRunSelectivity
	for start := range seq {
		p, same := 1.0, true
		for end := start; end < len(seq) && seq[end] != nil; end++ {
			p *= weight[end]
			same = same && *seq[end] == *seq[start]
			if end-start+1 > maxRunWindow && !same {
				break
			}
			if p < bestP {
				bestP = p
				best = &classRun{same: same}
				for _, set := range seq[start : end+1] {
					best.classes = append(best.classes, *set)
				}
			}
		}
	}
	return best
}

// charSets returns the byte class of each character a literal or class node
// matches, nil for a character that may not be one ASCII byte (a rune
// outside ASCII, or a case fold reaching outside ASCII: k folds with the
// Kelvin sign). Other nodes give one nil.
func charSets(re *syntax.Regexp) []*byteSet {
	switch re.Op {
	case syntax.OpLiteral:
		out := make([]*byteSet, len(re.Rune))
		for i, r := range re.Rune {
			var s byteSet
			ok := r < utf8.RuneSelf
			if ok {
				s.add(byte(r))
			}
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r && ok; f = unicode.SimpleFold(f) {
					if f >= utf8.RuneSelf {
						ok = false
						break
					}
					s.add(byte(f))
				}
			}
			if ok {
				out[i] = &s
			}
		}
		return out
	case syntax.OpCharClass:
		var s byteSet
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf {
				return []*byteSet{nil}
			}
			for r := lo; r <= hi; r++ {
				s.add(byte(r))
			}
		}
		if s.empty() {
			return []*byteSet{nil}
		}
		return []*byteSet{&s}
	}
	return []*byteSet{nil}
}

// in reports whether t has the run.
func (r *classRun) in(t string) bool {
	if r.same {
		set, n, k := &r.classes[0], len(r.classes), 0
		for i := 0; i < len(t); i++ {
			if !set.has(t[i]) {
				k = 0
				continue
			}
			if k++; k >= n {
				return true
			}
		}
		return false
	}
	n := len(r.classes)
	first := &r.classes[0]
outer:
	for i := 0; i+n <= len(t); i++ {
		if !first.has(t[i]) {
			continue
		}
		for j := 1; j < n; j++ {
			if !r.classes[j].has(t[i+j]) {
				continue outer
			}
		}
		return true
	}
	return false
}
