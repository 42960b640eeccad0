package wazuh

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
)

// Wazuh limits of correlation rules (rules.c getattributes).
const (
	maxFrequency = 9999
	maxTimeframe = 99999 // seconds, 5 digits
)

// staticSame maps a static field to the element that groups by it.
var staticSame = map[string]string{
	"url": "same_url", "id": "same_id", "protocol": "same_protocol", "action": "same_action",
	"status": "same_status", "data": "same_data", "extra_data": "same_extra_data",
	"system_name": "same_system_name", "srcport": "same_srcport", "dstport": "same_dstport",
	"location": "same_location",
}

// corrBuild is a correlation rule being converted.
type corrBuild struct {
	rule *ast.Rule
	// threshold is the number of events that fire the rule (the current one included).
	threshold int
	timeframe int
	bases     []*ast.Rule
	// same are the grouping elements: dynamic field names, and static elements.
	sameFields []string
	sameStatic []string
	// selfMarked: a rule under the (last) base rule's alerts, without
	// frequency, following a group carried by the (first) base rule's alerts
	// and by itself, so that its own alert ends the next search.
	selfMarked bool
	// groupField maps each group-by field to the Wazuh field that carries it
	// (for correlations chained on this one).
	groupField map[string]groupTarget
}

// groupTarget is where Wazuh keeps a group-by value: a dynamic field, or a
// static field (elem) compared by its same_* element.
type groupTarget struct {
	name   string
	static bool
}

// correlations converts the correlation rules after the detections: each
// correlation type and condition Wazuh can express exactly becomes a rule
// with frequency/timeframe over the alerts of its base rules; every other is
// skipped with the reason.
func (b *builder) correlations(corrs []*ast.Rule) {
	// The front end resolved every reference (RuleRef.Target); read it among the rules built.
	byRef := ast.NewResolver(b.all)
	// Dependency order: a correlation over correlations comes after them.
	done := map[*ast.Rule]bool{}
	pending := append([]*ast.Rule(nil), corrs...)
	for len(pending) > 0 {
		progress := false
		var next []*ast.Rule
		for _, r := range pending {
			ready := true
			for _, ref := range r.Correlation.Rules {
				base := byRef.Target(ref)
				if base != nil && base.Kind == ast.KindCorrelation && !done[base] && base != r && contains(corrs, base) {
					ready = false
				}
			}
			if !ready {
				next = append(next, r)
				continue
			}
			b.correlation(r, byRef)
			done[r] = true
			progress = true
		}
		if !progress {
			for _, r := range next {
				b.skip(r, Skip{Pos: r.KeyPos("correlation"), Reason: "correlation cycle", Detail: "the correlation refers to itself through other correlations"})
			}
			break
		}
		pending = next
	}
	b.checkSharedBases()
}

func contains(list []*ast.Rule, r *ast.Rule) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

// correlation converts one correlation rule.
func (b *builder) correlation(r *ast.Rule, byRef *ast.Resolver) {
	c := r.Correlation
	pos := r.KeyPos("correlation")
	refuse := func(reason, format string, args ...any) {
		b.skip(r, Skip{Pos: pos, Reason: reason, Detail: fmt.Sprintf(format, args...)})
	}
	switch c.Type {
	case ast.EventCount:
	case ast.ValueCount:
		refuse("correlation type not expressible in Wazuh", "value_count counts distinct values; Wazuh's different_field only skips earlier events whose value equals the current event's, so three events a, a, b would count as three")
		return
	case ast.Temporal:
		refuse("correlation type not expressible in Wazuh", "temporal needs each rule seen in any order; a Wazuh context rule follows the alerts of rules seen before the current event only, and the order of the rules would have to be fixed")
		return
	case ast.TemporalOrdered:
		if len(c.Rules) != 2 {
			refuse("correlation type not expressible in Wazuh", "temporal_ordered over %d rules: only two rules [A, B] are emitted (a rule under B's alerts looking back at A's); chain two-rule correlations instead", len(c.Rules))
			return
		}
	default:
		refuse("correlation type not expressible in Wazuh", "%s aggregates field values; Wazuh correlation rules only count events", c.Type)
		return
	}
	// The condition: one lower bound on the count.
	n := 0
	for _, t := range c.Condition {
		var v int
		switch t.Op {
		case ast.OpGTE:
			v = int(math.Ceil(t.Value))
		case ast.OpGT:
			v = int(math.Floor(t.Value)) + 1
		default:
			refuse("correlation condition not expressible in Wazuh", "%s %v: Wazuh fires when a count is reached, it cannot wait for a window to close to test an upper bound or an equality", t.Op, t.Value)
			return
		}
		if v > n {
			n = v
		}
	}
	if n < 1 {
		n = 1
	}
	if c.Type == ast.TemporalOrdered && n != len(c.Rules) {
		refuse("correlation condition not expressible in Wazuh", "temporal_ordered with a condition of %d rules out of %d: only the whole sequence is emitted", n, len(c.Rules))
		return
	}
	if c.Type == ast.EventCount && n >= 3 {
		// if_matched_sid: the base rule's one alerting Wazuh rule. A group
		// list would hold each event once per tree node of the base rule
		// (OS_MarkGroup, rules_list.c), and Search_LastGroups counts every copy.
		var alerts []int
		for _, ref := range c.Rules {
			base := byRef.Target(ref)
			if base == nil {
				continue
			}
			for _, em := range b.emissions[base] {
				alerts = append(alerts, em.AlertIDs...)
			}
		}
		if len(alerts) > 1 {
			refuse("correlation base rule not expressible in Wazuh", "a count of %d needs if_matched_sid on the base rule's one alerting Wazuh rule, and the base rules alert as %d Wazuh rules; if_matched_group would count each event once per place of its rule in the rule tree (OS_MarkGroup, Search_LastGroups)", n, len(alerts))
			return
		}
	}
	if n > maxFrequency {
		refuse("correlation condition not expressible in Wazuh", "a count of %d is above Wazuh's largest frequency (%d)", n, maxFrequency)
		return
	}
	secs := c.Timespan / time.Second
	if c.Timespan%time.Second != 0 || secs < 1 || secs > maxTimeframe {
		refuse("correlation timespan not expressible in Wazuh", "timespan %s: Wazuh's timeframe is whole seconds from 1 to %d", c.TimespanText, maxTimeframe)
		return
	}
	cb := &corrBuild{rule: r, threshold: n, timeframe: int(secs), groupField: map[string]groupTarget{}, selfMarked: c.Type == ast.TemporalOrdered || n == 2}
	// Base rules: each must have been emitted.
	var baseEms []*Emission
	for _, ref := range c.Rules {
		base := byRef.Target(ref)
		if base == nil {
			refuse("correlation base rule missing", "rule %q is not among the converted rules", ref.Ref)
			return
		}
		ems := b.emissions[base]
		if len(ems) == 0 {
			refuse("correlation base rule not converted", "rule %q (%s) was not converted for Wazuh", ref.Ref, base.Title)
			return
		}
		cb.bases = append(cb.bases, base)
		baseEms = append(baseEms, ems...)
	}
	selfMarked := c.Type == ast.TemporalOrdered || n == 2
	if c.Type == ast.TemporalOrdered {
		if why := disjointRules(cb.bases[0], cb.bases[1], byRef); why != "" {
			refuse("correlation base rules not expressible in Wazuh", "temporal_ordered needs rules that cannot match the same event (Wazuh raises one alert per event, so an event of both would alert as one only): %s", why)
			return
		}
	}
	if why := b.sidGroupConflict(cb, baseEms, n, selfMarked); why != "" {
		refuse("correlation base rule not expressible in Wazuh", "%s", why)
		return
	}
	// Group-by: every base rule's alerts must carry each field under one Wazuh name.
	for _, g := range c.GroupBy {
		var target *groupTarget
		for _, em := range baseEms {
			field := g
			for _, a := range c.Aliases {
				if a.Name == g {
					if f, ok := a.FieldFor(em.Rule); ok {
						field = f
					}
				}
			}
			t, why := em.groupTarget(field)
			if why != "" {
				refuse("correlation group-by field not mapped", "group-by %q: %s", g, why)
				return
			}
			if target != nil && *target != t {
				refuse("correlation group-by field not mapped", "group-by %q is %s in one base rule and %s in another; Wazuh's same_field compares one field", g, target.name, t.name)
				return
			}
			target = &t
		}
		if target == nil {
			continue
		}
		cb.groupField[g] = *target
		if target.static {
			cb.sameStatic = append(cb.sameStatic, staticSame[target.name])
		} else {
			cb.sameFields = append(cb.sameFields, target.name)
		}
	}
	level := b.prof.Level(r.Level)
	// A chained correlation: Wazuh marks the event that fired the inner rule
	// with its level, and a rule of that level or lower stops at it.
	for _, em := range baseEms {
		if em.corr != nil && em.Level >= level {
			refuse("correlation chain not expressible in Wazuh", "the inner correlation %q has level %d, not below this rule's %d: Wazuh marks the events that fired it with its level, and a rule of that level or lower stops its search there", em.Rule.Title, em.Level, level)
			return
		}
	}
	b.emitCorrelation(cb, baseEms, level)
}

// groupTarget returns where the base rule's alerts keep a field, or why not.
func (em *Emission) groupTarget(field string) (groupTarget, string) {
	if em.corr != nil {
		t, ok := em.corr.groupField[field]
		if !ok {
			return groupTarget{}, fmt.Sprintf("the inner correlation %q does not group by it (its alerts carry only its group-by values)", em.Rule.Title)
		}
		return t, ""
	}
	if em.fs == nil {
		return groupTarget{}, "unknown field mapping"
	}
	name, ok := em.fs.Field(field)
	if !ok {
		return groupTarget{}, fmt.Sprintf("no Wazuh field for %q in logsource %s", field, em.Variant)
	}
	if staticElements[strings.ToLower(name)] {
		name = strings.ToLower(name)
		if staticSame[name] == "" {
			return groupTarget{}, fmt.Sprintf("Wazuh has no same_* element for the static field %s", name)
		}
		return groupTarget{name: name, static: true}, ""
	}
	return groupTarget{name: name}, ""
}

// baseGroup names the group added to a base rule's alerting rules, which the
// correlation's if_matched_group follows: fixed length, so that Wazuh's
// substring match of group names cannot confuse two of them; derived from the
// rule's reference and title, so it does not depend on where the file is.
func baseGroup(r *ast.Rule) string {
	sum := sha1.Sum([]byte(r.Ref() + "\x00" + r.Title))
	return "sigma_base_" + hex.EncodeToString(sum[:5])
}

// corrGroup names the group a self-marked correlation follows: carried by
// its first base rule's alerts and by its own; fixed length like baseGroup.
func corrGroup(r *ast.Rule) string {
	sum := sha1.Sum([]byte(r.Ref() + "\x00" + r.Title))
	return "sigma_corr_" + hex.EncodeToString(sum[:5])
}

// sidGroupConflict returns why the correlation cannot be emitted because a
// Wazuh rule would be both an if_matched_sid target and a member of a
// correlation group: analysisd puts the alerts of an if_matched_sid target in
// its sid list only, so they would never reach the group list.
func (b *builder) sidGroupConflict(cb *corrBuild, baseEms []*Emission, n int, selfMarked bool) string {
	if !selfMarked {
		if n < 3 || len(baseEms) == 0 || len(baseEms[0].AlertIDs) == 0 {
			return ""
		}
		id := baseEms[0].AlertIDs[0]
		for _, g := range b.rules[b.index[id]].Groups {
			if strings.HasPrefix(g, "sigma_corr_") {
				return fmt.Sprintf("a count of %d needs if_matched_sid on Wazuh rule %d, which already carries the group %s of another correlation: the alerts of an if_matched_sid target go to its own list only and would leave that group's list", n, id, g)
			}
		}
		return ""
	}
	targets := map[int]bool{}
	for _, x := range b.rules {
		if x.IfMatchedSID != 0 {
			targets[x.IfMatchedSID] = true
		}
	}
	carriers := cb.bases
	if cb.rule.Correlation.Type == ast.TemporalOrdered {
		carriers = cb.bases[:1]
	}
	for _, base := range carriers {
		for _, em := range b.emissions[base] {
			for _, id := range em.AlertIDs {
				if targets[id] {
					return fmt.Sprintf("Wazuh rule %d of %q is the if_matched_sid target of another correlation: its alerts go to that rule's list only and would never reach this correlation's group list", id, base.Title)
				}
			}
		}
	}
	return ""
}

// leafRules returns the detection rules a rule stands on (itself, or its
// correlation's bases recursively).
func leafRules(r *ast.Rule, byRef *ast.Resolver, seen map[*ast.Rule]bool) []*ast.Rule {
	if seen[r] {
		return nil
	}
	seen[r] = true
	if r.Kind != ast.KindCorrelation || r.Correlation == nil {
		return []*ast.Rule{r}
	}
	var out []*ast.Rule
	for _, ref := range r.Correlation.Rules {
		base := byRef.Target(ref)
		if base != nil {
			out = append(out, leafRules(base, byRef, seen)...)
		}
	}
	return out
}

// disjointRules returns "" when no event can match both a and b (every pair
// of their detection rules has different products, or requires disjoint
// EventID sets), else why that cannot be shown.
func disjointRules(a, b *ast.Rule, byRef *ast.Resolver) string {
	for _, x := range leafRules(a, byRef, map[*ast.Rule]bool{}) {
		for _, y := range leafRules(b, byRef, map[*ast.Rule]bool{}) {
			if x == y {
				return fmt.Sprintf("both stand on %q", x.Title)
			}
			px, py := strings.ToLower(x.Logsource.Product), strings.ToLower(y.Logsource.Product)
			if px != "" && py != "" && px != py {
				continue
			}
			sx, okx := eventIDs(x)
			sy, oky := eventIDs(y)
			if !okx || !oky {
				return fmt.Sprintf("%q and %q do not both require an EventID from a fixed list, nor have different products", x.Title, y.Title)
			}
			for v := range sx {
				if sy[v] {
					return fmt.Sprintf("%q and %q both accept EventID %s", x.Title, y.Title, v)
				}
			}
		}
	}
	return ""
}

// eventIDs returns the EventID values a detection rule requires (its
// condition cannot hold without EventID being one of them), if it can tell.
func eventIDs(r *ast.Rule) (map[string]bool, bool) {
	if r.Detection == nil || r.Detection.Condition == nil {
		return nil, false
	}
	var expr func(e *ast.Expr) (map[string]bool, bool)
	expr = func(e *ast.Expr) (map[string]bool, bool) {
		switch e.Op {
		case ast.ExprRef:
			s := r.Detection.Search(e.Name)
			if s == nil {
				return nil, false
			}
			return matcherIDs(s.Body)
		case ast.ExprAnd:
			return andSets(e.Args, expr)
		case ast.ExprOr:
			return orSets(e.Args, expr)
		}
		return nil, false
	}
	return expr(r.Detection.Condition)
}

// andSets intersects the value sets of the items that have one (an item without
// a set does not constrain the values); false when no item has one.
func andSets[T any](items []T, fn func(T) (map[string]bool, bool)) (map[string]bool, bool) {
	var out map[string]bool
	for _, it := range items {
		if set, ok := fn(it); ok {
			out = intersect(out, set)
		}
	}
	return out, out != nil
}

// orSets unites the items' value sets; an item without a set leaves the union unknown.
func orSets[T any](items []T, fn func(T) (map[string]bool, bool)) (map[string]bool, bool) {
	out := map[string]bool{}
	for _, it := range items {
		set, ok := fn(it)
		if !ok {
			return nil, false
		}
		for v := range set {
			out[v] = true
		}
	}
	return out, true
}

func intersect(a, b map[string]bool) map[string]bool {
	if a == nil {
		return b
	}
	out := map[string]bool{}
	for v := range a {
		if b[v] {
			out[v] = true
		}
	}
	return out
}

// matcherIDs is eventIDs for a search's matcher tree.
func matcherIDs(m *ast.Matcher) (map[string]bool, bool) {
	if m == nil {
		return nil, false
	}
	switch m.Op {
	case ast.MatchField:
		f := m.Field
		if f == nil || !strings.EqualFold(f.Field, "EventID") || f.Negate || f.TimePart != "" || len(f.Modifiers) > 0 || (f.All && len(f.Values) > 1) || len(f.Values) == 0 {
			return nil, false
		}
		out := map[string]bool{}
		for _, v := range f.Values {
			switch {
			case v.Kind == ast.ValNumber && v.Number == math.Trunc(v.Number):
				out[fmt.Sprintf("%d", int64(v.Number))] = true
			case v.Kind == ast.ValString && v.IsPlain():
				text := strings.TrimLeft(strings.TrimSpace(v.Literal()), "0")
				if text == "" {
					text = "0"
				}
				out[text] = true
			default:
				return nil, false
			}
		}
		return out, true
	case ast.MatchAll:
		return andSets(m.Items, matcherIDs)
	case ast.MatchAny:
		return orSets(m.Items, matcherIDs)
	}
	return nil, false
}

// emitCorrelation writes the correlation rule and tags its base rules.
func (b *builder) emitCorrelation(cb *corrBuild, baseEms []*Emission, level int) {
	r := cb.rule
	c := r.Correlation
	var groups []string
	for _, base := range cb.bases {
		groups = append(groups, baseGroup(base))
	}
	sort.Strings(groups)
	groups = uniqueStrings(groups)
	// Tag the base alerts; without generate, their alerts are kept out of the
	// alert log (no_log) but still counted.
	matchedSID := 0
	if cb.threshold >= 3 && !cb.selfMarked {
		matchedSID = baseEms[0].AlertIDs[0]
		groups = nil
	}
	// The self-marked construction: which base rules carry the group, and
	// which the rule hangs under.
	var parents []int
	if cb.selfMarked {
		groups = []string{corrGroup(r)}
		carriers := cb.bases
		under := cb.bases
		if c.Type == ast.TemporalOrdered {
			carriers, under = cb.bases[:1], cb.bases[1:]
		}
		for _, base := range carriers {
			for _, em := range b.emissions[base] {
				for _, id := range em.AlertIDs {
					x := b.rules[b.index[id]]
					if !containsString(x.Groups, groups[0]) {
						x.Groups = append(x.Groups, groups[0])
					}
					b.rules[b.index[id]] = x
				}
			}
		}
		for _, base := range under {
			for _, em := range b.emissions[base] {
				parents = append(parents, em.AlertIDs...)
			}
		}
		sort.Ints(parents)
	}
	for _, base := range cb.bases {
		g := baseGroup(base)
		for _, em := range b.emissions[base] {
			for _, id := range em.AlertIDs {
				x := b.rules[b.index[id]]
				if matchedSID == 0 && !cb.selfMarked && !containsString(x.Groups, g) {
					x.Groups = append(x.Groups, g)
				}
				if !c.Generate {
					b.noLogCandidates[id] = true
				} else {
					b.keepLog[id] = true
				}
				b.rules[b.index[id]] = x
			}
		}
	}
	key := "correlation#" + r.Ref()
	if b.keyCount[r.Ref()] > 1 || r.Ref() == "" {
		key = "correlation#" + r.Pos.File + "#" + r.Title
	}
	got, err := b.ids.Assign(key, 1)
	if err != nil {
		b.err = err
		return
	}
	id := got[0]
	title := cleanText(r.Title)
	if title == "" {
		title = "Sigma correlation " + cleanText(r.Ref())
	}
	x := XMLRule{ID: id, Level: level, Description: title, Frequency: cb.threshold, Timeframe: cb.timeframe,
		SameFields: cb.sameFields, SameStatic: cb.sameStatic, GlobalFrequency: true}
	x.Comment = fmt.Sprintf("%s: %s [correlation %s, %d events in %ds]", r.Pos, r.Title, c.Type, cb.threshold, cb.timeframe)
	if cb.threshold == 1 {
		// One event suffices: a child of the base alerts that needs the group-by fields.
		x.Frequency, x.Timeframe, x.GlobalFrequency, x.SameFields, x.SameStatic = 0, 0, false, nil, nil
		x.IfGroup = strings.Join(groups, "|")
		for _, f := range cb.sameFields {
			x.Fields = append(x.Fields, XMLField{Name: f, Pattern: matchAll.render()})
		}
		for _, f := range cb.sameStatic {
			x.Statics = append(x.Statics, XMLStatic{Elem: strings.TrimPrefix(f, "same_"), Pattern: matchAll.render()})
		}
	} else if cb.selfMarked {
		// A child of the (last) base rule's alerts that looks back, without
		// frequency, for one alert of the group: the (first) base rule's
		// alerts carry it, and so does this rule, whose alerts are marked
		// with its level and end the next search (Search_LastGroups), so a
		// firing consumes the earlier events as the Sigma window does.
		// Copies of an event (one per tree node) do not matter: one is enough.
		x.Frequency = 0
		x.IfSID = parents
		x.IfMatchedGroup = groups[0]
	} else {
		// One entry per event in the base alert's sid_prev_matched list;
		// firing marks the newest earlier event, so the next firing needs
		// threshold new events.
		x.IfMatchedSID = matchedSID
	}
	var mitre []string
	xgroups := []string{"sigma", "sigma_correlation"}
	if r.ID != "" {
		xgroups = append(xgroups, cleanGroup("sigma_id_"+r.ID))
	}
	for _, t := range r.Tags {
		if m := techniqueRe.FindStringSubmatch(t); m != nil {
			mitre = append(mitre, strings.ToUpper(m[1]))
		}
		xgroups = append(xgroups, cleanGroup(t))
	}
	if cb.selfMarked {
		xgroups = append(xgroups, corrGroup(r))
	}
	x.Mitre, x.Groups = mitre, xgroups
	x.Info = []XMLInfo{{Type: "text", Text: cleanText(fmt.Sprintf("Sigma correlation %s (%s, %d events in %ds, level %s): %s", r.Ref(), c.Type, cb.threshold, cb.timeframe, orDash(r.Level), r.Title))}}
	for _, ref := range r.References {
		if link := cleanLink(ref); link != "" {
			x.Info = append(x.Info, XMLInfo{Type: "link", Text: link})
		}
	}
	b.index[id] = len(b.rules)
	b.rules = append(b.rules, x)
	em := &Emission{Rule: r, Variant: "correlation", IDs: []int{id}, AlertIDs: []int{id}, Top: []int{id}, Level: level, corr: cb}
	b.emissions[r] = append(b.emissions[r], em)
	b.res.Report.Emissions = append(b.res.Report.Emissions, *em)
	b.res.Report.Emitted++
	b.res.Report.Variants["correlation"]++
	b.res.Report.Correlations = append(b.res.Report.Correlations, CorrelationEmission{Rule: r, ID: id, Frequency: cb.threshold,
		Timeframe: cb.timeframe, Groups: groups, MatchedSID: matchedSID, SameFields: cb.sameFields, SameStatic: cb.sameStatic})
	if c.Generate {
		b.res.Diagnostics = append(b.res.Diagnostics, ast.Diagnostic{Pos: r.KeyPos("correlation"), Severity: ast.SeverityNote, Code: "wazuh-correlation",
			Message: fmt.Sprintf("correlation %q: the event that completes the count alerts as the correlation rule instead of its base rule (Wazuh raises one alert per event)", r.Title)})
	}
	b.corrBases = append(b.corrBases, corrUse{rule: r, bases: cb.bases})
}

// corrUse records which base rules a correlation counts.
type corrUse struct {
	rule  *ast.Rule
	bases []*ast.Rule
}

// checkSharedBases warns when correlations share a base rule: one event alerts
// as at most one of them, and a firing marks the events it used for rules of
// its level or lower.
func (b *builder) checkSharedBases() {
	users := map[*ast.Rule][]*ast.Rule{}
	for _, u := range b.corrBases {
		for _, base := range u.bases {
			users[base] = append(users[base], u.rule)
		}
	}
	for _, u := range b.corrBases {
		var others []string
		for _, base := range u.bases {
			for _, o := range users[base] {
				if o != u.rule {
					others = append(others, fmt.Sprintf("%q", o.Title))
				}
			}
		}
		if len(others) > 0 {
			others = uniqueStrings(others)
			b.res.Diagnostics = append(b.res.Diagnostics, ast.Diagnostic{Pos: u.rule.KeyPos("correlation"), Severity: ast.SeverityWarning, Code: "wazuh-correlation",
				Message: fmt.Sprintf("correlation %q shares base rules with %s: in Wazuh an event alerts as at most one of them, and a firing marks the events it used for correlation rules of its level or lower, so they do not count independently", u.rule.Title, strings.Join(others, ", "))})
		}
	}
	// no_log on base alerts only when no correlation asks to keep them.
	var ids []int
	for id := range b.noLogCandidates {
		if !b.keepLog[id] {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	for _, id := range ids {
		x := b.rules[b.index[id]]
		x.NoLog = true
		b.rules[b.index[id]] = x
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func uniqueStrings(list []string) []string {
	sort.Strings(list)
	out := list[:0]
	for i, s := range list {
		if i == 0 || s != list[i-1] {
			out = append(out, s)
		}
	}
	return out
}
