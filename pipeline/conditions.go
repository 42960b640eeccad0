package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

type ruleCond func(st *state, r *ast.Rule) bool
type detCond func(st *state, fm *ast.FieldMatch) bool

// fieldCond matches a field name ("" is a keyword item, pySigma's None). item, when set,
// replaces the field name match on detection items (pySigma's match_detection_item override).
type fieldCond struct {
	name func(st *state, field string) bool
	item func(st *state, fm *ast.FieldMatch) bool
}

func pyRegexp(p *parser, n *yaml.Node, pattern, what string) *regexp.Regexp {
	re, err := regexp.Compile(`^(?:` + pattern + `)`)
	if err != nil {
		if _, err2 := regexp.Compile(pattern); err2 != nil {
			err = err2
		}
		p.errf(n, "%s: regular expression %q is invalid or uses a feature Go's RE2 lacks: %v", what, pattern, err)
		return nil
	}
	return re
}

func parseRuleCond(p *parser, typ string, at *yaml.Node, ps *params) (ruleCond, bool) {
	switch typ {
	case "logsource":
		var ls [3]string
		for i, k := range []string{"category", "product", "service"} {
			if v := ps.get(k); v != nil {
				ls[i] = p.optStr(v, k)
			}
		}
		cond := ast.Logsource{Category: ls[0], Product: ls[1], Service: ls[2]}
		return func(st *state, r *ast.Rule) bool { return st.logsourceMatch(cond, r, 0) }, true
	case "contains_detection_item":
		fn, vn := ps.need("field"), ps.need("value")
		if fn == nil || vn == nil {
			return nil, false
		}
		field := p.optStr(fn, "field")
		val, ok := p.scalar(vn, "value")
		if !ok {
			return nil, false
		}
		return func(st *state, r *ast.Rule) bool {
			found := false
			eachField(r, func(fm *ast.FieldMatch) {
				if fm.Field != "" && fm.Field == field && slices.ContainsFunc(fm.Values, func(v ast.Value) bool { return sigmaEqual(val, v) }) {
					found = true
				}
			})
			return found
		}, true
	case "contains_field":
		fn := ps.need("field")
		if fn == nil {
			return nil, false
		}
		field := p.optStr(fn, "field")
		return func(st *state, r *ast.Rule) bool {
			found := false
			eachField(r, func(fm *ast.FieldMatch) { found = found || (fm.Field != "" && fm.Field == field) })
			return found
		}, true
	case "is_sigma_rule":
		return func(st *state, r *ast.Rule) bool { return r.Kind == ast.KindDetection }, true
	case "is_sigma_correlation_rule":
		return func(st *state, r *ast.Rule) bool { return r.Kind == ast.KindCorrelation }, true
	case "processing_item_applied":
		n := ps.need("processing_item_id")
		if n == nil {
			return nil, false
		}
		id, _ := p.str(n, "processing_item_id")
		return func(st *state, r *ast.Rule) bool { return slices.Contains(r.ProcessingItemsApplied, id) }, true
	case "processing_state":
		m, ok := parseState(p, ps)
		if !ok {
			return nil, false
		}
		return func(st *state, r *ast.Rule) bool { return m(st) }, true
	case "tag":
		n := ps.need("tag")
		if n == nil {
			return nil, false
		}
		tag, _ := p.str(n, "tag")
		if !strings.Contains(tag, ".") {
			p.errf(n, "tag %q has no namespace (namespace.name)", tag)
		}
		return func(st *state, r *ast.Rule) bool { return slices.Contains(r.Tags, tag) }, true
	case "rule_attribute":
		return parseRuleAttribute(p, at, ps)
	}
	return nil, refuse(p, at, "rule condition", typ, ruleCondNames, pyRuleConds)
}

var ruleCondNames = []string{"contains_detection_item", "contains_field", "is_sigma_correlation_rule", "is_sigma_rule", "logsource", "processing_item_applied", "processing_state", "rule_attribute", "tag"}
var pyRuleConds = []string{}
var detCondNames = []string{"contains_wildcard", "is_null", "match_string", "match_value", "processing_item_applied", "processing_state"}
var pyDetConds = []string{}
var fieldCondNames = []string{"exclude_fields", "include_fields", "processing_item_applied", "processing_state"}

// refuse reports an unsupported or unknown type; it always returns false.
func refuse(p *parser, at *yaml.Node, what, typ string, known, pyOnly []string) bool {
	if slices.Contains(pyOnly, typ) {
		p.errf(at, "%s %q is not supported by rulec (supported: %s)", what, typ, strings.Join(known, ", "))
	} else {
		p.errf(at, "unknown %s %q (supported: %s)", what, typ, strings.Join(known, ", "))
	}
	return false
}

// eachField calls fn on every detection item of a rule.
func eachField(r *ast.Rule, fn func(*ast.FieldMatch)) {
	if r.Detection == nil {
		return
	}
	for _, s := range r.Detection.Searches {
		s.Body.Walk(fn)
	}
}

// sigmaEqual compares a pipeline scalar with a detection value as pySigma's
// sigma_type(value) == value does: strings as Sigma strings (wildcards parsed),
// numbers numerically, booleans; other kinds never equal.
func sigmaEqual(want any, v ast.Value) bool {
	switch w := want.(type) {
	case string:
		return v.Kind == ast.ValString && slices.Equal(ast.ParseString(w, false), v.Parts)
	case float64:
		return v.Kind == ast.ValNumber && v.Number == w
	case bool:
		return v.Kind == ast.ValBool && v.Bool == w
	case nil:
		return v.Kind == ast.ValNull
	}
	return false
}

func parseState(p *parser, ps *params) (func(*state) bool, bool) {
	kn, vn := ps.need("key"), ps.need("val")
	if kn == nil || vn == nil {
		return nil, false
	}
	key, _ := p.str(kn, "key")
	val, ok := p.scalar(vn, "val")
	if !ok {
		return nil, false
	}
	op := "eq"
	if on := ps.get("op"); on != nil {
		op, _ = p.str(on, "op")
		if !slices.Contains([]string{"eq", "ne", "gte", "gt", "lte", "lt"}, op) {
			p.errf(on, "invalid operation %q (eq, ne, gte, gt, lte, lt)", op)
			return nil, false
		}
	}
	return func(st *state) bool {
		sv, ok := st.vals[key]
		if !ok {
			return false
		}
		return compareAny(sv, val, op)
	}, true
}

// compareAny compares two scalars as Python would for eq/ne, and orders numbers or strings.
func compareAny(a, b any, op string) bool {
	af, aNum := num(a)
	bf, bNum := num(b)
	as, aStr := a.(string)
	bs, bStr := b.(string)
	var c int
	switch {
	case aNum && bNum:
		c = cmpF(af, bf)
	case aStr && bStr:
		c = strings.Compare(as, bs)
	case a == nil && b == nil:
		c = 0
	default:
		// different types: equal never, ordered never (Python raises TypeError)
		return op == "ne"
	}
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gte":
		return c >= 0
	case "gt":
		return c > 0
	case "lte":
		return c <= 0
	case "lt":
		return c < 0
	}
	return false
}

func num(x any) (float64, bool) {
	switch v := x.(type) {
	case float64:
		return v, true
	case bool: // Python: True == 1
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var levels = map[string]int{"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
var statuses = map[string]int{"unsupported": 1, "deprecated": 2, "experimental": 3, "test": 4, "stable": 5}

func parseRuleAttribute(p *parser, at *yaml.Node, ps *params) (ruleCond, bool) {
	an, vn := ps.need("attribute"), ps.need("value")
	if an == nil || vn == nil {
		return nil, false
	}
	attr, _ := p.str(an, "attribute")
	val, ok := p.scalar(vn, "value")
	if !ok {
		return nil, false
	}
	op := "eq"
	if on := ps.get("op"); on != nil {
		op, _ = p.str(on, "op")
	}
	if !slices.Contains([]string{"eq", "ne", "gte", "gt", "lte", "lt", "in", "not_in"}, op) {
		p.errf(at, "invalid operation %q in rule attribute condition (eq, ne, gte, gt, lte, lt, in, not_in)", op)
		return nil, false
	}
	vs := fmt.Sprint(val)
	if f, isNum := val.(float64); isNum {
		vs = strconv.FormatFloat(f, 'f', -1, 64)
	}
	switch attr {
	case "level", "status":
		return rankedAttrCond(p, at, vn, attr, vs, op)
	case "date", "modified":
		return dateAttrCond(p, vn, attr, vs, op)
	case "tags", "references", "falsepositives", "fields", "scope":
		return listAttrCond(attr, vs, op), true
	}
	return stringAttrCond(attr, vs, op), true
}

// rankedAttrCond compares a rule's level or status by rank.
func rankedAttrCond(p *parser, at, vn *yaml.Node, attr, vs, op string) (ruleCond, bool) {
	table := levels
	if attr == "status" {
		table = statuses
	}
	if op == "in" || op == "not_in" {
		p.errf(at, "operation %s needs a list attribute; %s is not one", op, attr)
		return nil, false
	}
	w, ok := table[strings.ToLower(vs)]
	if !ok {
		p.errf(vn, "invalid Sigma %s %q", attr, vs)
		return nil, false
	}
	return func(st *state, r *ast.Rule) bool {
		have := r.Level
		if attr == "status" {
			have = r.Status
		}
		if have == "" {
			return false
		}
		h, ok := table[strings.ToLower(have)]
		return ok && compareAny(float64(h), float64(w), op)
	}, true
}

// dateAttrCond compares a rule's date or modified date.
func dateAttrCond(p *parser, vn *yaml.Node, attr, vs, op string) (ruleCond, bool) {
	want, err := parseDate(vs)
	if err != nil {
		p.errf(vn, "invalid date format %q in rule attribute condition", vs)
		return nil, false
	}
	return func(st *state, r *ast.Rule) bool {
		s := r.Date
		if attr == "modified" {
			s = r.Modified
		}
		if s == "" {
			return false
		}
		have, err := parseDate(s)
		if err != nil {
			return false
		}
		return compareAny(float64(have.Unix()), float64(want.Unix()), op)
	}, true
}

// listAttrCond tests whether a rule's list attribute holds the value (in,
// not_in); other operations hold for ne only.
func listAttrCond(attr, vs, op string) ruleCond {
	return func(st *state, r *ast.Rule) bool {
		var list []string
		switch attr {
		case "tags":
			list = r.Tags
		case "references":
			list = r.References
		case "falsepositives":
			list = r.FalsePositives
		case "fields":
			list = r.Fields
		case "scope":
			list = r.Scope
		}
		switch op {
		case "in":
			return slices.Contains(list, vs)
		case "not_in":
			return !slices.Contains(list, vs)
		}
		return op == "ne"
	}
}

// stringAttrCond compares any other attribute as a string (eq, ne) or a
// number; another operation on text fails the rule.
func stringAttrCond(attr, vs, op string) ruleCond {
	return func(st *state, r *ast.Rule) bool {
		have, ok := ruleString(r, attr)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return have == vs
		case "ne":
			return have != vs
		}
		if h, err := strconv.ParseFloat(have, 64); err == nil {
			if w, err := strconv.ParseFloat(vs, 64); err == nil {
				return compareAny(h, w, op)
			}
		}
		st.fail(fmt.Errorf("rule attribute condition: operation %s is not defined on the string attribute %s", op, attr))
		return false
	}
}

func parseDate(s string) (time.Time, error) {
	s = strings.ReplaceAll(s, "/", "-")
	return time.Parse("2006-01-02", s)
}

// ruleString returns a scalar rule attribute, built-in or custom.
func ruleString(r *ast.Rule, attr string) (string, bool) {
	switch attr {
	case "title":
		return r.Title, true
	case "id":
		return r.ID, r.ID != ""
	case "name":
		return r.Name, r.Name != ""
	case "description":
		return r.Description, r.Description != ""
	case "author":
		return r.Author, r.Author != ""
	case "license":
		return r.License, r.License != ""
	case "taxonomy":
		return r.Taxonomy, r.Taxonomy != ""
	}
	for _, x := range r.Extra {
		if x.Key == attr {
			switch v := x.Value.(type) {
			case string:
				return v, true
			case float64:
				return strconv.FormatFloat(v, 'f', -1, 64), true
			case int:
				return strconv.Itoa(v), true
			case bool:
				return strconv.FormatBool(v), true
			}
			return fmt.Sprint(x.Value), true
		}
	}
	return "", false
}

func parseValueCond(p *parser, ps *params, typ string) (anyAll bool, ok bool) {
	n := ps.need("cond")
	if n == nil {
		return false, false
	}
	c, _ := p.str(n, "cond")
	switch c {
	case "any":
		return true, true
	case "all":
		return false, true
	}
	p.errf(n, "the value %q for the 'cond' parameter is invalid. It must be 'any' or 'all'", c)
	return false, false
}

func matchValues(fm *ast.FieldMatch, isAny bool, f func(ast.Value) bool) bool {
	if isAny {
		return slices.ContainsFunc(fm.Values, f)
	}
	for _, v := range fm.Values {
		if !f(v) {
			return false
		}
	}
	return true
}

func parseDetCond(p *parser, typ string, at *yaml.Node, ps *params) (detCond, bool) {
	switch typ {
	case "match_string":
		isAny, ok := parseValueCond(p, ps, typ)
		pn := ps.need("pattern")
		if !ok || pn == nil {
			return nil, false
		}
		pat, _ := p.str(pn, "pattern")
		neg := false
		if nn := ps.get("negate"); nn != nil {
			neg = p.boolean(nn, "negate")
		}
		re := pyRegexp(p, pn, pat, "match_string")
		if re == nil {
			return nil, false
		}
		return func(st *state, fm *ast.FieldMatch) bool {
			return matchValues(fm, isAny, func(v ast.Value) bool {
				res := v.Kind == ast.ValString && re.MatchString(v.Pattern())
				return res != neg
			})
		}, true
	case "match_value":
		isAny, ok := parseValueCond(p, ps, typ)
		vn := ps.need("value")
		if !ok || vn == nil {
			return nil, false
		}
		want, ok := p.scalar(vn, "value")
		if !ok {
			return nil, false
		}
		return func(st *state, fm *ast.FieldMatch) bool {
			return matchValues(fm, isAny, func(v ast.Value) bool { return sigmaEqual(want, v) })
		}, true
	case "is_null":
		isAny, ok := parseValueCond(p, ps, typ)
		if !ok {
			return nil, false
		}
		return func(st *state, fm *ast.FieldMatch) bool {
			return matchValues(fm, isAny, func(v ast.Value) bool { return v.Kind == ast.ValNull })
		}, true
	case "contains_wildcard":
		isAny, ok := parseValueCond(p, ps, typ)
		if !ok {
			return nil, false
		}
		return func(st *state, fm *ast.FieldMatch) bool {
			return matchValues(fm, isAny, func(v ast.Value) bool {
				return v.Kind == ast.ValString && slices.ContainsFunc(v.Parts, func(sp ast.StringPart) bool {
					return sp.Kind == ast.PartStar || sp.Kind == ast.PartQuestion
				})
			})
		}, true
	case "processing_item_applied":
		n := ps.need("processing_item_id")
		if n == nil {
			return nil, false
		}
		id, _ := p.str(n, "processing_item_id")
		return func(st *state, fm *ast.FieldMatch) bool { return st.itemApplied[fm][id] }, true
	case "processing_state":
		m, ok := parseState(p, ps)
		if !ok {
			return nil, false
		}
		return func(st *state, fm *ast.FieldMatch) bool { return m(st) }, true
	}
	return nil, refuse(p, at, "detection item condition", typ, detCondNames, pyDetConds)
}

func parseFieldCond(p *parser, typ string, at *yaml.Node, ps *params) (fieldCond, bool) {
	switch typ {
	case "include_fields", "exclude_fields":
		fn := ps.need("fields")
		if fn == nil {
			return fieldCond{}, false
		}
		fields := p.strList(fn, "fields")
		mode := "plain"
		if mn := ps.get("mode"); mn != nil {
			mode, _ = p.str(mn, "mode")
		}
		var match func(string) bool
		switch mode {
		case "plain":
			match = func(f string) bool { return slices.Contains(fields, f) }
		case "re":
			var res []*regexp.Regexp
			for _, f := range fields {
				if re := pyRegexp(p, fn, f, typ); re != nil {
					res = append(res, re)
				}
			}
			match = func(f string) bool {
				return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(f) })
			}
		default:
			p.errf(at, "invalid field name matching mode %q, supported types are 'plain' or 're'", mode)
			return fieldCond{}, false
		}
		exclude := typ == "exclude_fields"
		return fieldCond{name: func(st *state, f string) bool {
			if f == "" { // keyword item: pySigma's None is in no list
				return exclude
			}
			return match(f) != exclude
		}}, true
	case "processing_item_applied":
		n := ps.need("processing_item_id")
		if n == nil {
			return fieldCond{}, false
		}
		id, _ := p.str(n, "processing_item_id")
		// On field names: the fields the item mapped; on detection items: the items it processed.
		return fieldCond{
			name: func(st *state, f string) bool { return f != "" && st.fieldApplied[f][id] },
			item: func(st *state, fm *ast.FieldMatch) bool { return st.itemApplied[fm][id] },
		}, true
	case "processing_state":
		m, ok := parseState(p, ps)
		if !ok {
			return fieldCond{}, false
		}
		return fieldCond{name: func(st *state, f string) bool { return m(st) }}, true
	}
	return fieldCond{}, refuse(p, at, "field name condition", typ, fieldCondNames, nil)
}
