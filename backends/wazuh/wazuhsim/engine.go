package wazuhsim

import (
	"fmt"
	"github.com/rulec/rulec/backends/wazuh/internal/rulexml"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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

// Rule is a loaded Wazuh rule.
type Rule struct {
	ID, Level   int
	NoAlert     bool
	File        string
	Group       string
	Description string
	ifSID       []int
	ifGroup     string
	ifLevel     int
	category    string
	decodedAs   string
	context     bool // if_matched_* or frequency: needs earlier events (Session)
	ctx         contextRule
	// sidTarget: some rule's if_matched_sid names this one (OS_MarkID gave it
	// a sid_prev_matched list): its alerts go to that list only.
	sidTarget bool
	// groupLists are the correlation rules whose if_matched_group list this
	// rule's alerts join, once per entry: OS_MarkGroup adds a list once per
	// tree node of the rule, without de-duplication.
	groupLists  []int
	unsupported string
	maxSize     int // the event's log must have at least this many bytes
	fields      []fieldTest
	static      map[string]*expr // match, regex, program_name, url, id, ...
}

type fieldTest struct {
	name string
	e    *expr
}

// node is one place of a rule in the tree (a rule can hang under several parents).
type node struct {
	rule     *Rule
	children []*node
}

// Ruleset is a loaded rule tree.
type Ruleset struct {
	roots []*node
	byID  map[int]*Rule
	// Warnings are the rules Wazuh would skip or the simulator cannot evaluate.
	Warnings []string
	sidNodes map[int][]*node
}

// LoadDirs loads every *.xml file of the folders, sorted by base name across all
// of them as Wazuh does, then the extra files in the same order.
func LoadDirs(dirs []string, files ...string) (*Ruleset, error) {
	var all []string
	for _, d := range dirs {
		m, err := filepath.Glob(filepath.Join(d, "*.xml"))
		if err != nil {
			return nil, err
		}
		all = append(all, m...)
	}
	all = append(all, files...)
	sort.SliceStable(all, func(i, j int) bool { return filepath.Base(all[i]) < filepath.Base(all[j]) })
	rs := &Ruleset{byID: map[int]*Rule{}}
	for _, f := range all {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading rules: %w", err)
		}
		if err := rs.AddFile(f, data); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// AddFile loads one rules file after the ones already loaded.
func (rs *Ruleset) AddFile(name string, data []byte) error {
	roots, err := rulexml.Parse(name, data)
	if err != nil {
		return err
	}
	for _, g := range roots {
		if g.Name != "group" {
			return fmt.Errorf("%s:%d: invalid root element <%s> (only <group> is allowed)", name, g.Line, g.Name)
		}
		for _, r := range g.Children {
			if r.Name != "rule" {
				return fmt.Errorf("%s:%d: <%s> is not a valid element", name, r.Line, r.Name)
			}
			rule, err := buildRule(name, g.Attr("name"), r)
			if err != nil {
				return err
			}
			if _, dup := rs.byID[rule.ID]; dup {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: duplicate id, skipped", rule.ID))
				continue
			}
			// rules_list.c: a rule whose if_matched_sid target is not loaded is dropped.
			if sid := rule.ctx.matchedSID; sid != 0 && rs.byID[sid] == nil {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_matched_sid %d not found, skipped", rule.ID, sid))
				continue
			}
			rs.byID[rule.ID] = rule
			rs.attach(rule)
			if rs.byID[rule.ID] == rule {
				rs.mark(rule)
			}
		}
	}
	return nil
}

func buildRule(file, group string, x *rulexml.Node) (*Rule, error) {
	r := &Rule{File: file, Group: group, static: map[string]*expr{}}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: rule %s: %s", file, x.Line, x.Attr("id"), fmt.Sprintf(format, args...))
	}
	var err error
	if r.ID, err = strconv.Atoi(x.Attr("id")); err != nil || len(x.Attr("id")) > 6 {
		return nil, bad("invalid id")
	}
	if r.Level, err = strconv.Atoi(x.Attr("level")); err != nil || r.Level < 0 || r.Level > 16 {
		return nil, bad("invalid level %q", x.Attr("level"))
	}
	r.NoAlert = x.Attr("noalert") == "1"
	if m := x.Attr("maxsize"); m != "" {
		if r.maxSize, err = strconv.Atoi(m); err != nil {
			return nil, bad("invalid maxsize %q", m)
		}
	}
	if f := x.Attr("frequency"); f != "" {
		r.context = true
		n, err := strconv.Atoi(f)
		if err != nil || n < 2 || n > 9999 {
			return nil, bad("invalid frequency %q (2-9999)", f)
		}
		r.ctx.frequency = n - 2 // stored as N-2, as rules.c does
	}
	r.ctx.timeframe = defaultTimeframe
	if tf := x.Attr("timeframe"); tf != "" {
		n, err := strconv.Atoi(tf)
		if err != nil || n < 0 || len(tf) > 5 {
			return nil, bad("invalid timeframe %q", tf)
		}
		r.ctx.timeframe = n
	}
	statics := map[string]string{}
	staticAttrs := map[string]*rulexml.Node{}
	for _, c := range x.Children {
		switch {
		case c.Name == "if_sid":
			for _, f := range strings.FieldsFunc(c.Text, func(r rune) bool { return r == ',' || r == ' ' }) {
				id, err := strconv.Atoi(f)
				if err != nil {
					return nil, bad("invalid if_sid %q", c.Text)
				}
				r.ifSID = append(r.ifSID, id)
			}
		case c.Name == "if_group":
			r.ifGroup = c.Text
		case c.Name == "if_level":
			r.ifLevel, _ = strconv.Atoi(c.Text)
		case c.Name == "if_matched_sid" || c.Name == "if_matched_group" || c.Name == "if_matched_regex":
			r.context = true
			switch c.Name {
			case "if_matched_sid":
				id, err := strconv.Atoi(strings.TrimSpace(c.Text))
				if err != nil {
					return nil, bad("invalid if_matched_sid %q", c.Text)
				}
				r.ctx.matchedSID = id
			case "if_matched_group":
				r.ctx.matchedGroup = c.Text
			default:
				r.unsupported = "element <if_matched_regex> is not simulated"
			}
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
		case c.Name == "category":
			r.category = c.Text
		case c.Name == "decoded_as":
			r.decodedAs = c.Text
		case c.Name == "description":
			r.Description = c.Text
		case c.Name == "group":
			r.Group += c.Text
		case c.Name == "field":
			typ := c.Attr("type")
			if typ == "" {
				typ = "osregex"
			}
			e, err := compileExpr(typ, c.Text, c.Attr("negate") == "yes")
			if err != nil {
				r.unsupported = err.Error()
				continue
			}
			r.fields = append(r.fields, fieldTest{c.Attr("name"), e})
		case rulexml.StaticElem(c.Name) != "":
			statics[c.Name] += c.Text // repeated elements concatenate
			staticAttrs[c.Name] = c
		case c.Name == "srcip" || c.Name == "dstip" || c.Name == "list" || c.Name == "time" || c.Name == "weekday" ||
			c.Name == "compiled_rule" || c.Name == "if_fts" || c.Name == "check_if_ignored":
			r.unsupported = "element <" + c.Name + "> is not simulated"
		case rulexml.MetaElem(c.Name) || strings.HasPrefix(c.Name, "same_") || strings.HasPrefix(c.Name, "different_") || strings.HasPrefix(c.Name, "not_same_"):
		case c.Name == "ignore" || c.Name == "check_if_ignored":
			// suppression over time: not simulated, does not change a first match
		default:
			return nil, bad("invalid option <%s>", c.Name)
		}
	}
	// rules.c: if_matched_group without if_sid/if_group becomes the if_group;
	// if_matched_sid without either becomes the if_sid.
	if r.ctx.matchedGroup != "" && len(r.ifSID) == 0 && r.ifGroup == "" {
		r.ifGroup = r.ctx.matchedGroup
	}
	if r.ctx.matchedSID != 0 && len(r.ifSID) == 0 && r.ifGroup == "" {
		r.ifSID = []int{r.ctx.matchedSID}
	}
	if r.context && r.ctx.matchedSID == 0 && r.ctx.matchedGroup == "" && r.unsupported == "" {
		r.unsupported = "a frequency rule without if_matched_sid/if_matched_group (Search_LastEvents) is not simulated"
	}
	for k, v := range statics {
		a := staticAttrs[k]
		typ := a.Attr("type")
		if typ == "" {
			typ = rulexml.StaticElem(k)
		}
		e, err := compileExpr(typ, v, a.Attr("negate") == "yes")
		if err != nil {
			r.unsupported = err.Error()
			continue
		}
		r.static[k] = e
	}
	if r.Description == "" {
		return nil, bad("no description")
	}
	return r, nil
}

// order gives the sibling rank: level-0 rules first (Wazuh stores them as 99), then higher levels.
func (r *Rule) order() int {
	if r.Level == 0 {
		return 99
	}
	return r.Level
}

func insert(list []*node, r *Rule) []*node {
	n := &node{rule: r}
	for i, x := range list {
		if r.order() > x.rule.order() {
			return append(list[:i], append([]*node{n}, list[i:]...)...)
		}
	}
	return append(list, n)
}

// attach puts a rule in the tree like OS_AddChild.

func (rs *Ruleset) attach(r *Rule) {
	if r.ID < 10 {
		rs.roots = insert(rs.roots, r)
		return
	}
	var add func(list []*node, match func(*node) bool, stopAtFirst bool) bool
	add = func(list []*node, match func(*node) bool, stopAtFirst bool) bool {
		found := false
		for _, n := range list {
			if match(n) {
				n.children = insert(n.children, r)
				found = true
				if stopAtFirst {
					return true
				}
			}
			if add(n.children, match, stopAtFirst) {
				found = true
			}
		}
		return found
	}
	// New nodes of r change where a later if_sid r attaches.
	delete(rs.sidNodes, r.ID)
	switch {
	case len(r.ifSID) > 0:
		ok := false
		for _, sid := range r.ifSID {
			nodes := rs.sidAttach(sid)
			for _, n := range nodes {
				n.children = insert(n.children, r)
			}
			if len(nodes) > 0 {
				ok = true
			} else {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_sid %d not found", r.ID, sid))
			}
		}
		if !ok {
			delete(rs.byID, r.ID)
		}
	case r.ifGroup != "":
		if !add(rs.roots, func(n *node) bool { return n.rule.ID != r.ID && rulexml.WordMatch(r.ifGroup, n.rule.Group) }, false) {
			rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_group %q not found", r.ID, r.ifGroup))
			delete(rs.byID, r.ID)
		}
	case r.ifLevel > 0:
		add(rs.roots, func(n *node) bool { return n.rule.ID != r.ID && n.rule.Level >= r.ifLevel }, false)
	default:
		// Child of the template rule of its category.
		cat := r.category
		if cat == "" {
			cat = "syslog"
		}
		for _, n := range rs.roots {
			if n.rule.category == cat {
				n.children = insert(n.children, r)
				return
			}
		}
		rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: no template rule for category %q", r.ID, cat))
	}
}

// mark is what rules.c does once a context rule is in the tree (OS_MarkID,
// OS_MarkGroup): only rules loaded before it, and its own nodes, are marked.
// The if_matched_sid target gets a list of its own; every node whose rule's
// groups match if_matched_group adds the rule's list to that rule once more.
func (rs *Ruleset) mark(r *Rule) {
	if r.ctx.matchedSID != 0 {
		rs.byID[r.ctx.matchedSID].sidTarget = true
	}
	if r.ctx.matchedGroup == "" {
		return
	}
	var walk func(list []*node)
	walk = func(list []*node) {
		for _, n := range list {
			if rulexml.WordMatch(r.ctx.matchedGroup, n.rule.Group) {
				n.rule.groupLists = append(n.rule.groupLists, r.ID)
			}
			walk(n.children)
		}
	}
	walk(rs.roots)
}

// sidAttach returns the nodes a rule with if_sid sid becomes a child of, as
// _AddtoRule finds them: depth first, in each sibling list the first node of
// rule sid takes the child and ends that list's walk (its subtree is not
// searched). Only attaching rule sid itself creates nodes of it, so the answer
// is cached until then.
func (rs *Ruleset) sidAttach(sid int) []*node {
	if nodes, ok := rs.sidNodes[sid]; ok {
		return nodes
	}
	var out []*node
	var walk func(list []*node) bool
	walk = func(list []*node) bool {
		found := false
		for _, n := range list {
			if n.rule.ID == sid {
				out = append(out, n)
				return true
			}
			if walk(n.children) {
				found = true
			}
		}
		return found
	}
	walk(rs.roots)
	if rs.sidNodes == nil {
		rs.sidNodes = map[int][]*node{}
	}
	rs.sidNodes[sid] = out
	return out
}

// Rule returns a loaded rule by id.
func (rs *Ruleset) Rule(id int) *Rule { return rs.byID[id] }

// Eval returns the rule the event ends on (nil when none matched); it alerts when its level is above 0.
func (rs *Ruleset) Eval(ev *Event) *Rule {
	return rs.eval(ev, nil)
}

func (rs *Ruleset) eval(ev *Event, s *Session) *Rule {
	for _, n := range rs.roots {
		if n.rule.category != ev.Category {
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
	if r.context && (s == nil || !s.search(ev, r)) {
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
	for k, e := range r.static {
		var v string
		var ok bool
		switch k {
		case "match", "regex":
			v, ok = ev.Log, true
		case "user":
			if v, ok = ev.Static["dstuser"]; !ok {
				v, ok = ev.Static["srcuser"]
			}
		default:
			v, ok = ev.Static[k]
		}
		if !ok || !e.test(v) {
			return false
		}
	}
	for _, f := range r.fields {
		v, ok := ev.field(f.name)
		if !ok || !f.e.test(v) {
			return false
		}
	}
	return true
}
