package shadow

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rulec/rulec/backends/wazuh/internal/rulexml"
)

// Rule is a loaded Wazuh rule as the analysis sees it: where it hangs and
// what its tests can accept (not how to run them).
type Rule struct {
	ID, Level   int
	NoAlert     bool
	File        string
	Group       string
	Description string
	// Category is the <category> element (the template rules' decoder type).
	Category string
	// Context is set for a frequency or if_matched_* rule: it fires only when
	// earlier events hold.
	Context bool
	// MatchedSID is the if_matched_sid target (0 for none).
	MatchedSID int
	// Tests are the rule's test elements: <field> ones in order, then the
	// static ones in order of first appearance (repeated elements concatenated).
	Tests []Test
	// XML is the <rule> element as read, for a consumer that needs more of it
	// (the simulator reads the correlation options).
	XML     *rulexml.Node
	lgroup  string // Group lower-cased
	ifSID   []int
	ifGroup string
	ifLevel int
	tg      []target
	tgDone  bool
}

// Test is one test element of a rule.
type Test struct {
	// Target is "field:<lower-cased name>", "static:<element name>" or "log"
	// (<match> and <regex>).
	Target string
	// Type is the expression type (osregex, osmatch, pcre2, string, ...).
	Type string
	// Pattern is the element's text.
	Pattern string
	// Negate is set by negate="yes".
	Negate bool
}

// node is one place of a rule in the tree (a rule can hang under several parents).
type node struct {
	rule     *Rule
	children []*node
}

// Ruleset is a rule tree built as wazuh-analysisd builds it (the simulator
// wazuhsim runs events through this tree).
type Ruleset struct {
	// Warnings are the rules analysisd skips or cannot attach, and why.
	Warnings []string
	roots    []*node
	byID     map[int]*Rule
	places   map[int][]placement
	overlap  *overlapChecker
	sidNodes map[int][]*node
	// nodesOf are the nodes of each rule; order the rules with nodes, in load
	// order; kept the rules loaded (with or without nodes), in load order;
	// groupRules the rules (in order) matching each if_group pattern seen.
	nodesOf       map[*Rule][]*node
	order         []*Rule
	kept          []*Rule
	groupRules    map[string][]*Rule
	groupPatterns []groupPattern
	table         *Verdicts
	// hash covers the files loaded so far (names and contents, in order).
	hash [32]byte
}

// Load reads every *.xml file of the folders, sorted by base name across all
// of them as Wazuh does, then the extra files in the same order.
func Load(dirs []string, files ...string) (*Ruleset, error) {
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
	rs := New()
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

// Fingerprint identifies the files loaded so far by their base names and
// contents (and the analysis version): taken after loading the stock rules,
// it names their verdicts cache (CacheFile).
func (rs *Ruleset) Fingerprint() [32]byte { return rs.hash }

// UseVerdicts makes the analysis read and record overlap verdicts in v
// (before the first Shadows call).
func (rs *Ruleset) UseVerdicts(v *Verdicts) {
	rs.table = v
	if rs.overlap != nil {
		rs.overlap.table = v
	}
}

// New returns an empty rule tree.
func New() *Ruleset {
	return &Ruleset{byID: map[int]*Rule{}, nodesOf: map[*Rule][]*node{}, groupRules: map[string][]*Rule{}}
}

// Rule returns a loaded rule by id (nil when none is loaded).
func (rs *Ruleset) Rule(id int) *Rule { return rs.byID[id] }

// AddFile loads one rules file after the ones already loaded.
func (rs *Ruleset) AddFile(name string, data []byte) error {
	rs.places = nil
	h := sha256.New()
	h.Write(rs.hash[:])
	fmt.Fprintf(h, "%d %d %s %d\n", cacheVersion, defaultBudget, filepath.Base(name), len(data))
	h.Write(data)
	h.Sum(rs.hash[:0])
	roots, err := rulexml.Parse(name, data)
	if err != nil {
		return err
	}
	for _, g := range roots {
		if g.Name != "group" {
			return fmt.Errorf("%s:%d: invalid root element <%s> (only <group> is allowed)", name, g.Line, g.Name)
		}
		for _, x := range g.Children {
			if x.Name != "rule" {
				return fmt.Errorf("%s:%d: <%s> is not a valid element", name, x.Line, x.Name)
			}
			r, err := parseRule(name, g.Attr("name"), x)
			if err != nil {
				return err
			}
			if _, dup := rs.byID[r.ID]; dup {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: duplicate id, skipped", r.ID))
				continue
			}
			// rules_list.c: a rule whose if_matched_sid target is not loaded is dropped.
			if sid := r.MatchedSID; sid != 0 && rs.byID[sid] == nil {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_matched_sid %d not found, skipped", r.ID, sid))
				continue
			}
			rs.byID[r.ID] = r
			rs.attach(r)
		}
	}
	return nil
}

// parseRule reads what the analysis needs of a <rule> and refuses what
// analysisd refuses to load.
func parseRule(file, group string, x *rulexml.Node) (*Rule, error) {
	r := &Rule{File: file, Group: group, XML: x}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: rule %s: %s", file, x.Line, x.Attr("id"), fmt.Sprintf(format, args...))
	}
	if err := r.parseAttrs(x, bad); err != nil {
		return nil, err
	}
	p := ruleParse{statics: map[string]string{}, staticAttrs: map[string]*rulexml.Node{}}
	for _, c := range x.Children {
		if err := p.child(r, c, bad); err != nil {
			return nil, err
		}
	}
	// rules.c: if_matched_group without if_sid/if_group becomes the if_group;
	// if_matched_sid without either becomes the if_sid.
	if p.matchedGroup != "" && len(r.ifSID) == 0 && r.ifGroup == "" {
		r.ifGroup = p.matchedGroup
	}
	if r.MatchedSID != 0 && len(r.ifSID) == 0 && r.ifGroup == "" {
		r.ifSID = []int{r.MatchedSID}
	}
	for _, k := range p.staticOrder {
		a := p.staticAttrs[k]
		typ := a.Attr("type")
		if typ == "" {
			typ = rulexml.StaticElem(k)
		}
		target := "static:" + k
		if k == "match" || k == "regex" {
			target = "log"
		}
		r.Tests = append(r.Tests, Test{Target: target, Type: typ, Pattern: p.statics[k], Negate: a.Attr("negate") == "yes"})
	}
	if r.Description == "" {
		return nil, bad("no description")
	}
	r.lgroup = strings.ToLower(r.Group)
	return r, nil
}

// parseAttrs reads and checks the attributes of a <rule> (id, level,
// noalert, maxsize, frequency, timeframe).
func (r *Rule) parseAttrs(x *rulexml.Node, bad func(string, ...any) error) error {
	var err error
	if r.ID, err = strconv.Atoi(x.Attr("id")); err != nil || len(x.Attr("id")) > 6 {
		return bad("invalid id")
	}
	if r.Level, err = strconv.Atoi(x.Attr("level")); err != nil || r.Level < 0 || r.Level > 16 {
		return bad("invalid level %q", x.Attr("level"))
	}
	r.NoAlert = x.Attr("noalert") == "1"
	if m := x.Attr("maxsize"); m != "" {
		if _, err := strconv.Atoi(m); err != nil {
			return bad("invalid maxsize %q", m)
		}
	}
	if f := x.Attr("frequency"); f != "" {
		r.Context = true
		n, err := strconv.Atoi(f)
		if err != nil || n < 2 || n > 9999 {
			return bad("invalid frequency %q (2-9999)", f)
		}
	}
	if tf := x.Attr("timeframe"); tf != "" {
		n, err := strconv.Atoi(tf)
		if err != nil || n < 0 || len(tf) > 5 {
			return bad("invalid timeframe %q", tf)
		}
	}
	return nil
}

// ruleParse is what parseRule gathers over a rule's elements before it
// finishes the rule: the if_matched_group, and the static test elements
// (repeated ones concatenate) in order of first appearance.
type ruleParse struct {
	matchedGroup string
	statics      map[string]string
	staticAttrs  map[string]*rulexml.Node
	staticOrder  []string
}

// child reads one element of a <rule>.
func (p *ruleParse) child(r *Rule, c *rulexml.Node, bad func(string, ...any) error) error {
	switch {
	case c.Name == "if_sid":
		for _, f := range strings.FieldsFunc(c.Text, func(r rune) bool { return r == ',' || r == ' ' }) {
			id, err := strconv.Atoi(f)
			if err != nil {
				return bad("invalid if_sid %q", c.Text)
			}
			r.ifSID = append(r.ifSID, id)
		}
	case c.Name == "if_group":
		r.ifGroup = c.Text
	case c.Name == "if_level":
		r.ifLevel, _ = strconv.Atoi(c.Text)
	case c.Name == "if_matched_sid":
		r.Context = true
		id, err := strconv.Atoi(strings.TrimSpace(c.Text))
		if err != nil {
			return bad("invalid if_matched_sid %q", c.Text)
		}
		r.MatchedSID = id
	case c.Name == "if_matched_group":
		r.Context = true
		p.matchedGroup = c.Text
	case c.Name == "if_matched_regex":
		r.Context = true
	case c.Name == "category":
		r.Category = c.Text
	case c.Name == "description":
		r.Description = c.Text
	case c.Name == "group":
		r.Group += c.Text
	case c.Name == "field":
		typ := c.Attr("type")
		if typ == "" {
			typ = "osregex"
		}
		r.Tests = append(r.Tests, Test{Target: "field:" + strings.ToLower(c.Attr("name")), Type: typ, Pattern: c.Text, Negate: c.Attr("negate") == "yes"})
	case rulexml.StaticElem(c.Name) != "":
		if _, ok := p.statics[c.Name]; !ok {
			p.staticOrder = append(p.staticOrder, c.Name)
		}
		p.statics[c.Name] += c.Text // repeated elements concatenate
		p.staticAttrs[c.Name] = c
	case c.Name == "same_field" || c.Name == "different_field" || c.Name == "not_same_field" || c.Name == "global_frequency" ||
		c.Name == "decoded_as" || rulexml.SameStatic(c.Name) != "" || rulexml.DifferentStatic(c.Name) != "":
	case c.Name == "srcip" || c.Name == "dstip" || c.Name == "list" || c.Name == "time" || c.Name == "weekday" ||
		c.Name == "compiled_rule" || c.Name == "if_fts" || c.Name == "check_if_ignored" || c.Name == "ignore":
		// tests the analysis does not model: they only narrow a rule, so leaving them out over-approximates
	case rulexml.MetaElem(c.Name) || strings.HasPrefix(c.Name, "same_") || strings.HasPrefix(c.Name, "different_") || strings.HasPrefix(c.Name, "not_same_"):
	default:
		return bad("invalid option <%s>", c.Name)
	}
	return nil
}

// order gives the sibling rank: level-0 rules first (Wazuh stores them as 99), then higher levels.
func (r *Rule) order() int {
	if r.Level == 0 {
		return 99
	}
	return r.Level
}

// insert adds a node of r to a sibling list, which is kept sorted by
// decreasing order (load order among equals): after the last sibling of the
// same or a higher order.
func (rs *Ruleset) insert(list []*node, r *Rule) []*node {
	n := &node{rule: r}
	rs.nodesOf[r] = append(rs.nodesOf[r], n)
	o := r.order()
	i := sort.Search(len(list), func(i int) bool { return list[i].rule.order() < o })
	return slices.Insert(list, i, n)
}

// attach puts a rule in the tree like OS_AddChild; a rule no parent takes is
// forgotten, as analysisd forgets it. if_group and if_level parents are all
// the nodes of the rules loaded so far that match (found through nodesOf and
// a per-pattern list of matching rules instead of a walk of the tree).
func (rs *Ruleset) attach(r *Rule) {
	defer rs.loaded(r)
	if r.ID < 10 {
		rs.roots = rs.insert(rs.roots, r)
		return
	}
	addAll := func(match func(*Rule) bool) bool {
		found := false
		for _, p := range rs.order {
			if p.ID == r.ID || !match(p) {
				continue
			}
			for _, n := range rs.nodesOf[p] {
				n.children = rs.insert(n.children, r)
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
				n.children = rs.insert(n.children, r)
			}
			if len(nodes) == 0 {
				rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_sid %d not found", r.ID, sid))
			}
			ok = ok || len(nodes) > 0
		}
		if !ok {
			delete(rs.byID, r.ID)
		}
	case r.ifGroup != "":
		matching, ok := rs.groupRules[r.ifGroup]
		if !ok {
			w := rulexml.CompileWordMatch(r.ifGroup)
			for _, p := range rs.order {
				if w.MatchLower(p.lgroup) {
					matching = append(matching, p)
				}
			}
			rs.groupRules[r.ifGroup] = matching
			rs.groupPatterns = append(rs.groupPatterns, groupPattern{r.ifGroup, w})
		}
		found := false
		for _, p := range matching {
			if p.ID == r.ID {
				continue
			}
			for _, n := range rs.nodesOf[p] {
				n.children = rs.insert(n.children, r)
				found = true
			}
		}
		if !found {
			rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: if_group %q not found", r.ID, r.ifGroup))
			delete(rs.byID, r.ID)
		}
	case r.ifLevel > 0:
		addAll(func(p *Rule) bool { return p.Level >= r.ifLevel })
	default:
		// Child of the template rule of its category.
		cat := r.Category
		if cat == "" {
			cat = "syslog"
		}
		for _, n := range rs.roots {
			if n.rule.Category == cat {
				n.children = rs.insert(n.children, r)
				return
			}
		}
		rs.Warnings = append(rs.Warnings, fmt.Sprintf("rule %d: no template rule for category %q", r.ID, cat))
	}
}

// groupPattern is an if_group pattern whose matching rules are kept in groupRules.
type groupPattern struct {
	pattern string
	w       rulexml.WordPattern
}

// loaded records a rule kept by the loader and, when it has nodes in the
// tree, as a possible parent of later if_group and if_level rules.
func (rs *Ruleset) loaded(r *Rule) {
	if rs.byID[r.ID] == r {
		rs.kept = append(rs.kept, r)
	}
	if len(rs.nodesOf[r]) == 0 {
		return
	}
	rs.order = append(rs.order, r)
	for _, g := range rs.groupPatterns {
		if g.w.MatchLower(r.lgroup) {
			rs.groupRules[g.pattern] = append(rs.groupRules[g.pattern], r)
		}
	}
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

// Tree returns the rule tree in preorder: each node's rule and depth (0 for
// the roots; a rule has a node under each of its parents).
func (rs *Ruleset) Tree() (rules []*Rule, depths []int) {
	var walk func(list []*node, d int)
	walk = func(list []*node, d int) {
		for _, n := range list {
			rules, depths = append(rules, n.rule), append(depths, d)
			walk(n.children, d+1)
		}
	}
	walk(rs.roots, 0)
	return rules, depths
}

// Rules returns the rules the loader kept (attached or not: a rule whose
// category has no template rule or whose if_level matches nothing stays
// loaded without a node), in load order.
func (rs *Ruleset) Rules() []*Rule { return slices.Clone(rs.kept) }

// Nodes returns how many nodes rule r has in the tree (one per parent).
func (rs *Ruleset) Nodes(r *Rule) int { return len(rs.nodesOf[r]) }
