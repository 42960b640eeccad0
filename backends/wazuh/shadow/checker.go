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
	scratch  []target
	ids32    []int32
	buf      []byte
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
	for _, t := range r.tests {
		res := t.goRegexes()
		i := slices.IndexFunc(r.tg, func(x target) bool { return x.key == t.target })
		if i < 0 {
			r.tg = append(r.tg, target{key: t.target})
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
	gs := c.scratch[:0]
	for _, r := range rules {
		for _, t := range c.targets(r) {
			if len(t.res) > 0 {
				gs = append(gs, t)
			}
		}
	}
	slices.SortStableFunc(gs, func(a, b target) int { return strings.Compare(a.key, b.key) })
	c.scratch = gs
	for i := 0; i < len(gs); {
		j := i + 1
		for j < len(gs) && gs[j].key == gs[i].key {
			j++
		}
		if j-i > 1 || len(gs[i].res) > 1 {
			ids := c.ids32[:0]
			for _, g := range gs[i:j] {
				ids = append(ids, g.res...)
			}
			c.ids32 = ids
			if !c.intersects(ids) {
				return false
			}
		}
		i = j
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
