package engine

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// Options configures a Ruleset.
type Options struct {
	// Profile maps logsources to events; nil uses DefaultProfile().
	Profile *Profile
	// IgnoreLogsource lets every rule see every event.
	IgnoreLogsource bool
}

// Ruleset is a set of compiled detection rules evaluated together. It is
// immutable once built and safe for concurrent use through one Evaluator per goroutine.
type Ruleset struct {
	rules   []*compiledRule
	fields  *fieldTable
	groups  []*group
	profile *Profile
	diags   ast.Diagnostics
	// unmapped counts the rules whose logsource the profile does not know.
	unmapped int
}

// compiledRule is one usable detection rule.
type compiledRule struct {
	rule  *ast.Rule
	det   *detection
	group int
	// clauses are necessary conditions of the rule (see index.go); the rule is a
	// candidate for an event only when each holds. None: always a candidate.
	clauses []clause
	// need has one bit per clause.
	need uint8
}

// atom is an indexable literal (see index.go).
type atom struct {
	field string
	kind  atomKind
	key   string
}

// ref names a rule and one of its clauses (as a bit).
type ref struct {
	rule int32
	bit  uint8
}

// group gathers the rules that share a logsource restriction.
type group struct {
	key   string
	claim LogsourceClaim
	alts  []*groupAlt
	rules []int32
}

// groupAlt is one alternative of a logsource restriction with its candidate index.
type groupAlt struct {
	where  []node
	fields map[string][]string
	remap  [][]int32
	always []int32
	index  []*fieldIndex
}

// fieldIndex maps lowered values of one event field (every value of the event
// when field is -1) to the rule clauses they satisfy.
type fieldIndex struct {
	field int32
	eq    map[string][]ref
	base  map[string][]ref
	// subs are the substring needles, found by ac; subRefs[i] are needle i's clauses.
	subs    map[string]int32
	subRefs [][]ref
	ac      *acAutomaton
}

// NewRuleset compiles the detection rules (other kinds are ignored). A rule that
// cannot be compiled is left out with an error diagnostic naming its position;
// the others are unaffected. Warnings (e.g. placeholders without values) do not
// leave rules out.
func NewRuleset(rules []*ast.Rule, opts Options) (*Ruleset, ast.Diagnostics) {
	rs := &Ruleset{fields: newFieldTable(), profile: opts.Profile}
	switch {
	case rs.profile != nil:
	case opts.IgnoreLogsource:
		rs.profile = &Profile{Name: "none"}
	default:
		rs.profile = DefaultProfile()
	}
	cp := &compiler{fields: rs.fields, placeholders: rs.profile.Placeholders}
	groupOf := map[string]int{}
	for _, r := range rules {
		if r == nil || r.Kind != ast.KindDetection {
			continue
		}
		cp.warnings = nil
		det, err := cp.detection(r.Detection)
		if err != nil {
			rs.diags = append(rs.diags, compileDiag(r, err))
			continue
		}
		rs.diags = append(rs.diags, cp.warnings...)
		entries, claim := ResolveRule(rs.profile, r.Logsource, opts.IgnoreLogsource)
		key := GroupKey(entries, claim)
		gi, ok := groupOf[key]
		if !ok {
			g, err := rs.newGroup(cp, groupKey(entries), entries)
			if err != nil {
				rs.diags = append(rs.diags, compileDiag(r, err))
				continue
			}
			g.claim = claim
			gi = len(rs.groups)
			groupOf[key] = gi
			rs.groups = append(rs.groups, g)
		}
		if claim.Unmapped {
			rs.unmapped++
			rs.diags = append(rs.diags, unmappedDiag(r, rs.profile))
		}
		cr := &compiledRule{rule: r, det: det, group: gi, clauses: ruleClauses(r.Detection)}
		cr.need = uint8(1)<<len(cr.clauses) - 1
		rs.groups[gi].rules = append(rs.groups[gi].rules, int32(len(rs.rules)))
		rs.rules = append(rs.rules, cr)
	}
	for _, g := range rs.groups {
		for _, alt := range g.alts {
			rs.buildAlt(g, alt)
		}
	}
	rs.diags.Sort()
	return rs, rs.diags
}

func compileDiag(r *ast.Rule, err error) ast.Diagnostic {
	pos := r.Pos
	msg := err.Error()
	var ce *compileError
	if errors.As(err, &ce) {
		msg = ce.msg
		if ce.pos.Line != 0 {
			pos = ce.pos
		}
	}
	return ast.Diagnostic{Pos: pos, Severity: ast.SeverityError, Code: "engine",
		Message: fmt.Sprintf("rule %q cannot be evaluated and is skipped: %s", r.Title, msg)}
}

// ResolveRule decides how a rule's logsource restricts the events it sees: the
// profile entries whose conditions an event must meet (see Profile.Resolve)
// and the claim checked against the event's known source (see
// LogsourceClaim.Admits). With ignoreLogsource, neither restricts anything.
// The interpreter and generated code group rules by it (see GroupKey).
func ResolveRule(p *Profile, ls ast.Logsource, ignoreLogsource bool) ([]*LogsourceEntry, LogsourceClaim) {
	if ignoreLogsource {
		return nil, LogsourceClaim{}
	}
	entries := p.Resolve(ls)
	return entries, ClaimOf(ls, len(entries) > 0)
}

// GroupKey identifies the logsource group of rules with these entries and claim.
func GroupKey(entries []*LogsourceEntry, claim LogsourceClaim) string {
	return groupKey(entries) + "|" + claim.Key()
}

// unmappedDiag is the warning, once per rule, that the profile does not know its logsource.
func unmappedDiag(r *ast.Rule, p *Profile) ast.Diagnostic {
	pos := r.Logsource.Pos
	if pos.Line == 0 {
		pos = r.Pos
	}
	return ast.Diagnostic{Pos: pos, Severity: ast.SeverityWarning, Code: "logsource",
		Message: fmt.Sprintf("rule %q: logsource %s is not in profile %s: the rule sees only events of unknown origin "+
			"and inputs declared as %s",
			r.Title, logsourceKey(r.Logsource.Product, r.Logsource.Category, r.Logsource.Service), p.Name,
			ClaimOf(r.Logsource, false).Source.String())}
}

func groupKey(entries []*LogsourceEntry) string {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key()
	}
	return strings.Join(keys, "&")
}

// Alternatives returns the ways an event meets every one of AND-ed profile
// entries: the cross product of their alternatives, each alternative's
// conditions AND-ed, with the renames of earlier entries taking precedence.
// The interpreter and generated code build logsource groups with it.
func Alternatives(entries []*LogsourceEntry) []*Alternative {
	alts := []*Alternative{{}}
	for _, e := range entries {
		var next []*Alternative
		for _, a := range alts {
			for _, b := range e.Alternatives {
				m := &Alternative{Where: append(append([]*ast.FieldMatch(nil), a.Where...), b.Where...)}
				if a.Fields != nil || b.Fields != nil {
					m.Fields = map[string][]string{}
					for k, v := range b.Fields {
						m.Fields[k] = v
					}
					for k, v := range a.Fields {
						m.Fields[k] = v
					}
				}
				next = append(next, m)
			}
		}
		alts = next
	}
	return alts
}

// newGroup builds the alternatives of a logsource restriction (see Alternatives).
func (rs *Ruleset) newGroup(cp *compiler, key string, entries []*LogsourceEntry) (*group, error) {
	g := &group{key: key}
	alts := Alternatives(entries)
	for _, a := range alts {
		ga := &groupAlt{fields: a.Fields}
		for _, fm := range a.Where {
			n, err := cp.fieldMatch(fm)
			if err != nil {
				return nil, fmt.Errorf("logsource %s in profile %s: %w", key, rs.profile.Name, err)
			}
			ga.where = append(ga.where, n)
		}
		for k, names := range a.Fields {
			cp.fields.id(k)
			for _, n := range names {
				cp.fields.id(n)
			}
		}
		g.alts = append(g.alts, ga)
	}
	return g, nil
}

// buildAlt sizes the renames and builds the candidate index of one alternative.
func (rs *Ruleset) buildAlt(g *group, alt *groupAlt) {
	if len(alt.fields) > 0 {
		alt.remap = make([][]int32, len(rs.fields.names))
		for k, names := range alt.fields {
			ids := make([]int32, len(names))
			for i, n := range names {
				ids[i] = rs.fields.ids[n]
			}
			alt.remap[rs.fields.ids[k]] = ids
		}
	}
	byField := map[int32]*fieldIndex{}
	for _, ri := range g.rules {
		cr := rs.rules[ri]
		if len(cr.clauses) == 0 {
			alt.always = append(alt.always, ri)
			continue
		}
		for ci, c := range cr.clauses {
			rf := ref{rule: ri, bit: 1 << ci}
			for _, a := range c.atoms {
				targets := []string{a.field}
				if t, ok := alt.fields[a.field]; ok {
					targets = t
				}
				for _, t := range targets {
					id := int32(-1) // keywords: every value of the event
					if t != "" {
						id = rs.fields.id(t)
					}
					fi := byField[id]
					if fi == nil {
						fi = &fieldIndex{field: id, eq: map[string][]ref{}, base: map[string][]ref{}, subs: map[string]int32{}}
						byField[id] = fi
						alt.index = append(alt.index, fi)
					}
					switch a.kind {
					case atomEq:
						fi.eq[a.key] = append(fi.eq[a.key], rf)
					case atomBase:
						fi.base[a.key] = append(fi.base[a.key], rf)
					default:
						n, ok := fi.subs[a.key]
						if !ok {
							n = int32(len(fi.subRefs))
							fi.subs[a.key] = n
							fi.subRefs = append(fi.subRefs, nil)
						}
						fi.subRefs[n] = append(fi.subRefs[n], rf)
					}
				}
			}
		}
	}
	for _, fi := range alt.index {
		if len(fi.subs) > 0 {
			needles := make([]string, len(fi.subRefs))
			for k, n := range fi.subs {
				needles[n] = k
			}
			fi.ac = newAutomaton(needles)
		}
	}
	slices.SortFunc(alt.index, func(a, b *fieldIndex) int { return int(a.field - b.field) })
}

// Len returns the number of usable rules.
func (rs *Ruleset) Len() int { return len(rs.rules) }

// Rule returns usable rule i (match results are such indices).
func (rs *Ruleset) Rule(i int) *ast.Rule { return rs.rules[i].rule }

// Diagnostics returns the problems found while compiling.
func (rs *Ruleset) Diagnostics() ast.Diagnostics { return rs.diags }

// Unmapped counts the rules whose logsource the profile does not know (each
// has a warning among the diagnostics).
func (rs *Ruleset) Unmapped() int { return rs.unmapped }

// Profile returns the logsource profile in use.
func (rs *Ruleset) Profile() *Profile { return rs.profile }

// LogsourceGroup describes the rules that share one logsource restriction.
type LogsourceGroup struct {
	// Key names the profile entries, e.g. "windows/process_creation/*"; empty when unrestricted.
	Key string
	// Claim is the rules' logsource, checked against the events' known source.
	Claim LogsourceClaim
	Rules int
	// Indexed counts the rules reached only through the literal index.
	Indexed int
}

// Groups describes the logsource groups, in first-use order.
func (rs *Ruleset) Groups() []LogsourceGroup {
	out := make([]LogsourceGroup, len(rs.groups))
	for i, g := range rs.groups {
		out[i] = LogsourceGroup{Key: g.key, Claim: g.claim, Rules: len(g.rules)}
		for _, ri := range g.rules {
			if len(rs.rules[ri].clauses) > 0 {
				out[i].Indexed++
			}
		}
	}
	return out
}

// RulePanic records a rule whose evaluation panicked.
type RulePanic struct {
	// Rule is the rule index, or -1 for a panic outside any rule (candidate selection).
	Rule int
	// Value is the first panic's value, Count how many evaluations panicked.
	Value any
	Count int
}

// Evaluator evaluates a Ruleset on events, one at a time. It holds per-event
// scratch state: use one Evaluator per goroutine.
type Evaluator struct {
	rs      *Ruleset
	c       *evalCtx
	mark    []uint32
	mask    []uint8
	markGen uint32
	hits    []int32
	out     []int
	num     []byte
	panics  panicLog
}

// NewEvaluator returns an evaluator for the ruleset.
func (rs *Ruleset) NewEvaluator() *Evaluator {
	e := &Evaluator{rs: rs, c: &evalCtx{}, mark: make([]uint32, len(rs.rules)), mask: make([]uint8, len(rs.rules))}
	e.c.init(rs.fields.names)
	return e
}

// Match returns the indices of the rules that match the event, in ascending
// order. The slice is reused by the next call.
func (e *Evaluator) Match(ev Event) []int {
	c := e.c
	c.reset(ev)
	e.out = e.out[:0]
	for _, g := range e.rs.groups {
		e.matchGroup(g)
	}
	if len(e.rs.groups) > 1 {
		slices.Sort(e.out)
	}
	return e.out
}

// matchGroup evaluates the candidate rules of one logsource group. A panic while
// selecting candidates (e.g. from the event itself) is recorded with rule -1
// and skips the group for this event.
func (e *Evaluator) matchGroup(g *group) {
	c := e.c
	defer func() {
		c.remap = nil
		if x := recover(); x != nil {
			e.notePanic(-1, fmt.Sprintf("logsource group %q: %v", g.key, x))
		}
	}()
	alt := g.selectAlt(c)
	if alt == nil {
		return
	}
	e.collect(alt)
	c.remap = alt.remap
	e.run(alt.always, e.hits)
}

// MatchRule evaluates one rule on the event: false when the event is not of the
// rule's logsource, else its detection (through the logsource's field renames).
// A panic inside the rule is returned as an error.
func (e *Evaluator) MatchRule(i int, ev Event) (bool, error) {
	e.c.reset(ev)
	alt := e.rs.groups[e.rs.rules[i].group].selectAlt(e.c)
	if alt == nil {
		return false, nil
	}
	e.c.remap = alt.remap
	return e.evalOne(i)
}

// MatchDetection evaluates one rule's detection on the event, ignoring its logsource.
func (e *Evaluator) MatchDetection(i int, ev Event) (bool, error) {
	e.c.reset(ev)
	return e.evalOne(i)
}

func (e *Evaluator) evalOne(i int) (matched bool, err error) {
	defer func() {
		if x := recover(); x != nil {
			e.notePanic(i, x)
			matched, err = false, fmt.Errorf("rule %q panicked: %v", e.rs.rules[i].rule.Title, x)
		}
	}()
	return e.rs.rules[i].det.eval(e.c), nil
}

// InLogsource reports whether the event belongs to rule i's logsource.
func (e *Evaluator) InLogsource(i int, ev Event) bool {
	e.c.reset(ev)
	return e.rs.groups[e.rs.rules[i].group].selectAlt(e.c) != nil
}

// Panics lists the rules whose evaluation panicked, by rule index.
func (e *Evaluator) Panics() []RulePanic { return e.panics.list() }

func (g *group) selectAlt(c *evalCtx) *groupAlt {
	c.remap = nil
	if !g.claim.Admits(c.src) {
		return nil
	}
	for _, a := range g.alts {
		ok := true
		for _, n := range a.where {
			if !n.eval(c) {
				ok = false
				break
			}
		}
		if ok {
			return a
		}
	}
	return nil
}

// collect gathers, sorted and without duplicates, the indexed rules whose literal the event has.
func (e *Evaluator) collect(alt *groupAlt) {
	e.hits = e.hits[:0]
	if len(alt.index) == 0 {
		return
	}
	e.markGen++
	if e.markGen == 0 {
		clear(e.mark)
		e.markGen = 1
	}
	c := e.c
	for _, fi := range alt.index {
		if fi.field < 0 {
			_, low := c.values()
			for _, v := range low {
				e.lookup(fi, v)
			}
			continue
		}
		s := c.raw(fi.field)
		if !s.ok {
			continue
		}
		switch {
		case isScalar(s.v.Kind):
			e.lookup(fi, c.lowered(s))
			e.lookupNumber(fi, &s.v)
		case s.v.Kind == KindArray:
			for i := range s.v.Arr {
				if isScalar(s.v.Arr[i].Kind) {
					e.lookup(fi, c.loweredElem(s, i))
					e.lookupNumber(fi, &s.v.Arr[i])
				}
			}
		}
	}
	if len(e.hits) > 1 {
		slices.Sort(e.hits)
	}
}

// lookupNumber also looks a number up by its canonical text (4688.0 is indexed as 4688).
func (e *Evaluator) lookupNumber(fi *fieldIndex, v *Value) {
	if v.Kind != KindNumber {
		return
	}
	e.num = strconv.AppendFloat(e.num[:0], v.N, 'f', -1, 64)
	if string(e.num) != v.S {
		e.lookup(fi, view(e.num))
	}
}

func (e *Evaluator) lookup(fi *fieldIndex, v string) {
	if len(fi.eq) > 0 {
		e.add(fi.eq[v])
	}
	if len(fi.base) > 0 {
		e.add(fi.base[v[strings.LastIndexByte(v, '\\')+1:]])
	}
	if fi.ac != nil {
		fi.ac.scan(v, func(n int32) { e.add(fi.subRefs[n]) })
	}
}

// add records that clauses hold; a rule becomes a candidate when all its clauses do.
func (e *Evaluator) add(refs []ref) {
	for _, rf := range refs {
		r := rf.rule
		if e.mark[r] != e.markGen {
			e.mark[r] = e.markGen
			e.mask[r] = 0
		}
		old := e.mask[r]
		m := old | rf.bit
		if m == old {
			continue
		}
		e.mask[r] = m
		if m == e.rs.rules[r].need {
			e.hits = append(e.hits, r)
		}
	}
}

// run evaluates the merge of two sorted candidate lists in order, isolating panics.
func (e *Evaluator) run(a, b []int32) {
	for len(a) > 0 || len(b) > 0 {
		var r int32
		switch {
		case len(b) == 0 || (len(a) > 0 && a[0] < b[0]):
			r, a = a[0], a[1:]
		case len(a) == 0 || b[0] < a[0]:
			r, b = b[0], b[1:]
		default:
			r, a, b = a[0], a[1:], b[1:]
		}
		if e.safeEval(r) {
			e.out = append(e.out, int(r))
		}
	}
}

func (e *Evaluator) safeEval(r int32) (matched bool) {
	defer func() {
		if x := recover(); x != nil {
			e.notePanic(int(r), x)
			matched = false
		}
	}()
	return e.rs.rules[r].det.eval(e.c)
}

func (e *Evaluator) notePanic(r int, x any) { e.panics.note(r, x) }
