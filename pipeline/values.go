package pipeline

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// valueTransform is a pySigma ValueTransformation: fn returns the replacement values
// of one value, or ok false to keep it.
type valueTransform struct {
	fn func(v ast.Value) (out []ast.Value, ok bool, err error)
}

func (t valueTransform) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		var vals []ast.Value
		changed := false
		for _, v := range fm.Values {
			out, ok, err := t.fn(v)
			if err != nil {
				return result{}, fmt.Errorf("%s: %v", v.Pos, err)
			}
			if !ok {
				vals = append(vals, v)
				continue
			}
			vals = append(vals, out...)
			changed = true
		}
		if changed {
			fm.Values = vals
		}
		return result{changed: changed}, nil
	})
}

func stringValue(s string, pos ast.Pos) ast.Value {
	return ast.Value{Kind: ast.ValString, Pos: pos, Raw: s, Parts: ast.ParseString(s, false)}
}

func numberString(v ast.Value) string {
	if v.Raw != "" {
		if _, err := strconv.ParseFloat(v.Raw, 64); err == nil {
			return v.Raw
		}
	}
	return strconv.FormatFloat(v.Number, 'f', -1, 64)
}

func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// mapString is map_string: a string value (in Sigma notation) replaced by one or several strings.
func (p *parser) mapString(ps *params) transformation {
	n := ps.need("mapping")
	if n == nil {
		return nil
	}
	m := map[string][]string{}
	for _, kv := range p.pairs(n, "mapping") {
		m[kv[0].Value] = p.strList(kv[1], "mapping target")
	}
	return valueTransform{fn: func(v ast.Value) ([]ast.Value, bool, error) {
		if v.Kind != ast.ValString {
			return nil, false, nil
		}
		to, ok := m[v.Pattern()]
		if !ok {
			return nil, false, nil
		}
		out := make([]ast.Value, len(to))
		for i, s := range to {
			out[i] = stringValue(s, v.Pos)
		}
		return out, true, nil
	}}
}

// setValue is set_value: every value replaced by one fixed value.
func (p *parser) setValue(ps *params) transformation {
	n := ps.need("value")
	if n == nil {
		return nil
	}
	raw, ok := p.scalar(n, "value")
	if !ok {
		return nil
	}
	var val ast.Value
	force := ""
	if fn := ps.get("force_type"); fn != nil && !isNull(fn) {
		force, _ = p.str(fn, "force_type")
		if force != "str" && force != "num" {
			p.errf(fn, "invalid force_type %q (str or num)", force)
			return nil
		}
	}
	switch x := raw.(type) {
	case string:
		val = stringValue(x, p.pos(n))
		if force == "num" {
			f, ok := parseNumber(x)
			if !ok {
				p.errf(n, "value %q can't be converted to a number", x)
				return nil
			}
			val = ast.Value{Kind: ast.ValNumber, Pos: p.pos(n), Raw: x, Number: f}
		}
	case float64:
		val = ast.Value{Kind: ast.ValNumber, Pos: p.pos(n), Raw: n.Value, Number: x}
		if force == "str" {
			val = stringValue(n.Value, p.pos(n))
		}
	case bool:
		if force != "" {
			p.errf(n, "force_type is only allowed for string and numeric values")
			return nil
		}
		val = ast.Value{Kind: ast.ValBool, Pos: p.pos(n), Raw: n.Value, Bool: x}
	case nil:
		if force != "" {
			p.errf(n, "force_type is only allowed for string and numeric values")
			return nil
		}
		val = ast.Value{Kind: ast.ValNull, Pos: p.pos(n)}
	}
	return valueTransform{fn: func(ast.Value) ([]ast.Value, bool, error) { return []ast.Value{val}, true, nil }}
}

// convertType is convert_type: numbers to strings or strings to numbers (also inside expansions).
func (p *parser) convertType(ps *params) transformation {
	n := ps.need("target_type")
	if n == nil {
		return nil
	}
	target, _ := p.str(n, "target_type")
	if target != "str" && target != "num" {
		p.errf(n, "invalid target_type %q (str or num)", target)
		return nil
	}
	var conv func(v ast.Value) (ast.Value, bool, error)
	conv = func(v ast.Value) (ast.Value, bool, error) {
		switch {
		case v.Kind == ast.ValExpansion:
			vs := slices.Clone(v.Variants)
			for i := range vs {
				nv, ok, err := conv(vs[i])
				if err != nil {
					return v, false, err
				}
				if ok {
					vs[i] = nv
				}
			}
			v.Variants = vs
			return v, true, nil
		case target == "str" && v.Kind == ast.ValNumber:
			return stringValue(numberString(v), v.Pos), true, nil
		case target == "num" && v.Kind == ast.ValString:
			f, ok := parseNumber(v.Pattern())
			if !ok {
				return v, false, fmt.Errorf("value %q can't be converted to a number (convert_type)", v.Pattern())
			}
			return ast.Value{Kind: ast.ValNumber, Pos: v.Pos, Raw: v.Pattern(), Number: f}, true, nil
		}
		return v, false, nil
	}
	return valueTransform{fn: func(v ast.Value) ([]ast.Value, bool, error) {
		nv, ok, err := conv(v)
		if !ok || err != nil {
			return nil, false, err
		}
		return []ast.Value{nv}, true, nil
	}}
}

// hashesFields is hashes_fields: a Hashes field of "ALGO=value" strings (or "ALGO|value", or a
// bare hash whose length names its algorithm) becomes an OR of one item per algorithm,
// named field_prefix + ALGO (or just field_prefix with drop_algo_prefix), without modifiers.
type hashesFields struct {
	algos     []string
	prefix    string
	dropAlgo  bool
	fields    []string
	lengthsOf map[int]string
}

func (p *parser) hashesFields(ps *params) transformation {
	n := ps.need("valid_hash_algos")
	if n == nil {
		return nil
	}
	t := &hashesFields{algos: p.strList(n, "valid_hash_algos"), fields: []string{"Hashes", "Hash"},
		lengthsOf: map[int]string{32: "MD5", 40: "SHA1", 64: "SHA256", 128: "SHA512"}}
	if v := ps.get("field_prefix"); v != nil {
		t.prefix = p.optStr(v, "field_prefix")
	}
	if v := ps.get("drop_algo_prefix"); v != nil {
		t.dropAlgo = p.boolean(v, "drop_algo_prefix")
	}
	if v := ps.get("field_to_parse"); v != nil {
		t.fields = nil
		if !isNull(v) {
			t.fields = p.strList(v, "field_to_parse")
		}
	}
	return t
}

func (t *hashesFields) split(s string) (algo, value string) {
	var parts []string
	if strings.Contains(s, "|") {
		parts = strings.Split(s, "|")
	} else {
		parts = strings.Split(s, "=")
	}
	if len(parts) == 2 {
		algo = strings.ToUpper(strings.TrimLeft(parts[0], "*"))
		value = strings.Trim(parts[1], "*?")
	} else {
		value = strings.Trim(parts[0], "*?")
		algo = t.lengthsOf[len(value)]
	}
	if !slices.Contains(t.algos, algo) {
		return "", value
	}
	return algo, value
}

func (t *hashesFields) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		if fm.Field == "" || !slices.Contains(t.fields, fm.Field) || len(fm.Values) == 0 {
			return result{}, nil
		}
		for _, v := range fm.Values {
			if v.Kind != ast.ValString {
				return result{}, nil
			}
		}
		var order []string
		byField := map[string][]ast.Value{}
		for _, v := range fm.Values {
			algo, hash := t.split(v.Pattern())
			if algo == "" {
				continue
			}
			name := t.prefix
			if !t.dropAlgo {
				name += algo
			}
			if name == "" {
				continue
			}
			if _, ok := byField[name]; !ok {
				order = append(order, name)
			}
			byField[name] = append(byField[name], stringValue(hash, v.Pos))
		}
		if len(order) == 0 {
			return result{}, fmt.Errorf("%s: no valid hash algorithm found in the %s field; use one of %s", fm.Pos, fm.Field, strings.Join(t.algos, ", "))
		}
		or := &ast.Matcher{Op: ast.MatchAny, Pos: fm.Pos}
		for _, name := range order {
			nf := &ast.FieldMatch{Pos: fm.Pos, Key: name, Field: name, Values: byField[name]}
			or.Items = append(or.Items, &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: nf})
		}
		if len(or.Items) == 1 {
			return result{replace: or.Items[0], changed: true}, nil
		}
		return result{replace: or, changed: true}, nil
	})
}

// extractFields is extract_fields: a value matching a regular expression with named groups
// becomes an AND of one item per non-empty group (field_prefix.group), values typed as
// pySigma types them (null/none/empty, numbers without leading zeros, else strings).
type extractFields struct {
	re        *regexp.Regexp
	prefix    string
	preserve  bool
	groupName []string
}

func (p *parser) extractFields(ps *params) transformation {
	n := ps.need("regex")
	if n == nil {
		return nil
	}
	pat, _ := p.str(n, "regex")
	re := pyRegexp(p, n, pat, "extract_fields")
	if re == nil {
		return nil
	}
	t := &extractFields{re: re, groupName: re.SubexpNames()}
	named := map[string]bool{}
	for _, g := range t.groupName {
		if g == "" {
			continue
		}
		if named[g] {
			p.errf(n, "extract_fields: regular expression %q contains duplicate named groups", pat)
			return nil
		}
		named[g] = true
	}
	if len(named) == 0 {
		p.errf(n, "extract_fields: regular expression %q must contain at least one named group", pat)
		return nil
	}
	if v := ps.get("field_prefix"); v != nil {
		t.prefix = p.optStr(v, "field_prefix")
	}
	if v := ps.get("preserve_unmatched"); v != nil {
		t.preserve = p.boolean(v, "preserve_unmatched")
	}
	return t
}

func extractedValue(s string, pos ast.Pos) ast.Value {
	switch strings.ToLower(s) {
	case "null", "none", "":
		return ast.Value{Kind: ast.ValNull, Pos: pos}
	}
	if s != "0" && strings.HasPrefix(s, "0") {
		return stringValue(s, pos)
	}
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		f, _ := strconv.ParseFloat(s, 64)
		return ast.Value{Kind: ast.ValNumber, Pos: pos, Raw: s, Number: f}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xXpP_") {
		return ast.Value{Kind: ast.ValNumber, Pos: pos, Raw: s, Number: f}
	}
	return stringValue(s, pos)
}

func (t *extractFields) apply(st *state, it *Item, r *ast.Rule) error {
	return eachItem(st, it, r, func(fm *ast.FieldMatch) (result, error) {
		if len(fm.Values) == 0 {
			return result{}, nil
		}
		for _, v := range fm.Values {
			if v.Kind != ast.ValString {
				return result{}, nil
			}
		}
		var per []*ast.Matcher
		for _, v := range fm.Values {
			m := t.re.FindStringSubmatch(v.Pattern())
			if m == nil {
				if t.preserve {
					nf := &ast.FieldMatch{Pos: fm.Pos, Key: fm.Field, Field: fm.Field, Values: []ast.Value{v}}
					per = append(per, &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: nf})
				}
				continue
			}
			and := &ast.Matcher{Op: ast.MatchAll, Pos: fm.Pos}
			for i, g := range t.groupName {
				if g == "" || m[i] == "" {
					continue
				}
				name := g
				if t.prefix != "" {
					name = t.prefix + "." + g
				}
				nf := &ast.FieldMatch{Pos: fm.Pos, Key: name, Field: name, Values: []ast.Value{extractedValue(m[i], v.Pos)}}
				and.Items = append(and.Items, &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: nf})
			}
			if len(and.Items) > 0 {
				per = append(per, and)
			}
		}
		switch len(per) {
		case 0:
			return result{}, nil
		case 1:
			return result{replace: per[0], changed: true}, nil
		}
		op := ast.MatchAny
		if fm.All {
			op = ast.MatchAll
		}
		return result{replace: &ast.Matcher{Op: op, Pos: fm.Pos, Items: per}, changed: true}, nil
	})
}
