package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rulec/rulec/ast"
)

// state is the per-rule processing state, reset for every rule as pySigma's
// ProcessingPipeline.apply resets it.
type state struct {
	chain *Chain
	refs  *ast.Resolver // the front end's resolution of correlation references
	// vals is the pipeline state written by set_state.
	vals map[string]any
	// itemApplied records the processing items applied to each detection item.
	itemApplied map[*ast.FieldMatch]map[string]bool
	// fieldApplied records the processing items that mapped each field name.
	fieldApplied map[string]map[string]bool
	// mapped holds every source and target of a detection item field name mapping
	// (pySigma's FieldMappingTracking, as strict_field_mapping_failure reads it).
	mapped   map[string]bool
	err      error
	warnings ast.Diagnostics
	item     *Item
}

func (st *state) fail(err error) {
	if st.err == nil {
		st.err = err
	}
}

func (st *state) warnf(p ast.Pos, format string, args ...any) {
	st.warnings = append(st.warnings, ast.Diagnostic{Pos: p, Severity: ast.SeverityWarning, Code: "pipeline", Message: fmt.Sprintf(format, args...)})
}

func (st *state) addMapping(src string, dst []string) {
	if st.mapped == nil {
		st.mapped = map[string]bool{}
	}
	st.mapped[src] = true
	for _, d := range dst {
		st.mapped[d] = true
	}
}

func (st *state) markItem(fm *ast.FieldMatch, id string) {
	m := st.itemApplied[fm]
	if m == nil {
		m = map[string]bool{}
		st.itemApplied[fm] = m
	}
	m[id] = true
}

// trackField is pySigma's track_field_processing_items.
func (st *state) trackField(src string, dest []string, id string) {
	if len(dest) == 1 && dest[0] == src {
		return
	}
	set := st.fieldApplied[src]
	if set == nil {
		set = map[string]bool{}
	}
	if id != "" {
		set[id] = true
	}
	delete(st.fieldApplied, src)
	for _, d := range dest {
		cp := make(map[string]bool, len(set))
		for k := range set {
			cp[k] = true
		}
		st.fieldApplied[d] = cp
	}
}

// logsourceMatch is pySigma's LogsourceCondition: unset condition fields match anything;
// a correlation rule matches when one of its referenced rules does.
func (st *state) logsourceMatch(cond ast.Logsource, r *ast.Rule, depth int) bool {
	if r.Kind == ast.KindCorrelation && r.Correlation != nil {
		if depth > 32 {
			return false
		}
		for _, ref := range r.Correlation.Rules {
			if sub := st.refs.Target(ref); sub != nil && st.logsourceMatch(cond, sub, depth+1) {
				return true
			}
		}
		return false
	}
	return (cond.Category == "" || cond.Category == r.Logsource.Category) &&
		(cond.Product == "" || cond.Product == r.Logsource.Product) &&
		(cond.Service == "" || cond.Service == r.Logsource.Service)
}

func (it *Item) matchRule(st *state, r *ast.Rule) bool {
	if len(it.rule.conds) == 0 {
		return true // pySigma: `not self.rule_conditions or result`
	}
	return it.rule.eval(func(c ruleCond) bool { return c(st, r) })
}

// matchField is pySigma's match_field_name.
func (it *Item) matchField(st *state, field string) bool {
	return it.field.eval(func(c fieldCond) bool { return c.name(st, field) })
}

// matchDetectionItem is pySigma's match_detection_item: detection item conditions and
// field name conditions on the field or on a field reference among the values.
func (it *Item) matchDetectionItem(st *state, fm *ast.FieldMatch) bool {
	det := it.det.eval(func(c detCond) bool { return c(st, fm) })
	field := it.field.eval(func(c fieldCond) bool {
		if c.item != nil {
			return c.item(st, fm)
		}
		if c.name(st, fm.Field) {
			return true
		}
		for _, v := range fm.Values {
			if v.Kind == ast.ValFieldRef && c.name(st, v.Ref) {
				return true
			}
		}
		return false
	})
	return det && field
}

// matchFieldRef is pySigma's match_field_in_value for a field reference.
func (it *Item) matchFieldRef(st *state, ref string) bool {
	return it.field.eval(func(c fieldCond) bool { return c.name(st, ref) })
}

// Apply processes the rules in place, in order, and returns diagnostics. A rule a
// transformation fails on (rule_failure, detection_item_failure, or an error while
// transforming) gets an error at its position and is removed from the returned slice.
// Filter documents are left alone: they were already applied onto their rules.
func (c *Chain) Apply(rules []*ast.Rule) ([]*ast.Rule, ast.Diagnostics) {
	if c == nil || len(c.Items) == 0 {
		return rules, nil
	}
	refs := ast.NewResolver(rules)
	var diags ast.Diagnostics
	kept := rules[:0:0]
	for _, r := range rules {
		if r.Kind == ast.KindFilter {
			kept = append(kept, r)
			continue
		}
		st := &state{chain: c, refs: refs, vals: map[string]any{}, itemApplied: map[*ast.FieldMatch]map[string]bool{}, fieldApplied: map[string]map[string]bool{}}
		if err := c.applyRule(st, r); err != nil {
			diags = append(diags, ast.Diagnostic{Pos: r.Pos, Severity: ast.SeverityError, Code: "pipeline", Message: err.Error()})
			diags = append(diags, st.warnings...)
			continue
		}
		diags = append(diags, st.warnings...)
		kept = append(kept, r)
	}
	diags.Sort()
	return kept, diags
}

func (c *Chain) applyRule(st *state, r *ast.Rule) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error applying pipeline item %s: %v", st.item.Ref(), p)
		}
	}()
	cloneDetection(r)
	r.ProcessingItemsApplied = nil
	return runItems(st, c.Items, r)
}

// runItems applies processing items in order to one rule.
func runItems(st *state, items []*Item, r *ast.Rule) error {
	for _, it := range items {
		st.item = it
		ok := it.matchRule(st, r)
		if st.err != nil {
			return fmt.Errorf("%s: %s: %v", it.Pos, it.Type, st.err)
		}
		if !ok {
			continue
		}
		// Recorded first, as pySigma's transformations mark the rule before transforming it
		// (a nested item's own items come after it).
		if !slices.Contains(r.ProcessingItemsApplied, it.Ref()) {
			r.ProcessingItemsApplied = append(r.ProcessingItemsApplied, it.Ref())
		}
		if e := it.t.apply(st, it, r); e != nil {
			return fmt.Errorf("%v (pipeline item %s at %s)", e, it.Ref(), it.Pos)
		}
		if st.err != nil {
			return fmt.Errorf("%s: %s: %v", it.Pos, it.Type, st.err)
		}
	}
	return nil
}

// cloneDetection gives the rule its own copy of its searches and matcher trees:
// filters share their searches between the rules they apply to.
func cloneDetection(r *ast.Rule) {
	if r.Detection == nil {
		return
	}
	d := *r.Detection
	d.Searches = make([]*ast.Search, len(r.Detection.Searches))
	for i, s := range r.Detection.Searches {
		cp := *s
		cp.Body = cloneMatcher(s.Body)
		d.Searches[i] = &cp
	}
	d.Conditions = slices.Clone(d.Conditions)
	r.Detection = &d
	r.Fields = slices.Clone(r.Fields)
	r.Tags = slices.Clone(r.Tags)
	r.Extra = slices.Clone(r.Extra)
}

func cloneMatcher(m *ast.Matcher) *ast.Matcher {
	if m == nil {
		return nil
	}
	cp := *m
	if m.Field != nil {
		f := *m.Field
		f.Values = slices.Clone(m.Field.Values)
		cp.Field = &f
	}
	if m.Items != nil {
		cp.Items = make([]*ast.Matcher, len(m.Items))
		for i, it := range m.Items {
			cp.Items[i] = cloneMatcher(it)
		}
	}
	return &cp
}

// result is what a detection item transformation does to one item.
type result struct {
	replace *ast.Matcher // nil: keep the node (possibly changed in place)
	drop    bool
	changed bool // the item was transformed: mark it as processed
}

// eachItem applies fn to every detection item of every search, replacing or
// dropping matcher nodes as fn says, after the item's detection item and field
// name conditions matched.
func eachItem(st *state, it *Item, r *ast.Rule, fn func(fm *ast.FieldMatch) (result, error)) error {
	if r.Kind != ast.KindDetection || r.Detection == nil {
		return nil
	}
	var walk func(m *ast.Matcher) error
	walk = func(m *ast.Matcher) error {
		out := m.Items[:0:0]
		for _, sub := range m.Items {
			if sub.Op != ast.MatchField {
				if err := walk(sub); err != nil {
					return err
				}
				out = append(out, sub)
				continue
			}
			fm := sub.Field
			if !it.matchDetectionItem(st, fm) {
				out = append(out, sub)
				continue
			}
			res, err := fn(fm)
			if err != nil {
				return err
			}
			switch {
			case res.drop:
				continue
			case res.replace != nil:
				out = append(out, res.replace)
			default:
				out = append(out, sub)
			}
			if res.changed {
				if res.replace != nil {
					res.replace.Walk(func(x *ast.FieldMatch) { st.markItem(x, it.Ref()) })
				} else {
					st.markItem(fm, it.Ref())
				}
			}
		}
		m.Items = out
		return nil
	}
	for _, s := range r.Detection.Searches {
		wasEmpty := empty(s.Body)
		root := &ast.Matcher{Op: ast.MatchAll, Items: []*ast.Matcher{s.Body}}
		if err := walk(root); err != nil {
			return err
		}
		switch {
		case len(root.Items) == 0:
			s.Body = &ast.Matcher{Op: ast.MatchAll, Pos: s.Body.Pos}
		default:
			s.Body = root.Items[0]
		}
		if !wasEmpty && empty(s.Body) {
			st.warnf(s.Pos, "search %s has no detection item left after %s (pipeline item %s at %s); an empty search matches every event", s.Name, it.Type, it.Ref(), it.Pos)
		}
	}
	return nil
}

func empty(m *ast.Matcher) bool {
	if m.Op == ast.MatchField {
		return false
	}
	for _, it := range m.Items {
		if !empty(it) {
			return false
		}
	}
	return true
}

// withField returns a copy of the item with a new field name, its key rewritten.
func withField(fm *ast.FieldMatch, field string) *ast.FieldMatch {
	cp := *fm
	cp.Field = field
	cp.Values = slices.Clone(fm.Values)
	if i := strings.IndexByte(fm.Key, '|'); i >= 0 {
		cp.Key = field + fm.Key[i:]
	} else {
		cp.Key = field
	}
	return &cp
}
