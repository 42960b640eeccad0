package shadow

import (
	"crypto/sha256"
	"slices"
	"sort"
	"strings"
)

// target is one thing a rule tests (a field, a static field, the log) and the
// Go regular expressions (interned ids) a value passing its tests must match.
type target struct {
	key string
	res []int32
}

// overlapChecker decides overlaps with interned regular expressions, a
// verdict per set of expressions (in memory, and in a Verdicts table kept
// across builds), and automata built once per expression.
type overlapChecker struct {
	ids  map[string]int32
	strs []string
	nfas map[string]*nfa
	// memo maps a multiset of regex ids (sorted, 4 bytes each) to its verdict.
	memo   map[string]bool
	table  *Verdicts
	budget int
	// Searches and OverBudget count the distinct automaton searches and those
	// that gave up; States the product states they explored (the same with
	// verdicts read from a table as when searched).
	Searches, OverBudget, States int
	// Computed counts the searches run (not found in the table).
	Computed int
	ids32    []int32
	buf      []byte
	// Scratch of the product search, kept from one search to the next.
	symbols []byte
	seen2   keySet
	seenN   map[string]struct{}
	stack   []int32
	cur     []int32
	keyBuf  []byte
}

func newOverlapChecker(table *Verdicts) *overlapChecker {
	return &overlapChecker{ids: map[string]int32{}, nfas: map[string]*nfa{}, memo: map[string]bool{}, table: table, budget: defaultBudget}
}

// defaultBudget bounds the product states of one search (over it, the
// expressions count as overlapping).
const defaultBudget = 2000

func (c *overlapChecker) intern(re string) int32 {
	if id, ok := c.ids[re]; ok {
		return id
	}
	id := int32(len(c.strs))
	c.ids[re] = id
	c.strs = append(c.strs, re)
	return id
}

// targets lists a rule's positive tests by what they test: "field:<name>"
// (lower-cased), "static:<name>", or "log" (match and regex), sorted by
// target; computed once per rule.
func (c *overlapChecker) targets(r *Rule) []target {
	if r.tgDone {
		return r.tg
	}
	r.tgDone = true
	for _, t := range r.Tests {
		res := t.goRegexes()
		i := slices.IndexFunc(r.tg, func(x target) bool { return x.key == t.Target })
		if i < 0 {
			r.tg = append(r.tg, target{key: t.Target})
			i = len(r.tg) - 1
		}
		for _, re := range res {
			r.tg[i].res = append(r.tg[i].res, c.intern(re))
		}
	}
	sort.Slice(r.tg, func(i, j int) bool { return r.tg[i].key < r.tg[j].key })
	return r.tg
}

// canOverlap reports whether some event can pass the tests of all the rules
// (as far as their own tests go; when unsure, it says yes). Targets are
// decided in name order and the first disjoint one ends the check.
func (c *overlapChecker) canOverlap(rules ...*Rule) bool {
	if len(rules) == 0 {
		return true
	}
	return c.canOverlapWith(c.merge(rules[:len(rules)-1]), rules[len(rules)-1])
}

// merge combines the targets of rules: sorted by target, each with all the
// rules' expressions on it (targets without any are left out).
func (c *overlapChecker) merge(rules []*Rule) []target {
	var out []target
	for _, r := range rules {
		for _, t := range c.targets(r) {
			if len(t.res) == 0 {
				continue
			}
			i, found := slices.BinarySearchFunc(out, t.key, func(x target, k string) int { return strings.Compare(x.key, k) })
			if !found {
				out = slices.Insert(out, i, target{key: t.key})
			}
			out[i].res = append(out[i].res, t.res...)
		}
	}
	return out
}

// canOverlapWith is canOverlap of rules whose targets merge gave ctx, and r.
// A target is decided when it holds two expressions or more (from one rule or
// several).
func (c *overlapChecker) canOverlapWith(ctx []target, r *Rule) bool {
	rt := c.targets(r)
	i, j := 0, 0
	for i < len(ctx) || j < len(rt) {
		ids := c.ids32[:0]
		switch {
		case j < len(rt) && len(rt[j].res) == 0:
			j++
			continue
		case j >= len(rt) || i < len(ctx) && ctx[i].key < rt[j].key:
			ids = append(ids, ctx[i].res...)
			i++
		case i >= len(ctx) || rt[j].key < ctx[i].key:
			ids = append(ids, rt[j].res...)
			j++
		default:
			ids = append(append(ids, ctx[i].res...), rt[j].res...)
			i++
			j++
		}
		c.ids32 = ids
		if len(ids) > 1 && !c.intersects(ids) {
			return false
		}
	}
	return true
}

// intersects reports whether one string matches every regex of the multiset
// ids (true when unsure).
func (c *overlapChecker) intersects(ids []int32) bool {
	slices.Sort(ids)
	buf := c.buf[:0]
	for _, id := range ids {
		buf = append(buf, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
	}
	c.buf = buf
	if v, ok := c.memo[string(buf)]; ok {
		return v
	}
	res := make([]string, len(ids))
	for i, id := range ids {
		res[i] = c.strs[id]
	}
	sort.Strings(res)
	h := sha256.New()
	for i, re := range res {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(re))
	}
	var key [32]byte
	h.Sum(key[:0])
	e, ok := c.table.get(key)
	if !ok {
		states, over := c.States, c.OverBudget
		e.overlap = c.search(res)
		e.states, e.over = uint32(c.States-states), c.OverBudget > over
		c.States, c.OverBudget = states, over
		c.Computed++
		c.table.put(key, e)
	}
	c.memo[string(buf)] = e.overlap
	c.Searches++
	c.States += int(e.states)
	if e.over {
		c.OverBudget++
	}
	return e.overlap
}
