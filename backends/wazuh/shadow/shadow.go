package shadow

import (
	"fmt"
)

// Shadow is a sibling rule that Wazuh tries before a given rule under the same
// parent and that can match an event the rule matches: when it does, the event
// goes down its branch and the rule is never tried (first match wins, no
// backtracking).
type Shadow struct {
	// Rule is the rule that can be shadowed, Parent the parent it hangs under.
	Rule, Parent int
	// By is the sibling tried first.
	By *Rule
	// Kind classifies the case: "level0" (a level-0 or noalert rule ends the
	// event below it: every event it matches is lost), "correlation" (a
	// frequency/if_matched rule, only when its history holds), "level" (a
	// higher level) or "order" (same level, loaded first).
	Kind string
	// Why says why By comes first and what happens then.
	Why string
}

// placement is one place of a rule in the tree: its parent node and index,
// and the rules on the path from the root to the parent (whose tests every
// event tried there passed).
type placement struct {
	parent *node
	index  int
	path   []*Rule
}

// placements indexes where every rule hangs (computed once).
func (rs *Ruleset) placements() map[int][]placement {
	if rs.places != nil {
		return rs.places
	}
	rs.places = map[int][]placement{}
	var walk func(n *node, path []*Rule)
	walk = func(n *node, path []*Rule) {
		path = append(path[:len(path):len(path)], n.rule)
		for i, c := range n.children {
			rs.places[c.rule.ID] = append(rs.places[c.rule.ID], placement{n, i, path})
			walk(c, path)
		}
	}
	for _, r := range rs.roots {
		walk(r, nil)
	}
	return rs.places
}

// Shadows returns the siblings that can shadow the rule with the given id, under
// each parent it hangs under. consider filters the candidate siblings (e.g.
// stock rules only). Two rules can match the same event unless the tests they
// both make on one field, static field or the log cannot hold together
// (decided on automata; when unsure they are taken to overlap). A sibling the
// rule also hangs under is not reported: the rule is tried among its children.
// For many rules with one filter, an Analyzer answers faster.
func (rs *Ruleset) Shadows(id int, consider func(*Rule) bool) []Shadow {
	return rs.Analyzer(consider).Shadows(id)
}

// Analyzer answers Shadows for any number of rules with one candidate filter,
// remembering which siblings under each parent pass it.
type Analyzer struct {
	rs         *Ruleset
	consider   func(*Rule) bool
	candidates map[*node][]int32
	// below holds the merged targets of the path to a node (the node's rule
	// included), for the checks of the rules tried after it or under it.
	below map[*node][]target
}

// Analyzer returns an Analyzer over the rules loaded so far; consider filters
// the candidate siblings (nil: all).
func (rs *Ruleset) Analyzer(consider func(*Rule) bool) *Analyzer {
	if rs.overlap == nil {
		rs.overlap = newOverlapChecker(rs.table)
	}
	return &Analyzer{rs: rs, consider: consider, candidates: map[*node][]int32{}, below: map[*node][]target{}}
}

// merged returns the merged targets of path and then n's rule.
func (a *Analyzer) merged(n *node, path []*Rule) []target {
	if t, ok := a.below[n]; ok {
		return t
	}
	t := a.rs.overlap.merge(append(path[:len(path):len(path)], n.rule))
	a.below[n] = t
	return t
}

// siblings returns the positions of the children of n that pass the filter.
func (a *Analyzer) siblings(n *node) []int32 {
	if c, ok := a.candidates[n]; ok {
		return c
	}
	var c []int32
	for i, sib := range n.children {
		if a.consider == nil || a.consider(sib.rule) {
			c = append(c, int32(i))
		}
	}
	a.candidates[n] = c
	return c
}

// Shadows returns the siblings that can shadow the rule with the given id
// (see Ruleset.Shadows).
func (a *Analyzer) Shadows(id int) []Shadow {
	rs := a.rs
	r := rs.byID[id]
	if r == nil {
		return nil
	}
	places := rs.placements()
	under := map[int]bool{}
	for _, p := range places[id] {
		under[p.parent.rule.ID] = true
	}
	var out []Shadow
	var reported map[[2]int]bool
	for _, p := range places[id] {
		// The rule's own tests must be able to hold below this parent.
		if !rs.overlap.canOverlapWith(a.merged(p.parent, p.path[:len(p.path)-1]), r) {
			continue
		}
		for _, i := range a.siblings(p.parent) {
			if int(i) >= p.index {
				break
			}
			sib := p.parent.children[i]
			s := sib.rule
			if s.ID == id || under[s.ID] || reported[[2]int{p.parent.rule.ID, s.ID}] {
				continue
			}
			var why, kind string
			switch {
			case s.NoAlert && len(sib.children) == 0:
				continue // a matching noalert leaf lets the siblings be tried
			case s.NoAlert:
				kind, why = "level0", "noalert rule tried first: when one of its children matches, the event ends there"
			case s.Level == 0:
				kind, why = "level0", "level-0 rule tried first: the event ends on it (no alert) or on one of its children"
			case s.Context:
				kind, why = "correlation", fmt.Sprintf("correlation rule at level %d tried first: when its history holds, it takes the event", s.Level)
			case s.Level > r.Level:
				kind, why = "level", fmt.Sprintf("level %d above %d: tried first", s.Level, r.Level)
			default:
				kind, why = "order", fmt.Sprintf("same level %d, loaded first", s.Level)
			}
			if !rs.overlap.canOverlapWith(a.merged(sib, p.path), r) {
				continue
			}
			if reported == nil {
				reported = map[[2]int]bool{}
			}
			reported[[2]int{p.parent.rule.ID, s.ID}] = true
			out = append(out, Shadow{Rule: id, Parent: p.parent.rule.ID, By: s, Kind: kind, Why: why})
		}
	}
	return out
}

// OverlapStats returns how many automaton searches the shadowing analysis ran
// and how many gave up (counted as overlaps).
func (rs *Ruleset) OverlapStats() (searches, overBudget int) {
	if rs.overlap == nil {
		return 0, 0
	}
	return rs.overlap.Searches, rs.overlap.OverBudget
}

// SearchesRun is how many of the OverlapStats searches ran (the others were
// read from the Verdicts table).
func (rs *Ruleset) SearchesRun() int {
	if rs.overlap == nil {
		return 0
	}
	return rs.overlap.Computed
}

// OverlapStates is the number of product states the analysis explored.
func (rs *Ruleset) OverlapStates() int {
	if rs.overlap == nil {
		return 0
	}
	return rs.overlap.States
}

// TreeNodes counts the nodes of the rule tree as analysisd builds it (a rule
// has one node per place it hangs: every if_sid parent adds a copy, and so
// does every copy of a parent), in total and for the rules keep selects. The
// count is what a manager pays at start: loading searches the tree for every
// parent of every rule.
func (rs *Ruleset) TreeNodes(keep func(*Rule) bool) (total, kept int) {
	var walk func(list []*node)
	walk = func(list []*node) {
		for _, n := range list {
			total++
			if keep(n.rule) {
				kept++
			}
			walk(n.children)
		}
	}
	walk(rs.roots)
	return total, kept
}
