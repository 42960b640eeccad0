package wazuh

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// This file makes an event that two generated rules both match raise one
// alert naming both, where the build can prove the overlap. Wazuh raises one
// alert per event: among the generated rules of one logsource (same parents)
// it tries the highest level first, then file order, and the first rule whose
// tests hold ends the search. For two alerting Wazuh rules F (tried first) and
// S of different Sigma rules under the same parents:
//
//   - when F's tests imply S's (every event F alerts on matches S), F carries
//     S's groups (its sigma_id_ among them): the alert names both;
//   - when S's tests imply F's (S would never alert: every event of S ends on
//     F), F gets a child with S's tests, F's level (not below S's) and the
//     groups of both, which takes those events.
//
// Implication is decided on the tests themselves (see termImplies), so it is
// sound. Beyond it, F also gets a child with S's tests (the alert of an event
// both match names both; others still end on F or S) for pairs that likely
// describe one activity (see overlapPair and refines): the same anchor test
// shared by few rules, or S's positive tests implied by F's with only S's
// filters unproved. Other co-satisfiable pairs (most of the 800,000 pairs the
// automata analysis finds) are left alone, as one child per pair would
// multiply the ruleset. Rules with level-0 exceptions, nested rules, no_log or
// correlation rules attached are left out.

// combTerm is one alerting Wazuh rule of an emission: a conjunction of atoms.
type combTerm struct {
	id    int
	tests []int
}

// combined is the outcome of combine, for the report.
type combined struct {
	// grouped: Wazuh rules that carry another Sigma rule's groups; children:
	// combined children written.
	grouped, children int
}

// keyedAtom is an atom with its key (atom.key renders the pattern).
type keyedAtom struct {
	atom
	id     int // the same for atoms with the same key
	target int // the same for atoms on the same element, field and absent key
	key    string
	// low are the alternatives' texts in lower case (ASCII texts only).
	low []string
	// allLit: every alternative is a plain string; anyLit: one is.
	allLit, anyLit bool
	// anchor identifies a positive plain-string test by its target and its
	// case-folded texts and anchors (empty for other tests), for overlapPair.
	anchor string
	// where: the atom is a logsource condition (an event id, a channel) in
	// some variant, which says nothing about what two rules detect.
	where bool
}

func newKeyedAtom(a atom) keyedAtom {
	k := keyedAtom{atom: a, key: a.key(), low: make([]string, len(a.pat)), allLit: len(a.pat) > 0}
	for i, x := range a.pat {
		lit := x.isLit && !x.dotall
		k.allLit, k.anyLit = k.allLit && lit, k.anyLit || lit
		if x.isLit && ascii(x.lit) {
			k.low[i] = strings.ToLower(x.lit)
		}
	}
	return k
}

// termImplies reports whether every event that passes the atoms a passes the
// atoms b: each atom of b is implied by one of a.
func termImplies(a, b []*keyedAtom) bool {
	for _, y := range b {
		ok := false
		for _, x := range a {
			if x.id == y.id {
				ok = true
				break
			}
			if atomImplies(x, y) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// atomImplies reports whether x holding proves y holds: the same test, or
// tests of one field where every value x accepts y accepts (positive tests),
// or every value y's negation refuses x's refuses too (negate="yes").
func atomImplies(x, y *keyedAtom) bool {
	if x.id == y.id {
		return true
	}
	if x.target != y.target || x.negate != y.negate || x.absentKey != "" {
		return false
	}
	if x.negate {
		// x: present and not in P(x); y: present and not in P(y). Holds when P(y) ⊆ P(x).
		return patternImplies(y, x)
	}
	return patternImplies(x, y)
}

// patternImplies reports whether every value p accepts q accepts (each
// alternative of p is within one of q), decided on plain-string alternatives
// only.
func patternImplies(p, q *keyedAtom) bool {
	if !p.allLit || !q.anyLit {
		return false
	}
	for i, a := range p.pat {
		ok := false
		for j, b := range q.pat {
			if altImplies(a, b, p.low[i], q.low[j]) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// altImplies reports whether every value a accepts b accepts, for plain
// strings with anchors (contains, starts with, ends with, equals). Both are
// written the same way from their text (each character in the same form), so
// a text containing a's text contains b's when a's contains b's. Case folding
// is decided on ASCII texts only: alow and blow are their texts in lower case,
// empty when not ASCII.
func altImplies(a, b alt, alow, blow string) bool {
	if !a.isLit || !b.isLit || a.dotall || b.dotall {
		return false
	}
	if b.lit == "" && !b.end {
		return true // b accepts any value (a presence test)
	}
	x, y := a.lit, b.lit
	if b.fold {
		if alow == "" && x != "" || blow == "" && y != "" {
			return false
		}
		x, y = alow, blow
	} else if a.fold {
		return false
	}
	switch {
	case b.start && b.end:
		return a.start && a.end && x == y
	case b.start:
		return a.start && strings.HasPrefix(x, y)
	case b.end:
		return a.end && strings.HasSuffix(x, y)
	default:
		return strings.Contains(x, y)
	}
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// combEntry is an eligible alerting rule for combine.
type combEntry struct {
	em    *Emission
	term  combTerm
	atoms []*keyedAtom
	pos   int // position in the file
	nth   int // index of the term within its emission
}

// combine finds, among the emitted rules, the overlaps that termImplies
// proves and writes them (see the top of this file). It runs after every
// rule is written and appends the children at the end of the file.
func (b *builder) combine() error {
	referenced := map[int]bool{}
	for _, x := range b.rules {
		for _, p := range x.IfSID {
			referenced[p] = true
		}
		if x.IfMatchedSID != 0 {
			referenced[x.IfMatchedSID] = true
		}
	}
	byVariant := map[string][]combEntry{}
	interned := map[string]*keyedAtom{}
	targets := map[string]int{}
	var variants []string
	for _, em := range b.res.Report.Emissions {
		e := b.emissionOf(em)
		if e == nil || !e.eligible(b, referenced) {
			continue
		}
		if _, ok := byVariant[e.Variant]; !ok {
			variants = append(variants, e.Variant)
		}
		keyed := make([]*keyedAtom, len(e.vb.low.atoms))
		for i, a := range e.vb.low.atoms {
			k := a.key()
			if keyed[i] = interned[k]; keyed[i] == nil {
				ka := newKeyedAtom(a)
				ka.id = len(interned)
				t := a.elem + "\x00" + strings.ToLower(a.name) + "\x00" + a.absentKey
				if _, ok := targets[t]; !ok {
					targets[t] = len(targets)
				}
				ka.target = targets[t]
				ka.anchor = anchorKey(&ka)
				interned[k], keyed[i] = &ka, &ka
			}
			if e.vb.where[i] {
				keyed[i].where, keyed[i].anchor = true, ""
			}
		}
		for k, t := range e.terms {
			c := combEntry{em: e, term: t, pos: b.index[t.id], nth: k}
			for _, a := range t.tests {
				c.atoms = append(c.atoms, keyed[a])
			}
			byVariant[e.Variant] = append(byVariant[e.Variant], c)
		}
	}
	for _, v := range variants {
		if err := b.combineVariant(byVariant[v]); err != nil {
			return err
		}
	}
	return nil
}

// emissionOf returns the builder's own record of an emission in the report.
func (b *builder) emissionOf(em Emission) *Emission {
	for _, e := range b.emissions[em.Rule] {
		if e.Variant == em.Variant {
			return e
		}
	}
	return nil
}

// eligible reports whether the emission's alerting rules can take part in
// combine: flat alerting rules (no exception, no child), logged, and no other
// generated rule attached to them (correlations).
func (e *Emission) eligible(b *builder, referenced map[int]bool) bool {
	if len(e.Exceptions) > 0 || len(e.terms) == 0 || len(e.terms) != len(e.IDs) || e.vb.low == nil {
		return false
	}
	for _, id := range e.IDs {
		if referenced[id] || b.rules[b.index[id]].NoLog {
			return false
		}
	}
	return true
}

// combineVariant combines the rules of one logsource variant (same parents).
func (b *builder) combineVariant(es []combEntry) error {
	// Wazuh's order among siblings: higher level first, then file order.
	slices.SortStableFunc(es, func(x, y combEntry) int {
		if x.em.Level != y.em.Level {
			return y.em.Level - x.em.Level
		}
		return x.pos - y.pos
	})
	// targets give a cheap necessary condition: an atom on one target (a
	// field, a static element, the log) needs an atom on it in the implying term.
	ids := map[string]int{}
	sets := make([][]uint64, len(es))
	for i, e := range es {
		for _, a := range e.atoms {
			k := a.elem + "\x00" + strings.ToLower(a.name) + "\x00" + a.absentKey + "\x00" + strconv.FormatBool(a.negate)
			n, ok := ids[k]
			if !ok {
				n = len(ids)
				ids[k] = n
			}
			for len(sets[i]) <= n/64 {
				sets[i] = append(sets[i], 0)
			}
			sets[i][n/64] |= 1 << (n % 64)
		}
	}
	within := func(a, b []uint64) bool { // a ⊆ b
		if len(a) > len(b) {
			for _, w := range a[len(b):] {
				if w != 0 {
					return false
				}
			}
		}
		for k := range min(len(a), len(b)) {
			if a[k]&^b[k] != 0 {
				return false
			}
		}
		return true
	}
	// How many Sigma rules use each anchor (see overlapPair).
	anchorRules := map[string]int{}
	seenAnchor := map[string]*ast.Rule{}
	for _, e := range es {
		for _, a := range e.atoms {
			if a.anchor == "" || a.where {
				continue
			}
			if r, ok := seenAnchor[a.anchor]; ok && r == e.em.Rule {
				continue
			}
			// Terms of one rule come together in es only by chance: count
			// distinct rules through a set.
			seenAnchor[a.anchor] = e.em.Rule
			anchorRules[a.anchor]++
		}
	}
	type child struct {
		parent combEntry
		second combEntry
	}
	var children []child
	childOf := map[string]bool{} // one child per (first rule, second term)
	for j, s := range es {
		for i := 0; i < j; i++ {
			f := es[i]
			if f.em.Rule == s.em.Rule {
				continue
			}
			fImpS := within(sets[j], sets[i]) && termImplies(f.atoms, s.atoms)
			if fImpS {
				b.addGroups(f.term.id, s.em)
				continue
			}
			if (!within(sets[i], sets[j]) || !termImplies(s.atoms, f.atoms)) && !overlapPair(f.atoms, s.atoms, anchorRules, b.overlapRules) {
				continue
			}
			// S's term never alerts as S: its events end on f first (the first
			// term of F it implies, in Wazuh's order).
			k := fmt.Sprintf("%p#%d", f.em, s.term.id)
			if childOf[k] {
				continue
			}
			childOf[k] = true
			children = append(children, child{f, s})
		}
	}
	for _, c := range children {
		if err := b.addChild(c.parent, c.second); err != nil {
			return err
		}
	}
	return nil
}

// addGroups makes the Wazuh rule id carry the groups (and ATT&CK ids) of the
// emission em's Sigma rule.
func (b *builder) addGroups(id int, em *Emission) {
	x := &b.rules[b.index[id]]
	src := b.rules[b.index[em.AlertIDs[0]]]
	before := len(x.Groups)
	x.Groups = mergeList(x.Groups, src.Groups)
	x.Mitre = mergeList(x.Mitre, src.Mitre)
	if len(x.Groups) != before && !slices.Contains(em.Also, id) {
		em.Also = append(em.Also, id)
		b.comb.grouped++
	}
}

// mergeList returns a (copied) followed by the elements of b it lacks.
func mergeList(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// addChild writes, under f's rule, a child with s's tests that alerts for
// both Sigma rules.
func (b *builder) addChild(f, s combEntry) error {
	key := fmt.Sprintf("%s#combined#%d+%s#%d", f.em.key, f.nth, s.em.key, s.nth)
	got, err := b.ids.Assign(key, 1)
	if err != nil {
		return err
	}
	parent := b.rules[b.index[f.term.id]]
	other := b.rules[b.index[s.term.id]]
	x := XMLRule{ID: got[0], Level: parent.Level, IfSID: []int{f.term.id}, NoFullLog: parent.NoFullLog,
		Description: parent.Description + " (also: " + other.Description + ")",
		Mitre:       mergeList(parent.Mitre, other.Mitre), Groups: mergeList(parent.Groups, other.Groups),
		Info:    append(slices.Clone(parent.Info), other.Info...),
		Comment: fmt.Sprintf("events of %s that %s takes first", ruleLabel(s.em.Rule), ruleLabel(f.em.Rule))}
	s.em.vb.tests(&x, s.term.tests)
	b.index[x.ID] = len(b.rules)
	b.rules = append(b.rules, x)
	f.em.IDs = append(f.em.IDs, x.ID)
	f.em.AlertIDs = append(f.em.AlertIDs, x.ID)
	f.em.Combined = append(f.em.Combined, x.ID)
	s.em.Also = append(s.em.Also, x.ID)
	b.comb.children++
	return nil
}

func ruleLabel(r *ast.Rule) string {
	return fmt.Sprintf("%s (%s)", r.Ref(), r.Pos)
}

// overlapPair reports whether the terms a (tried first) and b detect the same
// activity in different ways, so that an event can match both and the one
// alert should name both: they test the same fields positively, share an
// anchor (the same plain-string test on one field, other than the
// logsource's own conditions: the same image, the same registry key) that
// few rules of the logsource share (at most Options.OverlapRules, when set: a child per pair
// of the hundreds of rules on powershell.exe would multiply the ruleset), and
// no test of one contradicts a test of the other on the same field (see
// atomsMeet).
func overlapPair(a, b []*keyedAtom, anchorRules map[string]int, maxRules int) bool {
	if maxRules <= 0 {
		return false
	}
	anchor := false
	for _, x := range a {
		for _, y := range b {
			if x.target != y.target {
				continue
			}
			if !atomsMeet(x, y) {
				return false
			}
			if !anchor && x.anchor != "" && x.anchor == y.anchor && anchorRules[x.anchor] <= maxRules {
				anchor = true
			}
		}
	}
	return anchor && samePositiveTargets(a, b) || refines(a, b) || refines(b, a)
}

// refines reports whether a's positive tests imply b's (every event a's
// positive tests pass passes b's), with a positive test of b on a field
// other than the logsource's conditions: b's negated tests (its filters) are
// what keeps the implication from being proved.
func refines(a, b []*keyedAtom) bool {
	var ap, bp []*keyedAtom
	specific := false
	for _, x := range a {
		if !x.negate && x.absentKey == "" {
			ap = append(ap, x)
		}
	}
	for _, y := range b {
		if !y.negate && y.absentKey == "" {
			bp = append(bp, y)
			specific = specific || !y.where
		}
	}
	return specific && termImplies(ap, bp)
}

// samePositiveTargets reports whether a and b test the same targets
// positively.
func samePositiveTargets(a, b []*keyedAtom) bool {
	has := func(ts []*keyedAtom, t int) bool {
		for _, x := range ts {
			if x.target == t && !x.negate && x.absentKey == "" {
				return true
			}
		}
		return false
	}
	for _, x := range a {
		if !x.negate && x.absentKey == "" && !has(b, x.target) {
			return false
		}
	}
	for _, y := range b {
		if !y.negate && y.absentKey == "" && !has(a, y.target) {
			return false
		}
	}
	return true
}

// atomsMeet reports whether one value can pass the tests x and y of the same
// target, as far as plain strings decide it: it is false when x accepts only
// values y's negation refuses (or the reverse), or when both accept plain
// strings that no one value can match (two different exact values, two
// different prefixes); true when not decided.
func atomsMeet(x, y *keyedAtom) bool {
	if x.absentKey != "" || y.absentKey != "" {
		return true
	}
	switch {
	case x.negate && y.negate:
		return true
	case y.negate:
		return !patternImplies(x, &keyedAtom{atom: atom{pat: y.pat}, low: y.low, allLit: y.allLit, anyLit: y.anyLit})
	case x.negate:
		return !patternImplies(y, &keyedAtom{atom: atom{pat: x.pat}, low: x.low, allLit: x.allLit, anyLit: x.anyLit})
	}
	if !x.allLit || !y.allLit {
		return true
	}
	for i, a := range x.pat {
		for j, b := range y.pat {
			if altsMeet(a, b, x.low[i], y.low[j]) {
				return true
			}
		}
	}
	return false
}

// altsMeet reports whether one value can match both plain-string
// alternatives a and b (true when not decided: case folding of non-ASCII
// texts, mixed folding).
func altsMeet(a, b alt, alow, blow string) bool {
	x, y := a.lit, b.lit
	switch {
	case a.fold && b.fold:
		if alow == "" && x != "" || blow == "" && y != "" {
			return true
		}
		x, y = alow, blow
	case a.fold != b.fold:
		return true
	}
	if b.start && b.end {
		a, b, x, y = b, a, y, x
	}
	switch {
	case a.start && a.end:
		switch {
		case b.start && b.end:
			return x == y
		case b.start:
			return strings.HasPrefix(x, y)
		case b.end:
			return strings.HasSuffix(x, y)
		}
		return strings.Contains(x, y)
	case a.start && b.start:
		return strings.HasPrefix(x, y) || strings.HasPrefix(y, x)
	case a.end && b.end:
		return strings.HasSuffix(x, y) || strings.HasSuffix(y, x)
	}
	return true
}

// anchorKey returns the key of a positive test of plain strings, written
// the same for the same texts whatever their case when folded; empty for
// other tests.
func anchorKey(k *keyedAtom) string {
	if k.negate || k.absentKey != "" || !k.allLit {
		return ""
	}
	parts := make([]string, len(k.pat))
	for i, a := range k.pat {
		txt := a.lit
		if a.fold {
			if k.low[i] == "" && txt != "" {
				return ""
			}
			txt = "i" + k.low[i]
		} else {
			txt = "c" + txt
		}
		parts[i] = fmt.Sprintf("%t%t%s", a.start, a.end, txt)
	}
	slices.Sort(parts)
	return strconv.Itoa(k.target) + "\x00" + strings.Join(parts, "\x00")
}
