package shadow

import (
	"fmt"
	"github.com/rulec/rulec/backends/wazuh/internal/wazuhre"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
)

// This file decides whether two rules can match the same event: each rule's
// positive tests become Go regular expressions over the value seen as Latin-1
// (one rune per byte, as the simulator matches), and the tests on one target
// (a field, a static field, or the log) of both rules are intersected as
// automata. An empty intersection proves the rules disjoint; anything else,
// including running out of budget, counts as a possible overlap.

// goRegexes returns Go regular expressions that a value passing t must all
// match (an over-approximation: negated tests and negative lookaheads are left out).
func (t Test) goRegexes() []string {
	e := t
	if e.Negate {
		return nil
	}
	switch e.Type {
	case "pcre2":
		return pcre2ToGo(e.Pattern)
	case "osregex":
		if s, ok := osRegexToGo(e.Pattern); ok {
			return []string{s}
		}
	case "osmatch":
		if s, ok := osMatchToGo(e.Pattern); ok {
			return []string{s}
		}
	case "string":
		return []string{`^` + regexp.QuoteMeta(wazuhre.Latin1(e.Pattern)) + `\z`}
	}
	return nil
}

func pcre2ToGo(p string) []string {
	p = wazuhre.GreedyForms(wazuhre.UTFVerb(p))
	if looks, rest, ok := wazuhre.SplitLookaheads(p); ok {
		var out []string
		for _, l := range looks {
			if !l.Neg {
				out = append(out, wazuhre.ReplaceBigZ(wazuhre.Latin1("^(?:"+l.Body+")")))
			}
		}
		return append(out, wazuhre.ReplaceBigZ(wazuhre.Latin1("^(?:"+rest+")")))
	}
	return []string{wazuhre.ReplaceBigZ(wazuhre.Latin1(p))}
}

// osClassGo renders an OS_Regex class as a Go character class over bytes 0-255.
func osClassGo(k byte) string {
	var b strings.Builder
	b.WriteByte('[')
	for c := 0; c < 256; c++ {
		if wazuhre.OSClass(k, byte(c)) {
			fmt.Fprintf(&b, `\x{%x}`, c)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// osRegexToGo translates an OS_Regex pattern (case-insensitive; `|`
// alternatives with ^ and $; backslash classes, which alone take + and *).
func osRegexToGo(p string) (string, bool) {
	if strings.HasPrefix(p, "!") {
		return "", false
	}
	var alts []string
	for _, sub := range splitUnescaped(p) {
		var b strings.Builder
		if strings.HasPrefix(sub, "^") {
			b.WriteString("^")
			sub = sub[1:]
		}
		end := false
		if strings.HasSuffix(sub, "$") && !strings.HasSuffix(sub, `\$`) {
			end, sub = true, sub[:len(sub)-1]
		}
		for i := 0; i < len(sub); i++ {
			c := sub[i]
			switch {
			case c == '\\' && i+1 < len(sub):
				code, ok := wazuhre.OSEscape(sub[i+1])
				if !ok {
					return "", false
				}
				i++
				b.WriteString(osClassGo(code))
				if i+1 < len(sub) && wazuhre.IsPlus(sub[i+1]) {
					i++
					b.WriteByte(sub[i])
				}
			case c == '(' || c == ')':
				b.WriteByte(c)
			default:
				b.WriteString(regexp.QuoteMeta(string(rune(c))))
			}
		}
		if end {
			b.WriteString(`\z`)
		}
		alts = append(alts, b.String())
	}
	return "(?i)(?:" + strings.Join(alts, "|") + ")", true
}

func splitUnescaped(p string) []string {
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			i++
			continue
		}
		if p[i] == '|' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return append(out, p[start:])
}

// osMatchToGo translates an OS_Match pattern (literal, case-insensitive, `|`, ^ and $).
func osMatchToGo(p string) (string, bool) {
	if strings.HasPrefix(p, "!") {
		return "", false
	}
	var alts []string
	for _, sub := range strings.Split(p, "|") {
		pre, suf := "", ""
		if strings.HasPrefix(sub, "^") {
			pre, sub = "^", sub[1:]
		}
		if strings.HasSuffix(sub, "$") {
			suf, sub = `\z`, sub[:len(sub)-1]
		}
		alts = append(alts, pre+regexp.QuoteMeta(wazuhre.Latin1(sub))+suf)
	}
	return "(?i)(?:" + strings.Join(alts, "|") + ")", true
}

// nfa is a compiled regular expression without empty transitions, over the
// runes 0-255: sets hold consuming states and accepting markers.
type nfa struct {
	// start is the state set at the start of the text.
	start []uint32
	// accept[pc]: the text may end with pc in the set.
	accept []bool
	// match[pc] is the set of bytes pc consumes (nil for non-consuming pcs).
	match [][4]uint64
	// next[pc] is the state set after pc consumed a byte.
	next [][]uint32
	dfa  *dfa
}

func (c *overlapChecker) nfa(re string) *nfa {
	if n, ok := c.nfas[re]; ok {
		return n
	}
	var n *nfa
	if x, err := syntax.Parse(`(?s:.)*?(?:`+re+`)(?s:.)*`, syntax.Perl); err == nil {
		if p, err := syntax.Compile(x.Simplify()); err == nil {
			n = buildNFA(p)
		}
	}
	c.nfas[re] = n
	return n
}

func buildNFA(p *syntax.Prog) *nfa {
	n := &nfa{accept: make([]bool, len(p.Inst)), match: make([][4]uint64, len(p.Inst)), next: make([][]uint32, len(p.Inst))}
	consuming := make([]bool, len(p.Inst))
	for pc := range p.Inst {
		in := &p.Inst[pc]
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			consuming[pc] = true
			for r := rune(0); r < 256; r++ {
				if in.MatchRune(r) {
					n.match[pc][r>>6] |= 1 << (r & 63)
				}
			}
		}
	}
	for pc := range p.Inst {
		n.accept[pc] = accepts(p, []uint32{uint32(pc)})
	}
	n.start = closure(p, []uint32{uint32(p.Start)}, true)
	for pc := range p.Inst {
		if consuming[pc] {
			n.next[pc] = closure(p, []uint32{p.Inst[pc].Out}, false)
		}
	}
	return n
}

// search explores the product of the automata (as lazily built DFAs), one
// byte class at a time, until every automaton accepts together (a common
// string) or no new state is left (none).
func (c *overlapChecker) search(res []string) bool {
	dfas := make([]*dfa, len(res))
	for i, re := range res {
		n := c.nfa(re)
		if n == nil {
			return true
		}
		if len(n.start) == 0 {
			return false
		}
		if n.dfa == nil {
			n.dfa = newDFA(n)
		}
		dfas[i] = n.dfa
	}
	// Quick witness: a short string of one automaton that all others accept.
	for i, d := range dfas {
		for _, w := range d.samples() {
			ok := true
			for j, e := range dfas {
				if j != i && !e.accepts(w) {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	// Then two short strings one after the other (an anchored prefix and a
	// contained part, a contained part and an anchored suffix).
	if len(dfas) == 2 {
		as, bs := dfas[0].samples(), dfas[1].samples()
		for i, a := range as {
			for j, b := range bs {
				if i >= 8 || j >= 8 {
					break
				}
				for _, w := range [][]byte{append(slices.Clone(a), b...), append(slices.Clone(b), a...)} {
					if dfas[0].accepts(w) && dfas[1].accepts(w) {
						return true
					}
				}
			}
		}
	}
	return c.product(dfas)
}

// product searches the product of the DFAs depth first, one joint byte
// class at a time, for states where all accept together (see search).
func (c *overlapChecker) product(dfas []*dfa) bool {
	symbols := jointSymbols(dfas, c.symbols[:0])
	c.symbols = symbols
	// Product states are keyed by the DFA state numbers (packed in a uint64
	// when they fit, the common case); the sets are kept for the next search
	// and cleared.
	n := len(dfas)
	c.seen2.reset()
	if c.seenN == nil {
		c.seenN = map[string]struct{}{}
	}
	clear(c.seenN)
	bits := uint(64 / n) // bits per DFA state number in a packed key
	visit := func(st []int32) bool {
		if k, ok := packStates(st, bits); ok {
			return c.seen2.add(k)
		}
		buf := c.keyBuf[:0]
		for _, x := range st {
			buf = append(buf, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		c.keyBuf = buf
		if _, ok := c.seenN[string(buf)]; ok {
			return false
		}
		c.seenN[string(buf)] = struct{}{}
		return true
	}
	// The stack holds product states of n DFA states each, one after the other.
	stack := append(c.stack[:0], make([]int32, n)...)
	visit(stack)
	count := 1
	scratch := make([]int32, n)
	defer func() { c.stack = stack[:0] }()
	// Depth first: a common string, when there is one, is usually found along
	// the first path that advances the automata.
	for len(stack) > 0 {
		cur := stack[len(stack)-n:]
		stack = stack[:len(stack)-n]
		c.States++
		all := true
		for i, d := range dfas {
			if !d.accept[cur[i]] {
				all = false
				break
			}
		}
		if all {
			return true
		}
		// The successors are pushed where cur was: work on a copy.
		cur = append(c.cur[:0], cur...)
		c.cur = cur
		for _, b := range symbols {
			dead := false
			for i, d := range dfas {
				if scratch[i] = d.step(cur[i], b); scratch[i] < 0 {
					dead = true
					break
				}
			}
			if dead || !visit(scratch) {
				continue
			}
			if count++; count > c.budget {
				c.OverBudget++
				return true
			}
			stack = append(stack, scratch...)
		}
	}
	return false
}

// keySet is a set of uint64 keys (open addressing, linear probing) emptied
// in constant time: a slot holds a key of the current generation only.
type keySet struct {
	keys []uint64
	gens []uint32
	gen  uint32
	n    int
}

// reset empties the set.
func (s *keySet) reset() {
	s.gen++
	s.n = 0
	if s.gen == 0 { // wrapped: old stamps could read as current
		clear(s.gens)
		s.gen = 1
	}
}

// add inserts k and reports whether it was new.
func (s *keySet) add(k uint64) bool {
	if 2*(s.n+1) > len(s.keys) {
		s.grow()
	}
	mask := uint64(len(s.keys) - 1)
	for h := (k * 0x9E3779B97F4A7C15) >> 32 & mask; ; h = (h + 1) & mask {
		if s.gens[h] != s.gen {
			s.keys[h], s.gens[h] = k, s.gen
			s.n++
			return true
		}
		if s.keys[h] == k {
			return false
		}
	}
}

// grow doubles the table (at least 1024 slots) and re-adds the keys.
func (s *keySet) grow() {
	keys, gens, gen := s.keys, s.gens, s.gen
	size := max(1024, 2*len(keys))
	s.keys, s.gens, s.gen, s.n = make([]uint64, size), make([]uint32, size), 1, 0
	for i, k := range keys {
		if gens[i] == gen {
			s.add(k)
		}
	}
}

// packStates packs DFA state numbers of bits bits each into a uint64 (false
// when one does not fit). A product state always packs the same way, so the
// packed and the string keys never meet.
func packStates(st []int32, bits uint) (uint64, bool) {
	var k uint64
	for _, x := range st {
		if bits < 32 && x >= 1<<bits {
			return 0, false
		}
		k = k<<bits | uint64(uint32(x))
	}
	return k, true
}

// jointSymbols appends to out one byte of each joint byte class: bytes that
// every DFA puts in the same class, the lowest first.
func jointSymbols(dfas []*dfa, out []byte) []byte {
	if len(dfas) <= 8 {
		// Each byte's classes packed in a uint64, compared with the keys seen.
		var keys [256]uint64
		nk := 0
		for b := 0; b < 256; b++ {
			var k uint64
			for i, d := range dfas {
				k |= uint64(d.class[b]) << (8 * i)
			}
			if !slices.Contains(keys[:nk], k) {
				keys[nk] = k
				nk++
				out = append(out, byte(b))
			}
		}
		return out
	}
	seen := map[string]bool{}
	key := make([]byte, len(dfas))
	for b := 0; b < 256; b++ {
		for i, d := range dfas {
			key[i] = d.class[b]
		}
		if !seen[string(key)] {
			seen[string(key)] = true
			out = append(out, byte(b))
		}
	}
	return out
}

// dfa is an NFA determinized on demand: states are NFA state sets, numbered in
// order of discovery (0 is the start), with transitions per byte class.
type dfa struct {
	n      *nfa
	class  [256]uint8 // byte -> class
	reps   []byte     // a representative byte per class
	sets   [][]uint32
	ids    map[string]int32
	accept []bool
	trans  [][]int32 // state -> class -> next (-1 dead, -2 not computed yet)
	marks  []uint32
	gen    uint32
	// setBuf and keyBuf are scratch of step and add.
	setBuf []uint32
	keyBuf []byte
	// sample holds a few short accepted strings (computed once).
	sample  [][]byte
	sampled bool
}

// maxSamples bounds the short strings tried as common witnesses.
const maxSamples = 16

// samples returns up to maxSamples shortest accepted strings, in breadth-first order.
func (d *dfa) samples() [][]byte {
	if d.sampled {
		return d.sample
	}
	d.sampled = true
	// Breadth first over states; each queue entry keeps its state, the
	// entry it came from and the byte read, so a path is built only for
	// the states that accept.
	type item struct {
		s, from int32
		b       byte
	}
	seen := map[int32]bool{0: true}
	queue := []item{{0, -1, 0}}
	for head := 0; head < len(queue) && len(d.sample) < maxSamples && len(seen) < 1024; head++ {
		it := queue[head]
		if d.accept[it.s] {
			// Longer strings through an accepting state only add context.
			var path []byte
			for e := it; e.from >= 0; e = queue[e.from] {
				path = append(path, e.b)
			}
			slices.Reverse(path)
			d.sample = append(d.sample, path)
			continue
		}
		for _, b := range d.reps {
			t := d.step(it.s, b)
			if t < 0 || seen[t] {
				continue
			}
			seen[t] = true
			queue = append(queue, item{t, int32(head), b})
		}
	}
	return d.sample
}

// accepts runs the automaton over a string.
func (d *dfa) accepts(w []byte) bool {
	s := int32(0)
	for _, b := range w {
		if s = d.step(s, b); s < 0 {
			return false
		}
	}
	return d.accept[s]
}

func newDFA(n *nfa) *dfa {
	d := &dfa{n: n, ids: map[string]int32{}, marks: make([]uint32, len(n.match))}
	// Classes: bytes that no consuming state tells apart (at most 256).
	var sigs [][4]uint64
	seenSig := map[[4]uint64]bool{}
	for _, m := range n.match {
		if m != ([4]uint64{}) && !seenSig[m] {
			seenSig[m] = true
			sigs = append(sigs, m)
		}
	}
	seen := map[string]uint8{}
	key := make([]byte, len(sigs))
	for b := 0; b < 256; b++ {
		for i, m := range sigs {
			key[i] = byte(m[b>>6] >> (b & 63) & 1)
		}
		id, ok := seen[string(key)]
		if !ok {
			id = uint8(len(d.reps))
			seen[string(key)] = id
			d.reps = append(d.reps, byte(b))
		}
		d.class[b] = id
	}
	d.add(n.start)
	return d
}

// add returns the number of the state of set, adding it when new (set is
// copied then: the caller may reuse it).
func (d *dfa) add(set []uint32) int32 {
	buf := d.keyBuf[:0]
	for _, x := range set {
		buf = append(buf, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	d.keyBuf = buf
	if id, ok := d.ids[string(buf)]; ok {
		return id
	}
	id := int32(len(d.sets))
	d.ids[string(buf)] = id
	d.sets = append(d.sets, slices.Clone(set))
	acc := false
	for _, pc := range set {
		acc = acc || d.n.accept[pc]
	}
	d.accept = append(d.accept, acc)
	tr := make([]int32, len(d.reps))
	for i := range tr {
		tr[i] = -2
	}
	d.trans = append(d.trans, tr)
	return id
}

// step returns the state after byte b, -1 when no string continues.
func (d *dfa) step(s int32, b byte) int32 {
	cl := d.class[b]
	if t := d.trans[s][cl]; t != -2 {
		return t
	}
	d.gen++
	set := d.setBuf[:0]
	for _, pc := range d.sets[s] {
		if d.n.match[pc][b>>6]&(1<<(b&63)) == 0 {
			continue
		}
		for _, q := range d.n.next[pc] {
			if d.marks[q] != d.gen {
				d.marks[q] = d.gen
				set = append(set, q)
			}
		}
	}
	d.setBuf = set
	t := int32(-1)
	if len(set) > 0 {
		slices.Sort(set)
		t = d.add(set)
	}
	d.trans[s][cl] = t
	return t
}

// closure follows empty transitions from pcs; atStart tells whether the
// position is the start of the text. The result holds rune instructions,
// Match, and end-of-text assertions (kept for accepts).
func closure(p *syntax.Prog, pcs []uint32, atStart bool) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	var visit func(pc uint32)
	visit = func(pc uint32) {
		if seen[pc] {
			return
		}
		seen[pc] = true
		in := &p.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			visit(in.Out)
			visit(in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			visit(in.Out)
		case syntax.InstEmptyWidth:
			op := syntax.EmptyOp(in.Arg)
			if op&syntax.EmptyBeginText != 0 && !atStart {
				return
			}
			if op&syntax.EmptyEndText != 0 {
				out = append(out, pc)
				return
			}
			visit(in.Out)
		case syntax.InstFail:
		default:
			out = append(out, pc)
		}
	}
	for _, pc := range pcs {
		visit(pc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// accepts reports whether the text may end here.
func accepts(p *syntax.Prog, set []uint32) bool {
	seen := map[uint32]bool{}
	var visit func(pc uint32) bool
	visit = func(pc uint32) bool {
		if seen[pc] {
			return false
		}
		seen[pc] = true
		in := &p.Inst[pc]
		switch in.Op {
		case syntax.InstMatch:
			return true
		case syntax.InstAlt, syntax.InstAltMatch:
			return visit(in.Out) || visit(in.Arg)
		case syntax.InstCapture, syntax.InstNop:
			return visit(in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText != 0 {
				return false
			}
			return visit(in.Out)
		}
		return false
	}
	for _, pc := range set {
		if visit(pc) {
			return true
		}
	}
	return false
}
