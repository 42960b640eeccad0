package engine

import "sort"

// acAutomaton finds which of a set of needles occur in a text, in one pass
// (Aho-Corasick). Needles and texts are lowered byte strings.
type acAutomaton struct {
	nodes []acNode
	// root is a dense transition table for the root node.
	root [256]int32
}

type acNode struct {
	// edges are the node's children sorted by byte.
	edges []acEdge
	fail  int32
	// out is the needle ending here, or -1; dict links to the next node on the
	// fail chain that ends a needle, or -1.
	out  int32
	dict int32
}

type acEdge struct {
	b    byte
	next int32
}

// newAutomaton builds the automaton; needle i is reported as i.
func newAutomaton(needles []string) *acAutomaton {
	a := &acAutomaton{nodes: []acNode{{out: -1, dict: -1}}}
	for i, n := range needles {
		cur := int32(0)
		for j := 0; j < len(n); j++ {
			next := a.child(cur, n[j])
			if next < 0 {
				next = int32(len(a.nodes))
				a.nodes = append(a.nodes, acNode{out: -1, dict: -1})
				e := a.nodes[cur].edges
				k := sort.Search(len(e), func(x int) bool { return e[x].b >= n[j] })
				e = append(e, acEdge{})
				copy(e[k+1:], e[k:])
				e[k] = acEdge{b: n[j], next: next}
				a.nodes[cur].edges = e
			}
			cur = next
		}
		if a.nodes[cur].out < 0 {
			a.nodes[cur].out = int32(i)
		}
	}
	// Breadth-first: fail and dict links.
	queue := make([]int32, 0, len(a.nodes))
	for _, e := range a.nodes[0].edges {
		a.nodes[e.next].fail = 0
		queue = append(queue, e.next)
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range a.nodes[u].edges {
			v := e.next
			f := a.nodes[u].fail
			for {
				if c := a.child(f, e.b); c >= 0 && c != v {
					a.nodes[v].fail = c
					break
				}
				if f == 0 {
					a.nodes[v].fail = 0
					break
				}
				f = a.nodes[f].fail
			}
			fv := a.nodes[v].fail
			if a.nodes[fv].out >= 0 {
				a.nodes[v].dict = fv
			} else {
				a.nodes[v].dict = a.nodes[fv].dict
			}
			queue = append(queue, v)
		}
	}
	for b := 0; b < 256; b++ {
		a.root[b] = a.child(0, byte(b))
		if a.root[b] < 0 {
			a.root[b] = 0
		}
	}
	return a
}

// child returns the child of node u by byte b, or -1.
func (a *acAutomaton) child(u int32, b byte) int32 {
	e := a.nodes[u].edges
	if len(e) < 8 {
		for _, x := range e {
			if x.b == b {
				return x.next
			}
		}
		return -1
	}
	k := sort.Search(len(e), func(x int) bool { return e[x].b >= b })
	if k < len(e) && e[k].b == b {
		return e[k].next
	}
	return -1
}

// scan calls fn with the index of each needle occurrence in s (a needle may be reported several times).
func (a *acAutomaton) scan(s string, fn func(needle int32)) {
	cur := int32(0)
	for i := 0; i < len(s); i++ {
		b := s[i]
		for {
			if cur == 0 {
				cur = a.root[b]
				break
			}
			if c := a.child(cur, b); c >= 0 {
				cur = c
				break
			}
			cur = a.nodes[cur].fail
		}
		n := &a.nodes[cur]
		if n.out >= 0 {
			fn(n.out)
		}
		for d := n.dict; d >= 0; d = a.nodes[d].dict {
			fn(a.nodes[d].out)
		}
	}
}
