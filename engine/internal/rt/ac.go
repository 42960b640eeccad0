package rt

// acMachine is an Aho-Corasick automaton over bytes (needles are lowered; an
// uppercase ASCII letter of the text reads as its lowercase letter, so ASCII
// text needs no lowering before a scan). A full transition table on byte
// classes (a DFA) is fast but large: over the command lines of SigmaHQ's
// process_creation rules it has about 80,000 states of 150 classes, 47 MB,
// and a scan misses the cache at most bytes. So only the states a scan spends
// most of its bytes in, the root, its children and the states that branch
// widely, have a row of the table; the others (mostly the single-child
// chains of long needles) list their children and fall back to their
// failure state, as the classic automaton does. A scan stays linear: each
// failure step goes back at least one byte of the match in progress.
//
// A state is named by a word, with acOut set when needles end there: a
// dense state's word is its row's offset in trans shifted left by two; a
// sparse state's is its index in sparse shifted left by two, with acSparse
// set. The root is the dense state of word 0.
type acMachine struct {
	class  [256]uint8
	nclass int
	ndense uint32
	trans  []uint32 // dense states' rows: next state's word by class
	sparse []acSparseState
	// kidClass and kidNext are the children of sparse states past their first.
	kidClass []uint8
	kidNext  []uint32
	outStart []int32 // outputs of state id (dense states first): out[outStart[id]:outStart[id+1]]
	out      []int32 // needle ids
}

// acSparseState is a state without a row: most have one child, found in
// the same cache line as the failure state.
type acSparseState struct {
	next0  uint32 // the first child's word
	fail   uint32 // the failure state's word
	more   uint32 // kidClass/kidNext[more:more+nmore] are the other children
	class0 uint8  // the first child's class; 0 when none (bytes of class 0 lead to the root, which next0 = 0 is)
	nmore  uint8
}

// Flags of a state word.
const (
	acOut    = 1 // needles end at the state
	acSparse = 2 // the state has no row of the table
)

// acDenseKids is the number of children from which a state gets a row of the
// table (the root and its children always do).
const acDenseKids = 4

// next returns the word of the state after reading a byte of class c in state x.
func (m *acMachine) next(x uint32, c uint8) uint32 {
	for x&acSparse != 0 {
		st := &m.sparse[x>>2]
		if st.class0 == c {
			return st.next0
		}
		for j, end := st.more, st.more+uint32(st.nmore); j < end; j++ {
			if m.kidClass[j] == c {
				return m.kidNext[j]
			}
		}
		x = st.fail
	}
	return m.trans[x>>2+uint32(c)]
}

// step returns the next state's word from word x (0 is the start) and byte c.
func (m *acMachine) step(x uint32, c byte) uint32 { return m.next(x, m.class[c]) }

// outputs returns the needles ending at the state of word x.
func (m *acMachine) outputs(x uint32) []int32 {
	st := x >> 2
	if x&acSparse != 0 {
		st += m.ndense
	} else {
		st /= uint32(m.nclass)
	}
	return m.out[m.outStart[st]:m.outStart[st+1]]
}

// acKid is a trie edge while building.
type acKid struct {
	class uint8
	to    int32
}

// newACMachine builds the automaton of non-empty needles (ids are their indices).
func newACMachine(needles []string) *acMachine {
	m := &acMachine{}
	var used [256]bool
	for _, n := range needles {
		for i := 0; i < len(n); i++ {
			used[n[i]] = true
		}
	}
	m.nclass = 1
	for c := 0; c < 256; c++ {
		if used[c] {
			if m.nclass == 256 {
				panic("engine: too many byte classes") // cannot happen: class 0 is shared by unused bytes
			}
			m.class[c] = uint8(m.nclass)
			m.nclass++
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	nc := m.nclass
	// The trie: the root's children by class, the others' as lists.
	rootKid := make([]int32, nc)
	kids := [][]acKid{nil}
	own := [][]int32{nil}
	kid := func(s int32, c uint8) int32 {
		if s == 0 {
			return rootKid[c]
		}
		for _, k := range kids[s] {
			if k.class == c {
				return k.to
			}
		}
		return 0
	}
	for id, n := range needles {
		st := int32(0)
		for i := 0; i < len(n); i++ {
			c := m.class[n[i]]
			next := kid(st, c)
			if next == 0 {
				next = int32(len(kids))
				kids = append(kids, nil)
				own = append(own, nil)
				if st == 0 {
					rootKid[c] = next
				} else {
					kids[st] = append(kids[st], acKid{c, next})
				}
			}
			st = next
		}
		own[st] = append(own[st], int32(id))
	}
	for c, to := range rootKid {
		if to != 0 {
			kids[0] = append(kids[0], acKid{uint8(c), to})
		}
	}
	states := len(kids)
	// Failure links and outputs, breadth first.
	fail := make([]int32, states)
	depth := make([]int32, states)
	outs := make([][]int32, states)
	order := make([]int32, 1, states)
	for qi := 0; qi < len(order); qi++ {
		u := order[qi]
		outs[u] = append(append([]int32(nil), own[u]...), outs[fail[u]]...)
		for _, k := range kids[u] {
			v := k.to
			depth[v] = depth[u] + 1
			if u != 0 {
				f := fail[u]
				for f != 0 && kid(f, k.class) == 0 {
					f = fail[f]
				}
				fail[v] = kid(f, k.class)
			}
			order = append(order, v)
		}
	}
	// Ids: dense states first, in breadth-first order; then sparse states in
	// depth-first order, so that the chain of a long needle's states is
	// contiguous in memory.
	dense := func(s int32) bool { return depth[s] <= 1 || len(kids[s]) >= acDenseKids }
	id := make([]uint32, states)
	var n uint32
	for _, s := range order {
		if dense(s) {
			id[s] = n
			n++
		}
	}
	m.ndense = n
	stack := []int32{0}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !dense(s) {
			id[s] = n
			n++
		}
		for k := len(kids[s]) - 1; k >= 0; k-- {
			stack = append(stack, kids[s][k].to)
		}
	}
	if uint64(m.ndense)*uint64(nc) >= 1<<30 || uint64(states) >= 1<<30 {
		panic("engine: literal index too large")
	}
	word := func(s int32) uint32 {
		var w uint32
		if dense(s) {
			w = id[s] * uint32(nc) << 2
		} else {
			w = (id[s]-m.ndense)<<2 | acSparse
		}
		if len(outs[s]) > 0 {
			w |= acOut
		}
		return w
	}
	m.sparse = make([]acSparseState, uint32(states)-m.ndense)
	m.outStart = make([]int32, states+1)
	byID := make([]int32, states)
	for s := range kids {
		byID[id[s]] = int32(s)
	}
	for i, s := range byID {
		m.outStart[i] = int32(len(m.out))
		m.out = append(m.out, outs[s]...)
		if uint32(i) < m.ndense {
			continue
		}
		st := &m.sparse[uint32(i)-m.ndense]
		st.fail = word(fail[s])
		st.more = uint32(len(m.kidClass))
		for k, kd := range kids[s] {
			if k == 0 {
				st.class0, st.next0 = kd.class, word(kd.to)
				continue
			}
			m.kidClass = append(m.kidClass, kd.class)
			m.kidNext = append(m.kidNext, word(kd.to))
			st.nmore++
		}
	}
	m.outStart[states] = int32(len(m.out))
	// Rows, breadth first: a missing child goes where the failure state goes,
	// whose row (or, for a sparse one, whose own failure state's) is complete.
	m.trans = make([]uint32, int(m.ndense)*nc)
	for _, s := range order {
		if !dense(s) {
			continue
		}
		row := m.trans[int(id[s])*nc : int(id[s]+1)*nc]
		if s != 0 {
			for c := range row {
				row[c] = m.next(word(fail[s]), uint8(c))
			}
		}
		for _, kd := range kids[s] {
			row[kd.class] = word(kd.to)
		}
	}
	return m
}
