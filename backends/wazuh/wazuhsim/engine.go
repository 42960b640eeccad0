package wazuhsim

import (
	"slices"
	"strconv"
	"strings"

	"github.com/rulec/rulec/backends/wazuh/internal/rulexml"
	"github.com/rulec/rulec/backends/wazuh/shadow"
)

// Event is an already decoded event as the rules see it.
type Event struct {
	// Decoder is the decoder name (e.g. windows_eventchannel, sshd, json).
	Decoder string
	// Category is the decoder type: syslog, firewall, ids, web-log, squid, windows, ossec.
	Category string
	// Log is the text <match> and <regex> search (for eventchannel: the JSON of the event).
	Log string
	// Fields are the dynamic fields, looked up case-insensitively.
	Fields map[string]string
	// Static are the static fields (program_name, srcip, url, id, protocol, user, ...).
	Static map[string]string
	// Agent is the agent id (correlation rules count one agent's events unless
	// <global_frequency/>); empty for all the same.
	Agent string
	lower map[string]string
}

func (e *Event) field(name string) (string, bool) {
	if e.lower == nil {
		e.lower = make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			lk := strings.ToLower(k)
			if _, ok := e.lower[lk]; !ok {
				e.lower[lk] = v
			}
		}
	}
	v, ok := e.lower[strings.ToLower(name)]
	return v, ok
}

// Rule is a loaded Wazuh rule: the rule of the shared tree model (package
// shadow, which parses and attaches it as analysisd does) with what running
// events needs (compiled tests, correlation options).
type Rule struct {
	*shadow.Rule
	decodedAs string
	ctx       contextRule
	// sidTarget: some rule's if_matched_sid names this one (OS_MarkID gave it
	// a sid_prev_matched list): its alerts go to that list only.
	sidTarget bool
	// groupLists are the correlation rules whose if_matched_group list this
	// rule's alerts join, once per entry: OS_MarkGroup adds a list once per
	// tree node of the rule, without de-duplication.
	groupLists  []int
	unsupported string
	maxSize     int // the event's log must have at least this many bytes
	tests       []simTest
}

// simTest is a compiled test element: on the log (<match>, <regex>), a static
// field (static set) or a dynamic field.
type simTest struct {
	log, static bool
	name        string
	e           *expr
}

// node is one place of a rule in the tree (a rule can hang under several parents).
type node struct {
	rule     *Rule
	children []*node
}

// Ruleset is a loaded rule tree: package shadow builds it (the same model
// the Wazuh backend's shadowing analysis reads); the simulator runs events
// through it.
type Ruleset struct {
	// Warnings are the rules Wazuh would skip or cannot attach.
	Warnings []string
	tree     *shadow.Ruleset
	roots    []*node
	byID     map[int]*Rule
	// rules are the simulator's rules made so far, by the model's rule.
	rules map[*shadow.Rule]*Rule
}

// New returns an empty rule tree.
func New() *Ruleset {
	return &Ruleset{tree: shadow.New(), byID: map[int]*Rule{}, rules: map[*shadow.Rule]*Rule{}}
}

// LoadDirs loads every *.xml file of the folders, sorted by base name across all
// of them as Wazuh does, then the extra files in the same order.
func LoadDirs(dirs []string, files ...string) (*Ruleset, error) {
	tree, err := shadow.Load(dirs, files...)
	if err != nil {
		return nil, err
	}
	rs := New()
	rs.tree = tree
	rs.sync()
	return rs, nil
}

// AddFile loads one rules file after the ones already loaded.
func (rs *Ruleset) AddFile(name string, data []byte) error {
	err := rs.tree.AddFile(name, data)
	rs.sync()
	return err
}

// sync makes the simulator's tree from the model's: its rules (made once),
// the marks of rules.c (OS_MarkID, OS_MarkGroup) and the nodes.
func (rs *Ruleset) sync() {
	rs.Warnings = slices.Clone(rs.tree.Warnings)
	kept := rs.tree.Rules()
	rs.byID = make(map[int]*Rule, len(kept))
	loaded := make([]*Rule, len(kept))
	for i, sr := range kept {
		r := rs.rules[sr]
		if r == nil {
			r = newRule(sr)
			rs.rules[sr] = r
		}
		r.sidTarget, r.groupLists = false, nil
		rs.byID[r.ID] = r
		loaded[i] = r
	}
	for i, r := range loaded {
		rs.mark(r, loaded[:i+1])
	}
	rules, depths := rs.tree.Tree()
	rs.roots = nil
	var stack []*node // stack[d] is the last node at depth d
	for i, sr := range rules {
		n := &node{rule: rs.rules[sr]}
		d := depths[i]
		stack = append(stack[:d], n)
		if d == 0 {
			rs.roots = append(rs.roots, n)
		} else {
			p := stack[d-1]
			p.children = append(p.children, n)
		}
	}
}

// mark is what rules.c does once a context rule is in the tree (OS_MarkID,
// OS_MarkGroup): only the rules loaded up to it (before), each once per
// node, are marked. The if_matched_sid target gets a list of its own; every
// node whose rule's groups match if_matched_group adds the rule's list to
// that rule once more.
func (rs *Ruleset) mark(r *Rule, before []*Rule) {
	if r.ctx.matchedSID != 0 {
		rs.byID[r.ctx.matchedSID].sidTarget = true
	}
	if r.ctx.matchedGroup == "" {
		return
	}
	w := rulexml.CompileWordMatch(r.ctx.matchedGroup)
	for _, p := range before {
		if w.MatchLower(strings.ToLower(p.Group)) {
			for range rs.tree.Nodes(p.Rule) {
				p.groupLists = append(p.groupLists, r.ID)
			}
		}
	}
}

// newRule reads what running events needs of a rule the model loaded (and
// validated): correlation options and compiled tests; what the simulator
// cannot evaluate makes the rule unsupported (it never matches).
func newRule(sr *shadow.Rule) *Rule {
	r := &Rule{Rule: sr}
	x := sr.XML
	r.maxSize, _ = strconv.Atoi(x.Attr("maxsize"))
	if f := x.Attr("frequency"); f != "" {
		n, _ := strconv.Atoi(f)
		r.ctx.frequency = n - 2 // stored as N-2, as rules.c does
	}
	r.ctx.timeframe = defaultTimeframe
	if tf := x.Attr("timeframe"); tf != "" {
		r.ctx.timeframe, _ = strconv.Atoi(tf)
	}
	r.ctx.matchedSID = sr.MatchedSID
	for _, c := range x.Children {
		switch {
		case c.Name == "if_matched_group":
			r.ctx.matchedGroup = c.Text
		case c.Name == "same_field":
			r.ctx.sameFields = append(r.ctx.sameFields, strings.TrimSpace(c.Text))
		case c.Name == "different_field" || c.Name == "not_same_field":
			r.ctx.differentFields = append(r.ctx.differentFields, strings.TrimSpace(c.Text))
		case c.Name == "global_frequency":
			r.ctx.global = true
		case rulexml.SameStatic(c.Name) != "":
			r.ctx.sameStatic = append(r.ctx.sameStatic, rulexml.SameStatic(c.Name))
		case rulexml.DifferentStatic(c.Name) != "":
			r.ctx.differentStatic = append(r.ctx.differentStatic, rulexml.DifferentStatic(c.Name))
		case c.Name == "decoded_as":
			r.decodedAs = c.Text
		case c.Name == "if_matched_regex" || c.Name == "srcip" || c.Name == "dstip" || c.Name == "list" || c.Name == "time" ||
			c.Name == "weekday" || c.Name == "compiled_rule" || c.Name == "if_fts" || c.Name == "check_if_ignored":
			r.unsupported = "element <" + c.Name + "> is not simulated"
		}
		// ignore (suppression over time) is not simulated: it does not change a first match.
	}
	if r.Context && r.ctx.matchedSID == 0 && r.ctx.matchedGroup == "" && r.unsupported == "" {
		r.unsupported = "a frequency rule without if_matched_sid/if_matched_group (Search_LastEvents) is not simulated"
	}
	for _, t := range sr.Tests {
		e, err := compileExpr(t.Type, t.Pattern, t.Negate)
		if err != nil {
			r.unsupported = err.Error()
			continue
		}
		st := simTest{e: e, log: t.Target == "log"}
		if name, ok := strings.CutPrefix(t.Target, "static:"); ok {
			st.static, st.name = true, name
		} else {
			st.name = strings.TrimPrefix(t.Target, "field:")
		}
		r.tests = append(r.tests, st)
	}
	return r
}

// Rule returns a loaded rule by id.
func (rs *Ruleset) Rule(id int) *Rule { return rs.byID[id] }

// Eval returns the rule the event ends on (nil when none matched); it alerts when its level is above 0.
func (rs *Ruleset) Eval(ev *Event) *Rule {
	return rs.eval(ev, nil)
}

func (rs *Ruleset) eval(ev *Event, s *Session) *Rule {
	for _, n := range rs.roots {
		if n.rule.Category != ev.Category {
			continue
		}
		if r := rs.check(ev, n, s); r != nil {
			return r
		}
	}
	return nil
}

// check is OS_CheckIfRuleMatch: the rule's tests, then (for a context rule)
// the search of earlier events, then the children in order; a noalert rule
// whose children all fail lets its siblings be tried.
func (rs *Ruleset) check(ev *Event, n *node, s *Session) *Rule {
	r := n.rule
	if !r.matches(ev) {
		return nil
	}
	if r.Context && (s == nil || !s.search(ev, r)) {
		return nil
	}
	for _, c := range n.children {
		if got := rs.check(ev, c, s); got != nil {
			return got
		}
	}
	if r.NoAlert {
		return nil
	}
	return r
}

func (r *Rule) matches(ev *Event) bool {
	if r.unsupported != "" {
		return false
	}
	if r.decodedAs != "" && r.decodedAs != ev.Decoder {
		return false
	}
	if r.maxSize > 0 && len(ev.Log) < r.maxSize {
		return false
	}
	for _, t := range r.tests {
		var v string
		var ok bool
		switch {
		case t.log:
			v, ok = ev.Log, true
		case t.static && t.name == "user":
			if v, ok = ev.Static["dstuser"]; !ok {
				v, ok = ev.Static["srcuser"]
			}
		case t.static:
			v, ok = ev.Static[t.name]
		default:
			v, ok = ev.field(t.name)
		}
		if !ok || !t.e.test(v) {
			return false
		}
	}
	return true
}
