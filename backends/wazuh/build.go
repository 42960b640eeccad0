package wazuh

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh/shadow"
)

// Options configures a build.
type Options struct {
	// Profile maps logsources and fields (DefaultProfile when nil).
	Profile *Profile
	// IDs keeps rule ids stable (a fresh map over the default range when nil).
	IDs *IDMap
	// Header is written as a comment at the top of the file.
	Header string
	// StockRules is the folder of the Wazuh stock rules (ruleset/rules); when
	// set, the build reports which generated rules stock siblings can shadow.
	StockRules string
	// ShadowCache is a folder for the shadowing analysis' verdicts cache (one
	// file per stock ruleset, see shadow.CacheFile); empty: no cache. The
	// cache only saves work: the report is the same with or without it.
	ShadowCache string
	// OverlapRules, when positive, also gives a combined child to likely
	// overlaps no proof links (see overlapPair in combine.go): two rules
	// sharing an anchor test that at most this many Sigma rules of the
	// logsource share, or one rule's positive tests within the other's. 0:
	// only proved overlaps. Each pair adds a Wazuh rule (README: the cost).
	OverlapRules int
}

// Result is a built rules file and its report.
type Result struct {
	XML []byte
	// Rules are the Wazuh rules written, in file order.
	Rules  []XMLRule
	Report Report
	// Diagnostics name each skipped rule (warnings) with its position and reason.
	Diagnostics ast.Diagnostics
}

// Report summarizes a build.
type Report struct {
	// Sigma rules seen (detection and correlation), emitted and skipped.
	Rules, Emitted, Skipped int
	// WazuhRules is the number of <rule> elements written.
	WazuhRules int
	// Variants counts emitted logsource variants by profile entry name.
	Variants map[string]int
	// Skips are the skipped rules; Dropped the optional variants left out.
	Skips   []Skip
	Dropped []Skip
	// Emitted rules by Sigma rule key, with their Wazuh ids (for tests and tools).
	Emissions []Emission
	// Correlations are the correlation rules written.
	Correlations []CorrelationEmission
	// Shadows are the generated rules a stock sibling can shadow (with
	// Options.StockRules), ordered by Wazuh id.
	Shadows []Shadowing
	// ShadowNote says why the shadowing analysis did not run, if it did not.
	ShadowNote string
	// ShadowCacheNote says what the verdicts cache did (Options.ShadowCache).
	ShadowCacheNote string
	// TreeNodes and StockTreeNodes count the nodes of analysisd's rule tree
	// with the generated file and of the stock rules alone (with
	// Options.StockRules): every if_sid parent adds a copy of a rule, and a
	// manager's start-up (and -t) time grows with them.
	TreeNodes, StockTreeNodes int
	// CombinedGroups counts Wazuh rules that carry another Sigma rule's groups
	// (their events match both), CombinedChildren the children written for
	// events one Sigma rule's rules would take from another's (combine.go).
	CombinedGroups, CombinedChildren int
}

// Shadowing is a generated rule that a stock rule can take events from: both
// hang under Parent, Wazuh tries the stock rule first (a level-0 rule, a
// higher level, or the same level loaded earlier) and both can match one event.
type Shadowing struct {
	WazuhID int
	Rule    *ast.Rule
	Variant string
	Parent  int
	// StockID, StockLevel and StockDescription name the stock rule that can win.
	StockID          int
	StockLevel       int
	StockDescription string
	// Kind is level0, correlation, level or order (see shadow.Shadow).
	Kind string
	Why  string
}

// Skip is a rule (or optional variant) left out, and why.
type Skip struct {
	Pos  ast.Pos
	Rule string // Sigma id or title
	// Sigma is the rule left out (consumers read it rather than looking Rule up).
	Sigma   *ast.Rule `json:"-"`
	Title   string
	Variant string
	Reason  string
	Detail  string
}

// Emission tells which Wazuh rules stand for a Sigma rule variant.
type Emission struct {
	Rule    *ast.Rule
	Variant string
	// IDs are all the variant's Wazuh rules; AlertIDs those with a level above 0.
	IDs, AlertIDs []int
	// Top are the rules attached to the stock parents; Parents those parents.
	Top     []int
	Parents []int
	Level   int
	// Exceptions are the level-0 children left where a negation has no exact
	// positive form: an event they match ends there, hidden from every other rule.
	Exceptions []int
	// Combined are the children written under the variant's rules for events
	// another Sigma rule's rules would lose to them (see combine.go); Also the
	// other rules' Wazuh rules whose alerts name this Sigma rule too.
	Combined, Also []int
	fs             *Fieldset
	corr           *corrBuild
	vb             variantBuild
	key            string
	terms          []combTerm
}

// CorrelationEmission is a correlation rule written as a Wazuh frequency rule.
type CorrelationEmission struct {
	Rule *ast.Rule
	ID   int
	// Frequency is the number of events that fire it (the current one
	// included; 1: a plain child of the base alerts), within Timeframe seconds.
	Frequency, Timeframe int
	// Groups are the groups of the base alerts it counts (if_matched_group),
	// MatchedSID the one base alert it counts instead (if_matched_sid).
	Groups     []string
	MatchedSID int
	// SameFields and SameStatic group the count (same_field, same_* elements).
	SameFields, SameStatic []string
}

// ByReason groups skips by reason, most frequent first.
func (r *Report) ByReason() []ReasonCount {
	counts := map[string]int{}
	for _, s := range r.Skips {
		counts[s.Reason]++
	}
	var out []ReasonCount
	for k, v := range counts {
		out = append(out, ReasonCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// ReasonCount is a skip reason and how many rules it hit.
type ReasonCount struct {
	Reason string
	Count  int
}

// maxPattern bounds one rendered PCRE2 pattern.
const maxPattern = 16000

var techniqueRe = regexp.MustCompile(`(?i)^attack\.(t\d{4}(?:\.\d{3})?)$`)

// builder holds the state of one build.
type builder struct {
	prof     *Profile
	ids      *IDMap
	res      *Result
	all      []*ast.Rule
	keyCount map[string]int
	// rules are the Wazuh rules in file order; index maps an id to its position.
	rules []XMLRule
	index map[int]int
	// emissions are the converted variants of each Sigma rule.
	emissions map[*ast.Rule][]*Emission
	// noLogCandidates are base alerts of correlations without generate,
	// keepLog those a correlation with generate needs logged.
	noLogCandidates, keepLog map[int]bool
	corrBases                []corrUse
	comb                     combined
	overlapRules             int // Options.OverlapRules resolved
	err                      error
}

// skip records a rule that is not converted.
func (b *builder) skip(r *ast.Rule, s Skip) {
	s.Pos, s.Rule, s.Title, s.Sigma = firstPos(s.Pos, r.Pos), r.Ref(), r.Title, r
	b.res.Report.Skips = append(b.res.Report.Skips, s)
	b.res.Report.Skipped++
	msg := fmt.Sprintf("rule %q not converted for Wazuh: %s", r.Title, s.Reason)
	if s.Detail != "" {
		msg += ": " + s.Detail
	}
	b.res.Diagnostics = append(b.res.Diagnostics, ast.Diagnostic{Pos: s.Pos, Severity: ast.SeverityWarning, Code: "wazuh-skip", Message: msg})
}

// Build converts rules into one Wazuh rules file: detection rules first, then
// the correlation rules Wazuh can express exactly (see correlations).
func Build(rules []*ast.Rule, opts Options) (*Result, error) {
	prof := opts.Profile
	if prof == nil {
		var err error
		if prof, err = DefaultProfile(); err != nil {
			return nil, err
		}
	}
	ids := opts.IDs
	if ids == nil {
		ids, _ = NewIDMap(DefaultIDMin, DefaultIDMax)
	}
	b := &builder{prof: prof, ids: ids, res: &Result{Report: Report{Variants: map[string]int{}}}, all: rules,
		keyCount: map[string]int{}, index: map[int]int{}, emissions: map[*ast.Rule][]*Emission{},
		noLogCandidates: map[int]bool{}, keepLog: map[int]bool{}, overlapRules: opts.OverlapRules}
	res := b.res
	// The stock rules load on another core while the rules convert.
	var stock chan stockLoad
	if opts.StockRules != "" {
		stock = make(chan stockLoad, 1)
		go func() { stock <- loadStock(opts.StockRules, opts.ShadowCache) }()
	}
	for _, r := range rules {
		b.keyCount[r.Ref()]++
	}
	var corrs []*ast.Rule
	for _, r := range rules {
		if r.Kind == ast.KindFilter {
			continue
		}
		res.Report.Rules++
		if r.Kind == ast.KindCorrelation {
			if r.Correlation == nil {
				b.skip(r, Skip{Reason: "no correlation section"})
				continue
			}
			corrs = append(corrs, r)
			continue
		}
		if err := b.detection(r); err != nil {
			return nil, err
		}
	}
	b.correlations(corrs)
	if b.err != nil {
		return nil, b.err
	}
	if err := b.combine(); err != nil {
		return nil, err
	}
	for i, em := range res.Report.Emissions {
		if e := b.emissionOf(em); e != nil {
			res.Report.Emissions[i] = *e
		}
	}
	res.Report.CombinedGroups, res.Report.CombinedChildren = b.comb.grouped, b.comb.children
	res.Rules = b.rules
	res.Report.WazuhRules = len(res.Rules)
	res.Diagnostics.Sort()
	out, err := WriteXML(opts.Header, "sigma,", res.Rules)
	if err != nil {
		return nil, err
	}
	res.XML = out
	if opts.StockRules != "" {
		if err := res.analyzeShadows(<-stock); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// detection converts one detection rule (every logsource variant).
func (b *builder) detection(r *ast.Rule) error {
	res, prof := b.res, b.prof
	skip := func(s Skip) { b.skip(r, s) }
	if r.Detection == nil {
		skip(Skip{Reason: "no detection"})
		return nil
	}
	variants := prof.Match(r.Logsource)
	if len(variants) == 0 {
		if u := prof.UnavailableFor(r.Logsource); u != nil {
			skip(Skip{Pos: r.KeyPos("logsource"), Reason: u.Reason, Detail: u.Detail})
			return nil
		}
		ls := r.Logsource
		skip(Skip{Pos: r.KeyPos("logsource"), Reason: "logsource without Wazuh mapping",
			Detail: fmt.Sprintf("no profile entry for product=%q category=%q service=%q (add one with --profile)", ls.Product, ls.Category, ls.Service)})
		return nil
	}
	key := r.Ref()
	if b.keyCount[key] > 1 || key == "" {
		key = r.Pos.File + "#" + r.Title
	}
	var built []variantBuild
	var failure *Skip
	droppedBefore := len(res.Report.Dropped)
	for _, v := range variants {
		vb, err := buildVariant(r, v, prof)
		if err != nil {
			s := Skip{Variant: v.Name, Reason: "unsupported", Detail: err.Error()}
			var u *unsupported
			if errors.As(err, &u) {
				s.Pos, s.Reason, s.Detail = u.pos, u.reason, u.detail
			}
			if v.Optional {
				s.Rule, s.Title = r.Ref(), r.Title
				s.Pos = firstPos(s.Pos, r.Pos)
				res.Report.Dropped = append(res.Report.Dropped, s)
				continue
			}
			failure = &s
			break
		}
		if len(vb.nodes) == 0 {
			s := Skip{Pos: r.KeyPos("detection"), Variant: v.Name, Reason: "condition never matches", Detail: "the condition contradicts the logsource's conditions"}
			if v.Optional {
				s.Rule, s.Title = r.Ref(), r.Title
				res.Report.Dropped = append(res.Report.Dropped, s)
				continue
			}
			failure = &s
			break
		}
		built = append(built, vb)
	}
	if failure != nil {
		skip(*failure)
		return nil
	}
	if len(built) == 0 {
		// Every variant was optional and dropped: report the most telling
		// reason (one that is not a contradiction with a variant's own conditions).
		s := res.Report.Dropped[len(res.Report.Dropped)-1]
		for _, d := range res.Report.Dropped[droppedBefore:] {
			if d.Reason != "condition never matches" {
				s = d
				break
			}
		}
		s.Variant = ""
		skip(s)
		return nil
	}
	res.Report.Emitted++
	for _, vb := range built {
		xr, em, err := vb.emit(r, key+"#"+vb.variant.Name, b.ids, prof)
		if err != nil {
			return err
		}
		for _, x := range xr {
			b.index[x.ID] = len(b.rules)
			b.rules = append(b.rules, x)
		}
		em.fs = vb.fs
		e := em
		b.emissions[r] = append(b.emissions[r], &e)
		res.Report.Emissions = append(res.Report.Emissions, em)
		res.Report.Variants[vb.variant.Name]++
	}
	return nil
}

// stockLoad is the stock ruleset loaded for the shadowing analysis, with its
// verdicts cache (when one is configured).
type stockLoad struct {
	rs        *shadow.Ruleset
	cache     *shadow.Verdicts
	cacheFile string
	err       error
}

// loadStock loads the stock rules and reads their verdicts cache.
func loadStock(dir, cacheDir string) stockLoad {
	rs, err := shadow.Load([]string{dir})
	if err != nil {
		return stockLoad{err: err}
	}
	st := stockLoad{rs: rs}
	if cacheDir != "" {
		st.cacheFile = shadow.CacheFile(cacheDir, rs.Fingerprint())
		st.cache = shadow.ReadVerdicts(st.cacheFile)
		rs.UseVerdicts(st.cache)
	}
	return st
}

// generatedFile is the name the shadowing analysis loads the generated rules
// under (after the stock files, as a manager's etc/rules files load).
const generatedFile = "9000-sigma_rules.xml"

// analyzeShadows adds the generated file to the stock rules as Wazuh would and
// lists the generated top rules (those attached to stock parents) that a stock
// sibling can shadow.
func (res *Result) analyzeShadows(st stockLoad) error {
	rs, cache, cacheFile := st.rs, st.cache, st.cacheFile
	if st.err != nil {
		return fmt.Errorf("loading the stock rules for the shadowing report: %w", st.err)
	}
	if err := rs.AddFile(generatedFile, res.XML); err != nil {
		return fmt.Errorf("loading the generated rules for the shadowing report: %w", err)
	}
	stock := func(r *shadow.Rule) bool { return r.File != generatedFile }
	res.Report.TreeNodes, res.Report.StockTreeNodes = rs.TreeNodes(stock)
	an := rs.Analyzer(stock)
	for _, em := range res.Report.Emissions {
		for _, id := range em.Top {
			for _, s := range an.Shadows(id) {
				res.Report.Shadows = append(res.Report.Shadows, Shadowing{WazuhID: id, Rule: em.Rule, Variant: em.Variant,
					Parent: s.Parent, StockID: s.By.ID, StockLevel: s.By.Level, StockDescription: s.By.Description, Kind: s.Kind, Why: s.Why})
			}
		}
	}
	searches, over := rs.OverlapStats()
	res.Report.ShadowNote = fmt.Sprintf("%d overlap searches over %d product states, %d gave up (counted as overlapping)", searches, rs.OverlapStates(), over)
	if cache != nil {
		res.Report.ShadowCacheNote = fmt.Sprintf("%s; %d of %d searches ran", cache.Note, rs.SearchesRun(), searches)
		if cache.Changed() {
			if err := cache.Write(cacheFile); err != nil {
				res.Report.ShadowCacheNote += "; " + err.Error()
			} else {
				res.Report.ShadowCacheNote += fmt.Sprintf("; %d verdicts written to %s", cache.Len(), cacheFile)
			}
		}
	}
	sort.SliceStable(res.Report.Shadows, func(i, j int) bool {
		a, b := res.Report.Shadows[i], res.Report.Shadows[j]
		if a.WazuhID != b.WazuhID {
			return a.WazuhID < b.WazuhID
		}
		if a.Parent != b.Parent {
			return a.Parent < b.Parent
		}
		return a.StockID < b.StockID
	})
	return nil
}

// SigmaRule returns the Sigma rule a generated Wazuh rule alerts for (false
// for ids that are not alerting generated rules, e.g. level-0 exceptions), to
// read wazuhsim.Check outcomes in Sigma terms.
func (res *Result) SigmaRule(id int) (*ast.Rule, bool) {
	for _, em := range res.Report.Emissions {
		for _, a := range em.AlertIDs {
			if a == id {
				return em.Rule, true
			}
		}
	}
	return nil, false
}

// SigmaRules returns every Sigma rule an alert of the generated Wazuh rule
// id names: its own and those whose groups it carries because the event
// matches them too (see combine.go); nil for ids that do not alert.
func (res *Result) SigmaRules(id int) []*ast.Rule {
	var out []*ast.Rule
	if r, ok := res.SigmaRule(id); ok {
		out = append(out, r)
	}
	for _, em := range res.Report.Emissions {
		if slices.Contains(em.Also, id) && !slices.Contains(out, em.Rule) {
			out = append(out, em.Rule)
		}
	}
	return out
}

// Owner returns the Sigma rule whose conversion wrote the Wazuh rule id, and
// whether that Wazuh rule alerts (false for a level-0 exception); false when
// the build did not write id.
func (res *Result) Owner(id int) (r *ast.Rule, alerts bool, ok bool) {
	for _, em := range res.Report.Emissions {
		if slices.Contains(em.IDs, id) {
			return em.Rule, slices.Contains(em.AlertIDs, id), true
		}
	}
	return nil, false, false
}

func firstPos(a, b ast.Pos) ast.Pos {
	if a.File != "" {
		return a
	}
	return b
}

// variantBuild is one logsource variant of a rule, lowered to a rule tree.
type variantBuild struct {
	variant *LogsourceMap
	fs      *Fieldset
	low     *lowerer
	nodes   []*node
	// where holds the atoms the logsource's own conditions test (event ids,
	// channels), which every rule of the variant shares.
	where map[int]bool
}

func buildVariant(r *ast.Rule, v *LogsourceMap, prof *Profile) (variantBuild, error) {
	fs := prof.Fieldsets[v.Fieldset]
	l := newLowerer(fs)
	where, err := l.where(v.Where, r.KeyPos("logsource"))
	if err != nil {
		return variantBuild{}, err
	}
	det, err := l.detection(r.Detection)
	if err != nil {
		return variantBuild{}, err
	}
	present := make(map[string]bool, len(v.Present))
	for _, f := range v.Present {
		present[strings.ToLower(f)] = true
	}
	f := l.splitLarge(l.mergeFields(fxNary('a', []*fx{where, det})), maxPattern)
	used := atomsOf(f, map[int]bool{})
	for i, a := range l.atoms {
		if n := len(a.pat.render()); n > maxPattern && used[i] {
			return variantBuild{}, fail(r.KeyPos("detection"), "pattern too large", "a field test needs a %d-byte PCRE2 pattern (limit %d: PCRE2's compiled size and Wazuh's 20480-byte element text)", n, maxPattern)
		}
	}
	// Exact positive forms first; a condition whose positive form is too large
	// keeps its negations as level-0 children, reported by Emission.Exceptions.
	nodes, err := l.compile(l.positive(f, present, true), false, map[int]bool{}, 0)
	if err != nil {
		l.nodes = 0
		nodes, err = l.compile(l.positive(f, present, false), false, map[int]bool{}, 0)
	}
	if err != nil {
		return variantBuild{}, fail(r.KeyPos("detection"), "condition too complex", "%v", err)
	}
	return variantBuild{variant: v, fs: fs, low: l, nodes: nodes, where: atomsOf(where, map[int]bool{})}, nil
}

// emit assigns ids and writes the variant's rules in preorder (parents first).
func (vb variantBuild) emit(r *ast.Rule, key string, ids *IDMap, prof *Profile) ([]XMLRule, Emission, error) {
	var flat []*node
	var walk func(ns []*node)
	walk = func(ns []*node) {
		for _, n := range ns {
			flat = append(flat, n)
			walk(n.children)
		}
	}
	walk(vb.nodes)
	got, err := ids.Assign(key, len(flat))
	if err != nil {
		return nil, Emission{}, err
	}
	idOf := map[*node]int{}
	for i, n := range flat {
		idOf[n] = got[i]
	}
	level := prof.Level(r.Level)
	title, mitre, groups, info := alertMeta(r, vb.variant.Name)
	em := Emission{Rule: r, Variant: vb.variant.Name, IDs: got, Level: level, Parents: vb.variant.IfSID, vb: vb, key: key}
	var out []XMLRule
	var write func(ns []*node, parent int)
	write = func(ns []*node, parent int) {
		for _, n := range ns {
			x := XMLRule{ID: idOf[n], Description: title, NoFullLog: vb.fs.NoFullLog}
			if parent == 0 {
				x.IfSID, x.IfGroup = vb.variant.IfSID, vb.variant.IfGroup
				em.Top = append(em.Top, x.ID)
			} else {
				x.IfSID = []int{parent}
			}
			if n.alert {
				x.Level = level
				x.Mitre, x.Info, x.Groups = mitre, info, groups
				em.AlertIDs = append(em.AlertIDs, x.ID)
				if len(n.children) == 0 {
					em.terms = append(em.terms, combTerm{id: x.ID, tests: n.tests})
				}
			} else {
				x.Description = title + " (exception)"
				em.Exceptions = append(em.Exceptions, x.ID)
			}
			if len(out) == 0 {
				x.Comment = fmt.Sprintf("%s: %s [%s]", r.Pos, r.Title, vb.variant.Name)
			}
			vb.tests(&x, n.tests)
			out = append(out, x)
			write(n.children, x.ID)
		}
	}
	write(vb.nodes, 0)
	return out, em, nil
}

// tests writes a node's atoms: fields in order; the atoms of one static element
// (regex on the log, url, id, ...) combined into one element, since Wazuh
// concatenates repeated static elements: several become lookaheads.
func (vb variantBuild) tests(x *XMLRule, atoms []int) {
	byElem := map[string][]atom{}
	var order []string
	var absent []string
	for _, id := range atoms {
		a := vb.low.atoms[id]
		if a.absentKey != "" {
			absent = append(absent, a.absentKey)
			continue
		}
		if a.elem == "field" {
			x.Fields = append(x.Fields, XMLField{Name: a.name, Pattern: a.pat.render(), Negate: a.negate})
			continue
		}
		if _, ok := byElem[a.elem]; !ok {
			order = append(order, a.elem)
		}
		byElem[a.elem] = append(byElem[a.elem], a)
	}
	if len(absent) > 0 {
		// Several absent fields are one negated search for any of their keys.
		if _, ok := byElem["regex"]; !ok {
			order = append(order, "regex")
		}
		byElem["regex"] = append(byElem["regex"], atom{elem: "regex", name: "log", negate: true, pat: pattern{{core: absentPattern(absent)}}})
	}
	for _, elem := range order {
		list := byElem[elem]
		st := XMLStatic{Elem: elem}
		if len(list) == 1 {
			st.Pattern, st.Negate = list[0].pat.render(), list[0].negate
		} else {
			var b strings.Builder
			b.WriteString("^")
			for _, a := range list {
				p := a.pat.render()
				look := `(?=`
				if a.negate {
					look = `(?!`
				}
				if run, ok := strings.CutPrefix(p, "^"); ok && (strings.HasPrefix(run, "(?=") || strings.HasPrefix(run, "(?!")) {
					// A run of lookaheads at the start already searches the whole log.
					b.WriteString(look + run + `)`)
					continue
				}
				b.WriteString(look + `[\s\S]*?(?:` + p + `))`)
			}
			st.Pattern = b.String()
		}
		if elem == "regex" {
			x.Regex, x.RegexNegate = st.Pattern, st.Negate
			continue
		}
		x.Statics = append(x.Statics, st)
	}
	if x.Regex != "" && byElem["match"] == nil {
		if m := vb.prefilter(atoms); m != "" {
			x.Statics = append(x.Statics, XMLStatic{Elem: "match", Pattern: m})
		}
	}
}

// prefilter returns a <match> pattern that holds on every event the node's
// positive field tests accept: the texts one of them needs in the log. Wazuh
// tests <match> before <regex> and <regex> before the fields, so without it
// every event that reaches the rule would run the rule's log searches; with
// it, an event whose log lacks the texts is dropped at the cost of a literal
// search. The test with the longest shortest text is taken.
func (vb variantBuild) prefilter(atoms []int) string {
	var best []string
	bestLen := 0
	for _, id := range atoms {
		a := vb.low.atoms[id]
		if a.elem != "field" || a.negate || a.needs == nil {
			continue
		}
		short := len(a.needs[0])
		for _, n := range a.needs {
			short = min(short, len(n))
		}
		if short > bestLen {
			best, bestLen = a.needs, short
		}
	}
	if best == nil {
		return ""
	}
	q := make([]string, 0, len(best))
	for _, n := range best {
		q = append(q, regexp.QuoteMeta(n))
	}
	slices.Sort(q)
	q = slices.Compact(q)
	m := "(?i)" + strings.Join(q, "|")
	if len(m) > 4096 {
		return ""
	}
	return m
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
