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

// Options configures the correlation engine. Zero values take the defaults below;
// every budget is reported in Stats when it changes what the engine does.
type Options struct {
	// MaxGroups caps the live groups per correlation rule (default 100,000). At the
	// cap, the group furthest from firing is evicted (the lowest progress towards a
	// gt/gte threshold, least recently updated first), so junk groups cannot push out
	// a group that is about to fire.
	MaxGroups int
	// Tolerance is how far behind the newest event time an event may arrive and
	// still be counted (default 0: events must arrive in time order, equal times allowed).
	Tolerance time.Duration
	// MaxEventRefs caps the contributing event positions kept per group (default 256).
	MaxEventRefs int
	// MaxFuture is how far ahead of the wall clock (Now) an event's time may be
	// (default 24h; negative: no future check). The same tolerance bounds a jump of the
	// stream's clock: an event that far ahead of the newest time seen is held until the
	// next event confirms the jump (it is refused when the next event is not ahead too),
	// and a first event that far ahead of the second is refused and the clock restarts,
	// so one forged timestamp cannot make every later event "too late".
	MaxFuture time.Duration
	// Now is the wall clock for MaxFuture (default time.Now).
	Now func() time.Time
	// MaxAlertsPerEvent caps the alerts one input event may cause, chained
	// correlations included (default 1,000).
	MaxAlertsPerEvent int
	// MaxAlerts caps the alerts of the whole run (default 1,000,000).
	MaxAlerts int
	// MaxDepth is the longest chain of correlations evaluated (default 16); deeper
	// correlations are reported by Warnings and in Stats.
	MaxDepth int
	// MaxWindowEvents caps the events kept per group window (default 10,000).
	// Counting windows keep aggregates instead of events where the condition allows;
	// see Stats.Folded, Merged and Truncated.
	MaxWindowEvents int
}

// Defaults of Options.
const (
	DefaultMaxGroups         = 100000
	DefaultMaxEventRefs      = 256
	DefaultMaxFuture         = 24 * time.Hour
	DefaultMaxAlertsPerEvent = 1000
	DefaultMaxAlerts         = 1000000
	DefaultMaxDepth          = 16
	DefaultMaxWindowEvents   = 10000
)

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

// Stats reports the engine's state for monitoring and the memory bound, and every
// decision a budget made.
type Stats struct {
	// Groups is the number of live groups over all correlation rules.
	Groups int
	// Evicted counts groups dropped because their window passed.
	Evicted int
	// CapEvictions counts groups dropped because MaxGroups was hit.
	CapEvictions int
	// MaxEvictedProgress is the highest progress (percent of a gt/gte threshold
	// reached) of a group evicted at the cap.
	MaxEvictedProgress int
	// Late counts matches older than the tolerance allows, which were ignored.
	Late int
	// Future counts matches refused for a time beyond MaxFuture (ahead of the wall
	// clock, or an unconfirmed jump ahead of the stream's clock).
	Future int
	// MissingGroupField counts matches skipped because a group-by field was absent.
	MissingGroupField int
	// FanOutCut counts input events whose alerts were cut at MaxAlertsPerEvent;
	// AlertsCut counts the alerts dropped by MaxAlertsPerEvent and MaxAlerts.
	FanOutCut, AlertsCut int
	// DeepRules counts correlation rules deeper than MaxDepth (never evaluated);
	// DepthCut counts chained alerts not fed to them.
	DeepRules, DepthCut int
	// Folded counts events not kept in a window because the aggregate does not need
	// them: counted in the aggregate of event_count, value_sum, value_avg decided at
	// close, or superseded by a later event of the same value (value_count), rule
	// (temporal) or run of one rule (temporal_ordered); the result is exact. Merged counts events merged
	// into a coarser entry of a sliding count or sum window over MaxWindowEvents (their
	// window end is that of a later event); Truncated counts events dropped from a
	// window over MaxWindowEvents (the aggregate forgets them).
	Folded, Merged, Truncated int
}

// Engine evaluates correlation rules.
type Engine struct {
	opts  Options
	corrs []*corrState
	// byBase maps a rule (pointer) to the correlation states that reference it, with the rule's position.
	byBase   map[*ast.Rule][]baseLink
	stats    Stats
	alerts   int // alerts produced so far, for MaxAlerts
	warnings []error
}

type baseLink struct {
	c   *corrState
	pos int // index of the rule in the correlation's rules list
}

// New builds an engine for the correlation rules among rules. Detection and
// correlation rules are looked up by the references the front end resolved.
func New(rules []*ast.Rule, opts Options) (*Engine, []error) {
	opts = opts.withDefaults()
	e := &Engine{opts: opts, byBase: map[*ast.Rule][]baseLink{}}
	rv := ast.NewResolver(rules)
	var errs []error
	states := map[*ast.Rule]*corrState{}
	for _, r := range rules {
		if r.Kind != ast.KindCorrelation || r.Correlation == nil {
			continue
		}
		c := newCorrState(r, e)
		ok := true
		for i, ref := range r.Correlation.Rules {
			base := rv.Target(ref)
			if base == nil {
				errs = append(errs, fmt.Errorf("%s: correlation %q references rule %q, which is not loaded", ref.Pos, r.Title, ref.Ref))
				ok = false
				continue
			}
			c.bases = append(c.bases, base)
			e.byBase[base] = append(e.byBase[base], baseLink{c, i})
		}
		if ok {
			e.corrs = append(e.corrs, c)
			states[r] = c
		}
	}
	e.checkDepth(states)
	return e, errs
}

// withDefaults fills the options left zero (or below their floor).
func (opts Options) withDefaults() Options {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	if opts.MaxEventRefs <= 0 {
		opts.MaxEventRefs = DefaultMaxEventRefs
	}
	if opts.MaxFuture == 0 {
		opts.MaxFuture = DefaultMaxFuture
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxAlertsPerEvent <= 0 {
		opts.MaxAlertsPerEvent = DefaultMaxAlertsPerEvent
	}
	if opts.MaxAlerts <= 0 {
		opts.MaxAlerts = DefaultMaxAlerts
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	if opts.MaxWindowEvents <= 0 {
		opts.MaxWindowEvents = DefaultMaxWindowEvents
	}
	if opts.MaxWindowEvents < 16 {
		opts.MaxWindowEvents = 16
	}
	return opts
}

// checkDepth warns about correlations more levels above detection rules
// than Options.MaxDepth (1 above detection rules, 1 more than the deepest
// referenced correlation); states are the correlations by rule.
func (e *Engine) checkDepth(states map[*ast.Rule]*corrState) {
	depth := map[*corrState]int{}
	var level func(c *corrState, seen int) int
	level = func(c *corrState, seen int) int {
		if d, ok := depth[c]; ok {
			return d
		}
		d := 1
		if seen <= len(states) { // cycles are front-end errors; stay finite anyway
			for _, b := range c.bases {
				if bc := states[b]; bc != nil {
					if x := level(bc, seen+1) + 1; x > d {
						d = x
					}
				}
			}
		}
		depth[c] = d
		return d
	}
	for _, c := range e.corrs {
		if d := level(c, 0); d > e.opts.MaxDepth {
			e.stats.DeepRules++
			e.warnings = append(e.warnings, fmt.Errorf("%s: correlation %q is %d levels above detection rules; alerts deeper than %d levels (Options.MaxDepth) are not fed to it",
				c.rule.Pos, c.rule.Title, d, e.opts.MaxDepth))
		}
	}
}

// Warnings lists the decisions taken when the engine was built (correlations
// deeper than MaxDepth).
func (e *Engine) Warnings() []error { return e.warnings }

// SuppressedSet returns Suppressed for every rule of rules at once: it reads
// the correlations once, so that deciding for n rules is linear in n (calling
// Suppressed for each rule is quadratic: 40,000 rules took 28 s).
func SuppressedSet(rules []*ast.Rule) func(r *ast.Rule) bool {
	rv := ast.NewResolver(rules)
	generated := map[*ast.Rule]bool{} // referenced rule -> referenced by a generating correlation
	for _, c := range rules {
		if c.Correlation == nil {
			continue
		}
		for _, ref := range c.Correlation.Rules {
			if t := rv.Target(ref); t != nil {
				generated[t] = generated[t] || c.Correlation.Generate
			}
		}
	}
	return func(r *ast.Rule) bool {
		g, ok := generated[r]
		return ok && !g
	}
}

// Suppressed reports whether a rule is referenced only by correlations with
// generate: false, so that it should not alert on its own.
func Suppressed(r *ast.Rule, rules []*ast.Rule) bool {
	referenced := false
	rv := ast.NewResolver(append([]*ast.Rule{r}, rules...))
	for _, c := range rules {
		if c.Correlation == nil {
			continue
		}
		for _, ref := range c.Correlation.Rules {
			if rv.Target(ref) == r {
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
// including alerts of correlations chained on top of those alerts, at most
// MaxAlertsPerEvent of them and MaxAlerts over the run.
func (e *Engine) Observe(m Match) []Alert {
	var out []Alert
	queue := []Match{m}
	perEventCut := false
	for depth := 1; len(queue) > 0; depth++ {
		var next []Match
		for _, q := range queue {
			for _, link := range e.byBase[q.Rule] {
				if depth > e.opts.MaxDepth {
					e.stats.DepthCut++
					continue
				}
				for _, a := range link.c.observe(q, link.pos) {
					if !e.admit(len(out)) {
						perEventCut = perEventCut || len(out) >= e.opts.MaxAlertsPerEvent
						continue
					}
					out = append(out, a)
					if len(e.byBase[a.Rule]) > 0 {
						next = append(next, Match{Rule: a.Rule, Event: alertEvent(a), Time: a.Time, Ref: lastRef(a)})
					}
				}
			}
		}
		queue = next
	}
	if perEventCut {
		e.stats.FanOutCut++
	}
	return out
}

// admit counts one alert against the budgets: false when it must be dropped.
func (e *Engine) admit(thisEvent int) bool {
	if thisEvent >= e.opts.MaxAlertsPerEvent || e.alerts >= e.opts.MaxAlerts {
		e.stats.AlertsCut++
		return false
	}
	e.alerts++
	return true
}

// Flush closes every open window (end of stream) and returns the alerts of
// correlations evaluated at window close. A match held for an unconfirmed jump of
// the clock is counted first: nothing follows it.
func (e *Engine) Flush() []Alert {
	var out []Alert
	keep := func(as []Alert) {
		for _, a := range as {
			if e.admit(0) {
				out = append(out, a)
			}
		}
	}
	for _, c := range e.corrs {
		if c.held != nil {
			keep(c.applyHeld())
		}
		keep(c.closeAll())
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

// windowMode is how a correlation bounds the memory of a group's window.
type windowMode int

const (
	// modeCap keeps events up to MaxWindowEvents and drops the oldest beyond (percentiles, ordered sequences).
	modeCap windowMode = iota
	// modeFold keeps only the aggregate and the last MaxEventRefs events (event_count,
	// value_sum, value_avg decided at close: only the count and sum matter).
	modeFold
	// modeLatest keeps the latest event per counted key (value_count: per value;
	// temporal: per rule), which leaves the distinct count exact.
	modeLatest
	// modeMerge merges the oldest events pairwise beyond MaxWindowEvents (sliding
	// event_count and value_sum: the count and sum stay exact, merged events leave
	// the window with the later of the two).
	modeMerge
)

// corrState is the windowed state of one correlation rule.
type corrState struct {
	rule    *ast.Rule
	bases   []*ast.Rule
	groups  map[string]*list.Element // key -> element of lru holding *group
	lru     *list.List               // least recently updated group first
	levels  [100]*list.List          // groups by progress towards firing, least recently updated first
	newest  time.Time                // newest event time seen
	eng     *Engine
	closing bool       // the condition is decided when the window closes
	mode    windowMode // how the window's memory is bounded
	target  float64    // the gt/gte threshold progress is measured against (sliding windows)
	held    *heldMatch // a match ahead of the clock, waiting for confirmation
	applied int        // matches applied to the windows (the first one sets the clock unconfirmed)
	keyBuf  []byte
	valBuf  []GroupValue
}

// heldMatch is a match extracted from its event, kept while a jump of the clock is unconfirmed.
type heldMatch struct {
	key    string
	values []GroupValue
	en     entry
}

func newCorrState(r *ast.Rule, e *Engine) *corrState {
	c := &corrState{rule: r, groups: map[string]*list.Element{}, lru: list.New(), eng: e}
	corr := r.Correlation
	c.closing = atClose(corr)
	switch {
	case c.closing && (corr.Type == ast.EventCount || corr.Type == ast.ValueSum || corr.Type == ast.ValueAvg):
		c.mode = modeFold
	case corr.Type == ast.ValueCount || corr.Type == ast.Temporal:
		c.mode = modeLatest
	case !c.closing && (corr.Type == ast.EventCount || corr.Type == ast.ValueSum):
		c.mode = modeMerge
	}
	if !c.closing {
		for _, t := range corr.Condition {
			if t.Value > c.target {
				c.target = t.Value
			}
		}
	}
	return c
}

// entry is one match (or, merged, several) inside a group's window.
type entry struct {
	t     time.Time
	pos   int     // rule position in the correlation
	value string  // value_count field value
	num   float64 // value_sum/avg/percentile field value
	n     int     // events this entry stands for
	ref   EventRef
}

type group struct {
	key     string
	values  []GroupValue
	entries []entry // in time order
	updated time.Time
	start   time.Time // first event of a tumbling window
	lruEl   *list.Element
	levelEl *list.Element
	level   int
	// Incremental aggregates over the window.
	count    int            // events (entry weights, folded events included)
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
	g.count += sign * en.n
	g.sum += float64(sign) * en.num
}

func (g *group) reset() {
	g.entries = g.entries[:0]
	g.sum, g.count = 0, 0
	if g.distinct != nil {
		g.distinct = map[string]int{}
	}
	if g.perRule != nil {
		g.perRule = map[int]int{}
	}
}

func (c *corrState) observe(m Match, pos int) []Alert {
	e := c.eng
	if e.opts.MaxFuture > 0 && c.applied == 1 && m.Time.Before(c.newest.Add(-e.opts.MaxFuture)) {
		// The first event was far ahead of the stream that follows it (nothing
		// confirmed its time): it is refused and the clock starts again.
		e.stats.Future++
		c.groups = map[string]*list.Element{}
		c.lru.Init()
		c.levels = [100]*list.List{}
		c.newest, c.applied = time.Time{}, 0
	}
	if m.Time.Before(c.newest.Add(-e.opts.Tolerance)) {
		e.stats.Late++
		return nil
	}
	if e.opts.MaxFuture > 0 {
		if m.Time.After(e.opts.Now().Add(e.opts.MaxFuture)) {
			e.stats.Future++
			return nil
		}
		if !c.newest.IsZero() && m.Time.After(c.newest.Add(e.opts.MaxFuture)) {
			// A jump of the stream's clock: held until the next event confirms it.
			en, ok := c.extract(m, pos)
			if !ok {
				return nil
			}
			h := &heldMatch{key: string(c.keyBuf), values: append([]GroupValue(nil), c.valBuf...), en: en}
			if c.held != nil && absDur(en.t.Sub(c.held.en.t)) <= e.opts.MaxFuture {
				out := c.applyHeld() // confirmed: the gap is real
				c.keyBuf = append(c.keyBuf[:0], h.key...)
				c.valBuf = append(c.valBuf[:0], h.values...)
				return append(out, c.apply(h.en)...)
			}
			if c.held != nil {
				e.stats.Future++ // two jumps that disagree: the first is refused
			}
			c.held = h
			return nil
		}
		if c.held != nil {
			// The stream went on behind the held match: it was a forged time.
			e.stats.Future++
			c.held = nil
		}
	}
	en, ok := c.extract(m, pos)
	if !ok {
		// The clock and expiry still move on with the event.
		if m.Time.After(c.newest) {
			c.newest = m.Time
		}
		return c.evictExpired()
	}
	return c.apply(en)
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// applyHeld applies the held match.
func (c *corrState) applyHeld() []Alert {
	h := c.held
	c.held = nil
	c.keyBuf = append(c.keyBuf[:0], h.key...)
	c.valBuf = append(c.valBuf[:0], h.values...)
	return c.apply(h.en)
}

// extract reads the group key (into keyBuf and valBuf) and the counted value of a
// match; false when a needed field is missing.
func (c *corrState) extract(m Match, pos int) (entry, bool) {
	corr := c.rule.Correlation
	c.keyBuf = c.keyBuf[:0]
	c.valBuf = c.valBuf[:0]
	for _, field := range corr.GroupBy {
		name := c.fieldFor(field, m.Rule)
		v, ok := m.Event.Get(name)
		if !ok || v.Kind == engine.KindNull {
			c.eng.stats.MissingGroupField++
			return entry{}, false
		}
		s := scalarText(v)
		c.valBuf = append(c.valBuf, GroupValue{Field: field, Value: s})
		c.keyBuf = strconv.AppendInt(c.keyBuf, int64(len(s)), 10)
		c.keyBuf = append(c.keyBuf, ':')
		c.keyBuf = append(c.keyBuf, s...)
	}
	en := entry{t: m.Time, pos: pos, ref: m.Ref, n: 1}
	switch corr.Type {
	case ast.ValueCount:
		var parts []string
		for _, f := range corr.Field {
			v, ok := m.Event.Get(c.fieldFor(f, m.Rule))
			if !ok || v.Kind == engine.KindNull {
				return en, false // a value_count needs the counted field
			}
			parts = append(parts, scalarText(v))
		}
		en.value = strings.Join(parts, "\x00")
	case ast.ValueSum, ast.ValueAvg, ast.ValuePercentile, ast.ValueMedian:
		if len(corr.Field) == 0 {
			return en, false
		}
		v, ok := m.Event.Get(c.fieldFor(corr.Field[0], m.Rule))
		if !ok {
			return en, false
		}
		n, ok := numeric(v)
		if !ok {
			return en, false
		}
		en.num = n
	}
	return en, true
}

// apply adds an extracted match (its key in keyBuf/valBuf) to its group's window.
func (c *corrState) apply(en entry) []Alert {
	corr := c.rule.Correlation
	c.applied++
	if en.t.After(c.newest) {
		c.newest = en.t
	}
	out := c.evictExpired()
	g := c.group(en.t)
	if c.closing {
		// Tumbling window from the group's first event: an event past its end closes it.
		if g.count > 0 && en.t.Sub(g.start) > corr.Timespan {
			if a, ok := c.evaluate(g); ok {
				out = append(out, a)
			}
			g.reset()
		}
		c.insert(g, en)
		c.reprioritise(g)
		return out
	}
	c.insert(g, en)
	g.trim(en.t.Add(-corr.Timespan))
	if a, ok := c.evaluate(g); ok {
		// The group's window is consumed by the alert: the next alert needs new events.
		c.drop(g)
		return append(out, a)
	}
	c.reprioritise(g)
	return out
}

// atClose reports whether the condition is evaluated when a window closes rather
// than on each event: true unless the aggregate only grows as events arrive and
// the condition is a lower bound (gt/gte on counts and non-negative sums).
func atClose(corr *ast.Correlation) bool {
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
		if c.closing {
			if a, ok := c.evaluate(el.Value.(*group)); ok {
				out = append(out, a)
			}
		}
	}
	c.groups = map[string]*list.Element{}
	c.lru.Init()
	c.levels = [100]*list.List{}
	return out
}

// fieldFor maps a group-by or value field through the correlation's aliases for the matched rule.
func (c *corrState) fieldFor(field string, base *ast.Rule) string {
	for _, a := range c.rule.Correlation.Aliases {
		if a.Name == field {
			if f, ok := a.FieldFor(base); ok {
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
		c.evictUnderPressure()
	}
	g := &group{key: string(c.keyBuf), values: append([]GroupValue(nil), c.valBuf...), updated: t}
	switch c.rule.Correlation.Type {
	case ast.ValueCount:
		g.distinct = map[string]int{}
	case ast.Temporal:
		g.perRule = map[int]int{}
	}
	g.lruEl = c.lru.PushBack(g)
	c.groups[g.key] = g.lruEl
	c.setLevel(g, 0)
	return g
}

// evictUnderPressure drops the group furthest from firing: the lowest progress,
// least recently updated first.
func (c *corrState) evictUnderPressure() {
	for lvl, l := range c.levels {
		if l == nil || l.Len() == 0 {
			continue
		}
		c.drop(l.Front().Value.(*group))
		c.eng.stats.CapEvictions++
		if lvl > c.eng.stats.MaxEvictedProgress {
			c.eng.stats.MaxEvictedProgress = lvl
		}
		return
	}
}

// reprioritise files a sliding group under its progress towards the threshold
// (percent, 0-99: a group at 100 has fired).
func (c *corrState) reprioritise(g *group) {
	lvl := 0
	if !c.closing && c.target > 0 {
		if agg, ok := c.aggregate(g); ok && agg > 0 {
			lvl = int(100 * agg / c.target)
		}
		lvl = min(max(lvl, 0), len(c.levels)-1)
	}
	if lvl != g.level {
		c.setLevel(g, lvl)
	} else {
		c.levels[lvl].MoveToBack(g.levelEl)
	}
}

func (c *corrState) setLevel(g *group, lvl int) {
	if g.levelEl != nil {
		c.levels[g.level].Remove(g.levelEl)
	}
	if c.levels[lvl] == nil {
		c.levels[lvl] = list.New()
	}
	g.level = lvl
	g.levelEl = c.levels[lvl].PushBack(g)
}

func (c *corrState) drop(g *group) {
	if el, ok := c.groups[g.key]; ok && el.Value.(*group) == g {
		c.lru.Remove(el)
		delete(c.groups, g.key)
		if g.levelEl != nil {
			c.levels[g.level].Remove(g.levelEl)
			g.levelEl = nil
		}
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
		if c.closing {
			if a, ok := c.evaluate(g); ok {
				out = append(out, a)
			}
		}
		el = el.Next()
		c.drop(g)
		c.eng.stats.Evicted++
	}
	return out
}

// insert keeps entries in time order (late events within the tolerance go in
// place), then bounds the window's memory by the correlation's mode.
func (c *corrState) insert(g *group, en entry) {
	if g.count == 0 || en.t.Before(g.start) {
		g.start = en.t
	}
	i := len(g.entries)
	for i > 0 && g.entries[i-1].t.After(en.t) {
		i--
	}
	if c.rule.Correlation.Type == ast.TemporalOrdered && i == len(g.entries) && i > 0 && g.entries[i-1].pos == en.pos {
		// A run of one rule counts as its latest event for the ordered sequence
		// (the longest in-order prefix is the same, and the latest leaves the window last).
		g.add(g.entries[i-1], -1)
		g.entries[i-1] = en
		g.add(en, 1)
		c.eng.stats.Folded++
		return
	}
	g.entries = append(g.entries, entry{})
	copy(g.entries[i+1:], g.entries[i:])
	g.entries[i] = en
	g.add(en, 1)

	st := &c.eng.stats
	limit := c.eng.opts.MaxWindowEvents
	switch c.mode {
	case modeFold:
		// Only the aggregate and the last MaxEventRefs events are needed.
		if refs := c.eng.opts.MaxEventRefs; len(g.entries) >= 2*refs {
			n := len(g.entries) - refs
			st.Folded += n
			g.entries = append(g.entries[:0], g.entries[n:]...)
		}
		return
	case modeLatest:
		keys := len(g.distinct) + len(g.perRule)
		if len(g.entries) > 2*keys+16 {
			before := len(g.entries)
			g.keepLatest()
			st.Folded += before - len(g.entries)
		}
	case modeMerge:
		if len(g.entries) >= 2*limit {
			// Merge the oldest half pairwise: the count and the sum are unchanged.
			half := len(g.entries) / 2
			j := 0
			for k := 0; k+1 < half; k += 2 {
				a, b := g.entries[k], g.entries[k+1]
				// Entries of weight 1 are single events merged for the first time.
				if a.n == 1 {
					st.Merged++
				}
				if b.n == 1 {
					st.Merged++
				}
				b.n += a.n
				b.num += a.num
				g.entries[j] = b
				j++
			}
			j += copy(g.entries[j:], g.entries[half-half%2:])
			g.entries = g.entries[:j]
		}
		return
	}
	if len(g.entries) >= limit+limit/4 {
		n := len(g.entries) - limit
		for _, x := range g.entries[:n] {
			g.add(x, -1)
			st.Truncated += x.n
		}
		g.entries = append(g.entries[:0], g.entries[n:]...)
	}
}

// keepLatest keeps the newest entry of each counted key (value or rule), the
// aggregates becoming one entry per key.
func (g *group) keepLatest() {
	seenV := map[string]bool{}
	seenP := map[int]bool{}
	j := len(g.entries)
	for i := len(g.entries) - 1; i >= 0; i-- {
		x := g.entries[i]
		if g.distinct != nil {
			if seenV[x.value] {
				continue
			}
			seenV[x.value] = true
		} else {
			if seenP[x.pos] {
				continue
			}
			seenP[x.pos] = true
		}
		j--
		g.entries[j] = x
	}
	g.entries = append(g.entries[:0], g.entries[j:]...)
	count := len(g.entries)
	if g.distinct != nil {
		for v := range g.distinct {
			g.distinct[v] = 1
		}
	}
	if g.perRule != nil {
		for p := range g.perRule {
			g.perRule[p] = 1
		}
	}
	g.count = count
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
		return float64(g.count), true
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
		return g.sum / float64(g.count), g.count > 0
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
