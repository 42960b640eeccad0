// Package correlation evaluates Sigma correlation rules over a stream of base-rule
// matches: windows keyed by group-by values, bounded state, event time.
package correlation

import (
	"container/list"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
)

// Options configures the correlation engine.
type Options struct {
	// MaxGroups caps the live groups per correlation rule; the least recently
	// updated group is evicted when the cap is hit (default 100,000).
	MaxGroups int
	// Tolerance is how far behind the newest event time an event may arrive and
	// still be counted (default 0: events must arrive in time order, equal times allowed).
	Tolerance time.Duration
	// MaxEventRefs caps the contributing event positions kept per group (default 256).
	MaxEventRefs int
}

// Match is one base-rule (or correlation) match fed to the engine.
type Match struct {
	// Rule is the matched rule.
	Rule *ast.Rule
	// Event is the matched event, used for group-by and value fields.
	Event engine.Event
	// Time is the event's own timestamp.
	Time time.Time
	// Ref locates the event (source file and record index).
	Ref EventRef
}

// EventRef locates a contributing event.
type EventRef struct {
	Source string `json:"source"`
	Index  int    `json:"event_index"`
}

// GroupValue is one group-by field and its value.
type GroupValue struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// Alert is a correlation rule firing for one group.
type Alert struct {
	Rule *ast.Rule
	// Group holds the group-by values, in group-by order.
	Group []GroupValue
	// Time is the time of the event that completed the correlation.
	Time time.Time
	// Value is the aggregate that met the condition (count, distinct count, sum, average, percentile).
	Value float64
	// Events are the contributing events' positions (at most MaxEventRefs, oldest first).
	Events []EventRef
}

// Stats reports the engine's state for monitoring and the memory bound.
type Stats struct {
	// Groups is the number of live groups over all correlation rules.
	Groups int
	// Evicted counts groups dropped because their window passed.
	Evicted int
	// CapEvictions counts groups dropped because MaxGroups was hit.
	CapEvictions int
	// Late counts matches older than the tolerance allows, which were ignored.
	Late int
	// MissingGroupField counts matches skipped because a group-by field was absent.
	MissingGroupField int
}

// Engine evaluates correlation rules.
type Engine struct {
	opts  Options
	corrs []*corrState
	// byBase maps a rule (pointer) to the correlation states that reference it, with the rule's position.
	byBase map[*ast.Rule][]baseLink
	stats  Stats
}

type baseLink struct {
	c   *corrState
	pos int // index of the rule in the correlation's rules list
}

// New builds an engine for the correlation rules among rules. Detection and
// correlation rules are looked up by the references the front end resolved.
func New(rules []*ast.Rule, opts Options) (*Engine, []error) {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = 100000
	}
	if opts.MaxEventRefs <= 0 {
		opts.MaxEventRefs = 256
	}
	e := &Engine{opts: opts, byBase: map[*ast.Rule][]baseLink{}}
	byRef := map[string]*ast.Rule{}
	for _, r := range rules {
		if r.Kind != ast.KindFilter {
			byRef[strings.ToLower(r.Ref())] = r
		}
	}
	var errs []error
	for _, r := range rules {
		if r.Kind != ast.KindCorrelation || r.Correlation == nil {
			continue
		}
		c := &corrState{rule: r, groups: map[string]*list.Element{}, lru: list.New(), eng: e}
		ok := true
		for i, ref := range r.Correlation.Rules {
			base := byRef[strings.ToLower(ref.ID)]
			if ref.ID == "" || base == nil {
				errs = append(errs, fmt.Errorf("%s: correlation %q references rule %q, which is not loaded", ref.Pos, r.Title, ref.Ref))
				ok = false
				continue
			}
			c.bases = append(c.bases, base)
			e.byBase[base] = append(e.byBase[base], baseLink{c, i})
		}
		if ok {
			e.corrs = append(e.corrs, c)
		}
	}
	return e, errs
}

// Suppressed reports whether a rule is referenced only by correlations with
// generate: false, so that it should not alert on its own.
func Suppressed(r *ast.Rule, rules []*ast.Rule) bool {
	referenced := false
	for _, c := range rules {
		if c.Correlation == nil {
			continue
		}
		for _, ref := range c.Correlation.Rules {
			if ref.ID != "" && strings.EqualFold(ref.ID, r.Ref()) {
				if c.Correlation.Generate {
					return false
				}
				referenced = true
			}
		}
	}
	return referenced
}

// Interested reports whether any correlation uses matches of the rule.
func (e *Engine) Interested(r *ast.Rule) bool { return len(e.byBase[r]) > 0 }

// Stats returns the current statistics.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Groups = 0
	for _, c := range e.corrs {
		s.Groups += len(c.groups)
	}
	return s
}

// Observe feeds one match and returns the correlation alerts it completes,
// including alerts of correlations chained on top of those alerts.
func (e *Engine) Observe(m Match) []Alert {
	var out []Alert
	queue := []Match{m}
	for depth := 0; len(queue) > 0 && depth < 16; depth++ {
		var next []Match
		for _, q := range queue {
			for _, link := range e.byBase[q.Rule] {
				for _, a := range link.c.observe(q, link.pos) {
					out = append(out, a)
					next = append(next, Match{Rule: a.Rule, Event: alertEvent(a), Time: a.Time, Ref: lastRef(a)})
				}
			}
		}
		queue = next
	}
	return out
}

// Flush closes every open window (end of stream) and returns the alerts of
// correlations evaluated at window close.
func (e *Engine) Flush() []Alert {
	var out []Alert
	for _, c := range e.corrs {
		out = append(out, c.closeAll()...)
	}
	return out
}

func lastRef(a Alert) EventRef {
	if len(a.Events) == 0 {
		return EventRef{}
	}
	return a.Events[len(a.Events)-1]
}

// alertEvent exposes an alert's group values as an event, for chained correlations.
func alertEvent(a Alert) engine.Event {
	fields := map[string]engine.Value{}
	for _, g := range a.Group {
		fields[g.Field] = engine.Value{Kind: engine.KindString, S: g.Value}
	}
	return engine.NewFlatEvent(fields)
}

// corrState is the windowed state of one correlation rule.
type corrState struct {
	rule   *ast.Rule
	bases  []*ast.Rule
	groups map[string]*list.Element // key -> element of lru holding *group
	lru    *list.List               // least recently updated group first
	newest time.Time                // newest event time seen
	eng    *Engine
	keyBuf []byte
	valBuf []GroupValue
}

// entry is one match inside a group's window.
type entry struct {
	t     time.Time
	pos   int     // rule position in the correlation
	value string  // value_count field value
	num   float64 // value_sum/avg/percentile field value
	ref   EventRef
}

type group struct {
	key     string
	values  []GroupValue
	entries []entry // in time order
	updated time.Time
	// Incremental aggregates over entries.
	distinct map[string]int // value_count: value -> entries holding it
	perRule  map[int]int    // temporal: rule position -> entries
	sum      float64
}

func (g *group) add(en entry, sign int) {
	if g.distinct != nil {
		g.distinct[en.value] += sign
		if g.distinct[en.value] == 0 {
			delete(g.distinct, en.value)
		}
	}
	if g.perRule != nil {
		g.perRule[en.pos] += sign
		if g.perRule[en.pos] == 0 {
			delete(g.perRule, en.pos)
		}
	}
	g.sum += float64(sign) * en.num
}

func (g *group) reset() {
	g.entries = g.entries[:0]
	g.sum = 0
	if g.distinct != nil {
		g.distinct = map[string]int{}
	}
	if g.perRule != nil {
		g.perRule = map[int]int{}
	}
}

func (c *corrState) observe(m Match, pos int) []Alert {
	corr := c.rule.Correlation
	e := c.eng
	if m.Time.Before(c.newest.Add(-e.opts.Tolerance)) {
		e.stats.Late++
		return nil
	}
	if m.Time.After(c.newest) {
		c.newest = m.Time
	}
	out := c.evictExpired()

	// The group key is built in a reused buffer; values are only kept for new groups.
	c.keyBuf = c.keyBuf[:0]
	c.valBuf = c.valBuf[:0]
	for _, field := range corr.GroupBy {
		name := c.fieldFor(field, m.Rule)
		v, ok := m.Event.Get(name)
		if !ok || v.Kind == engine.KindNull {
			e.stats.MissingGroupField++
			return out
		}
		s := scalarText(v)
		c.valBuf = append(c.valBuf, GroupValue{Field: field, Value: s})
		c.keyBuf = strconv.AppendInt(c.keyBuf, int64(len(s)), 10)
		c.keyBuf = append(c.keyBuf, ':')
		c.keyBuf = append(c.keyBuf, s...)
	}
	en := entry{t: m.Time, pos: pos, ref: m.Ref}
	switch corr.Type {
	case ast.ValueCount:
		var parts []string
		for _, f := range corr.Field {
			v, ok := m.Event.Get(c.fieldFor(f, m.Rule))
			if !ok || v.Kind == engine.KindNull {
				return out // a value_count needs the counted field
			}
			parts = append(parts, scalarText(v))
		}
		en.value = strings.Join(parts, "\x00")
	case ast.ValueSum, ast.ValueAvg, ast.ValuePercentile, ast.ValueMedian:
		if len(corr.Field) == 0 {
			return out
		}
		v, ok := m.Event.Get(c.fieldFor(corr.Field[0], m.Rule))
		if !ok {
			return out
		}
		n, ok := numeric(v)
		if !ok {
			return out
		}
		en.num = n
	}

	g := c.group(m.Time)
	if c.atClose() {
		// Tumbling window from the group's first event: an event past its end closes it.
		if len(g.entries) > 0 && m.Time.Sub(g.entries[0].t) > corr.Timespan {
			if a, ok := c.evaluate(g); ok {
				out = append(out, a)
			}
			g.reset()
		}
		g.insert(en)
		return out
	}
	g.insert(en)
	g.trim(m.Time.Add(-corr.Timespan))
	if a, ok := c.evaluate(g); ok {
		// The group's window is consumed by the alert: the next alert needs new events.
		c.drop(g.key)
		out = append(out, a)
	}
	return out
}

// atClose reports whether the condition is evaluated when a window closes rather
// than on each event: true unless the aggregate only grows as events arrive and
// the condition is a lower bound (gt/gte on counts and non-negative sums).
func (c *corrState) atClose() bool {
	corr := c.rule.Correlation
	switch corr.Type {
	case ast.EventCount, ast.ValueCount, ast.Temporal, ast.TemporalOrdered, ast.ValueSum:
	default:
		return true
	}
	for _, t := range corr.Condition {
		if t.Op != ast.OpGT && t.Op != ast.OpGTE {
			return true
		}
	}
	return false
}

// evaluate checks the condition over the group's window and builds the alert.
func (c *corrState) evaluate(g *group) (Alert, bool) {
	agg, ok := c.aggregate(g)
	if !ok || len(g.entries) == 0 || !holds(c.rule.Correlation.Condition, agg) {
		return Alert{}, false
	}
	last := g.entries[len(g.entries)-1]
	a := Alert{Rule: c.rule, Group: g.values, Time: last.t, Value: agg}
	refs := g.entries
	if c.rule.Correlation.Type == ast.TemporalOrdered {
		// Only the events that form the ordered sequence contribute.
		refs = nil
		for _, x := range g.entries {
			if x.pos == len(refs) {
				refs = append(refs, x)
			}
		}
	}
	if max := c.eng.opts.MaxEventRefs; len(refs) > max {
		refs = refs[len(refs)-max:]
	}
	for _, x := range refs {
		a.Events = append(a.Events, x.ref)
	}
	return a, true
}

// closeAll evaluates and drops every group (end of stream).
func (c *corrState) closeAll() []Alert {
	var out []Alert
	for el := c.lru.Front(); el != nil; el = el.Next() {
		if c.atClose() {
			if a, ok := c.evaluate(el.Value.(*group)); ok {
				out = append(out, a)
			}
		}
	}
	c.groups = map[string]*list.Element{}
	c.lru.Init()
	return out
}

// fieldFor maps a group-by or value field through the correlation's aliases for the matched rule.
func (c *corrState) fieldFor(field string, base *ast.Rule) string {
	for _, a := range c.rule.Correlation.Aliases {
		if a.Name == field {
			if f, ok := a.FieldFor(base.Name, base.ID, base.Ref()); ok {
				return f
			}
		}
	}
	return field
}

func (c *corrState) group(t time.Time) *group {
	if el, ok := c.groups[string(c.keyBuf)]; ok {
		g := el.Value.(*group)
		if t.After(g.updated) {
			g.updated = t
		}
		c.lru.MoveToBack(el)
		return g
	}
	for len(c.groups) >= c.eng.opts.MaxGroups {
		front := c.lru.Front()
		c.drop(front.Value.(*group).key)
		c.eng.stats.CapEvictions++
	}
	g := &group{key: string(c.keyBuf), values: append([]GroupValue(nil), c.valBuf...), updated: t}
	switch c.rule.Correlation.Type {
	case ast.ValueCount:
		g.distinct = map[string]int{}
	case ast.Temporal:
		g.perRule = map[int]int{}
	}
	c.groups[g.key] = c.lru.PushBack(g)
	return g
}

func (c *corrState) drop(key string) {
	if el, ok := c.groups[key]; ok {
		c.lru.Remove(el)
		delete(c.groups, key)
	}
}

// evictExpired drops groups whose newest event left the window (with the
// tolerance); groups evaluated at close are evaluated first.
func (c *corrState) evictExpired() []Alert {
	var out []Alert
	limit := c.newest.Add(-c.rule.Correlation.Timespan - c.eng.opts.Tolerance)
	for el := c.lru.Front(); el != nil; {
		g := el.Value.(*group)
		if !g.updated.Before(limit) {
			break
		}
		if c.atClose() {
			if a, ok := c.evaluate(g); ok {
				out = append(out, a)
			}
		}
		next := el.Next()
		c.lru.Remove(el)
		delete(c.groups, g.key)
		c.eng.stats.Evicted++
		el = next
	}
	return out
}

// insert keeps entries in time order (late events within the tolerance go in place).
func (g *group) insert(en entry) {
	i := len(g.entries)
	for i > 0 && g.entries[i-1].t.After(en.t) {
		i--
	}
	g.entries = append(g.entries, entry{})
	copy(g.entries[i+1:], g.entries[i:])
	g.entries[i] = en
	g.add(en, 1)
}

// trim drops entries strictly before the window start: an event exactly
// timespan before the newest is still inside the window.
func (g *group) trim(start time.Time) {
	i := 0
	for i < len(g.entries) && g.entries[i].t.Before(start) {
		g.add(g.entries[i], -1)
		i++
	}
	if i > 0 {
		g.entries = append(g.entries[:0], g.entries[i:]...)
	}
}

// aggregate computes the correlation's value over the group's window.
func (c *corrState) aggregate(g *group) (float64, bool) {
	corr := c.rule.Correlation
	switch corr.Type {
	case ast.EventCount:
		return float64(len(g.entries)), true
	case ast.ValueCount:
		return float64(len(g.distinct)), true
	case ast.Temporal:
		return float64(len(g.perRule)), true
	case ast.TemporalOrdered:
		// Longest prefix of the rules list matched in order inside the window.
		next := 0
		for _, x := range g.entries {
			if x.pos == next {
				next++
			}
		}
		return float64(next), true
	case ast.ValueSum:
		return g.sum, true
	case ast.ValueAvg:
		return g.sum / float64(len(g.entries)), len(g.entries) > 0
	case ast.ValuePercentile, ast.ValueMedian:
		nums := make([]float64, len(g.entries))
		for i, x := range g.entries {
			nums[i] = x.num
		}
		p := corr.Percentile
		if corr.Type == ast.ValueMedian || p == 0 {
			p = 50
		}
		return percentile(nums, p), len(nums) > 0
	}
	return 0, false
}

// percentile is the nearest-rank percentile of nums.
func percentile(nums []float64, p float64) float64 {
	if len(nums) == 0 {
		return 0
	}
	sort.Float64s(nums)
	rank := int(math.Ceil(p / 100 * float64(len(nums))))
	if rank < 1 {
		rank = 1
	}
	return nums[rank-1]
}

func holds(conds []ast.Threshold, v float64) bool {
	for _, t := range conds {
		if !t.Op.Holds(v, t.Value) {
			return false
		}
	}
	return len(conds) > 0
}

func scalarText(v engine.Value) string {
	if v.Kind == engine.KindArray {
		parts := make([]string, len(v.Arr))
		for i, x := range v.Arr {
			parts[i] = x.S
		}
		return strings.Join(parts, ",")
	}
	return v.S
}

func numeric(v engine.Value) (float64, bool) {
	if v.Kind == engine.KindNumber {
		return v.N, true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
	return f, err == nil
}
