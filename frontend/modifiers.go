package frontend

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

type modClass int

const (
	modTransform modClass = iota // changes string values: contains, base64, windash, ...
	modFlag                      // changes how values combine or compare: all, cased, neq
	modType                      // gives values another type: re, cidr, lt.., exists, fieldref
	modRegexFlag                 // i, m, s after re
	modTime                      // minute, hour, ... extract a number from a date
)

// Modifiers lists every value modifier rulec knows, with its class.
var modifiers = map[string]modClass{
	"contains": modTransform, "startswith": modTransform, "endswith": modTransform,
	"base64": modTransform, "base64offset": modTransform,
	"utf16le": modTransform, "utf16be": modTransform, "utf16": modTransform, "wide": modTransform,
	"windash": modTransform, "expand": modTransform,
	"all": modFlag, "cased": modFlag, "neq": modFlag,
	"re": modType, "cidr": modType, "exists": modType, "fieldref": modType,
	"lt": modType, "lte": modType, "gt": modType, "gte": modType,
	"i": modRegexFlag, "m": modRegexFlag, "s": modRegexFlag,
	"ignorecase": modRegexFlag, "multiline": modRegexFlag, "dotall": modRegexFlag,
	"minute": modTime, "hour": modTime, "day": modTime, "week": modTime, "month": modTime, "year": modTime,
}

// KnownModifiers returns the names of all supported value modifiers.
func KnownModifiers() []string {
	out := make([]string, 0, len(modifiers))
	for m := range modifiers {
		out = append(out, m)
	}
	return out
}

var regexFlagLetter = map[string]string{"i": "i", "ignorecase": "i", "m": "m", "multiline": "m", "s": "s", "dotall": "s"}

// maxVariants bounds the expansion of windash and base64offset per value.
const maxVariants = 4096

// buildFieldMatch applies the modifier chain to the values of one detection item.
func (d *decoder) buildFieldMatch(k *yaml.Node, field string, mods []ast.Modifier, v *yaml.Node) *ast.FieldMatch {
	fm := &ast.FieldMatch{Pos: d.pos(k), Key: k.Value, Field: field, Modifiers: mods}
	bad := func(p ast.Pos, format string, args ...any) *ast.FieldMatch {
		d.diagAt(p, ast.SeverityError, "modifier", fmt.Sprintf(format, args...))
		return nil
	}
	var typeMod, timeMod string
	var flags strings.Builder
	seen := map[string]bool{}
	transforms := []ast.Modifier{}
	for i, m := range mods {
		class, ok := modifiers[m.Name]
		switch {
		case m.Name == "":
			return bad(m.Pos, "empty modifier in %q", k.Value)
		case !ok:
			return bad(m.Pos, "unknown modifier %q", m.Name)
		case seen[m.Name]:
			return bad(m.Pos, "modifier %q is given twice", m.Name)
		}
		seen[m.Name] = true
		switch class {
		case modTransform:
			if typeMod != "" && typeMod != "re" && !(typeMod == "fieldref" && isAnchor(m.Name)) {
				return bad(m.Pos, "modifier %q cannot follow %q", m.Name, typeMod)
			}
			if typeMod == "re" && !isAnchor(m.Name) && m.Name != "expand" {
				return bad(m.Pos, "modifier %q cannot be applied to a regular expression", m.Name)
			}
			if timeMod != "" {
				return bad(m.Pos, "modifier %q cannot follow time modifier %q", m.Name, timeMod)
			}
			transforms = append(transforms, m)
		case modType:
			if typeMod != "" {
				return bad(m.Pos, "modifier %q cannot be combined with %q", m.Name, typeMod)
			}
			isCompare := m.Name == "lt" || m.Name == "lte" || m.Name == "gt" || m.Name == "gte"
			if len(transforms) > 0 && m.Name != "fieldref" {
				return bad(m.Pos, "modifier %q must come before %q", m.Name, transforms[0].Name)
			}
			if timeMod != "" && !isCompare {
				return bad(m.Pos, "modifier %q cannot follow time modifier %q", m.Name, timeMod)
			}
			if len(transforms) > 0 {
				return bad(m.Pos, "modifier fieldref must come before %q", transforms[0].Name)
			}
			typeMod = m.Name
		case modRegexFlag:
			if typeMod != "re" {
				return bad(m.Pos, "regular expression flag %q needs the re modifier before it", m.Name)
			}
			flags.WriteString(regexFlagLetter[m.Name])
		case modTime:
			if timeMod != "" || typeMod != "" || len(transforms) > 0 {
				return bad(m.Pos, "time modifier %q must be the first value modifier", m.Name)
			}
			timeMod = m.Name
		case modFlag:
			switch m.Name {
			case "all":
				fm.All = true
			case "neq":
				fm.Negate = true
			case "cased":
				fm.Cased = true
			}
		}
		_ = i
	}
	if fm.Cased && typeMod != "" && typeMod != "fieldref" {
		return bad(fm.Pos, "modifier cased cannot be combined with %q (use the i flag of re for case-insensitive regular expressions)", typeMod)
	}
	if field == "" && (typeMod == "exists" || typeMod == "fieldref" || timeMod != "" || isCompareMod(typeMod)) {
		return bad(fm.Pos, "modifier %q needs a field name", firstNonEmpty(typeMod, timeMod))
	}
	fm.TimePart = timeMod

	// Collect the raw scalar values.
	v = resolveAlias(v)
	var raws []*yaml.Node
	switch {
	case v == nil:
		return bad(fm.Pos, "missing value")
	case v.Kind == yaml.ScalarNode:
		raws = []*yaml.Node{v}
	case v.Kind == yaml.SequenceNode:
		for _, it := range v.Content {
			it = resolveAlias(it)
			if it == nil || it.Kind != yaml.ScalarNode {
				d.errorf(it, "structure", "values of %q must be scalars, found %s", k.Value, kindName(it))
				return nil
			}
			raws = append(raws, it)
		}
		if len(raws) == 0 {
			if field == "" {
				d.errorf(v, "structure", "keyword list is empty")
				return nil
			}
			// pySigma reads an empty list as null.
			raws = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!null", Line: v.Line, Column: v.Column}}
		}
	default:
		d.errorf(v, "structure", "value of %q must be a scalar or a list of scalars, found %s", k.Value, kindName(v))
		return nil
	}

	fm.Values = make([]ast.Value, 0, len(raws))
	for _, raw := range raws {
		val, ok := d.value(raw, fm, typeMod, flags.String(), transforms)
		if !ok {
			return nil
		}
		fm.Values = append(fm.Values, val)
	}
	return fm
}

func isAnchor(m string) bool { return m == "contains" || m == "startswith" || m == "endswith" }

func isCompareMod(m string) bool { return m == "lt" || m == "lte" || m == "gt" || m == "gte" }

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// scalarKind classifies an untagged YAML scalar the way a YAML 1.1 loader (pySigma) types it.
func scalarKind(n *yaml.Node) string {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "str"
	}
	switch n.Tag {
	case "!!null":
		return "null"
	case "!!bool":
		return "bool"
	case "!!int", "!!float":
		return "number"
	}
	if _, ok := parseBool(n.Value); ok && n.Tag == "!!str" {
		return "bool"
	}
	return "str"
}

// value builds one typed value.
func (d *decoder) value(n *yaml.Node, fm *ast.FieldMatch, typeMod, reFlags string, transforms []ast.Modifier) (ast.Value, bool) {
	p := d.pos(n)
	kind := scalarKind(n)
	val := ast.Value{Pos: p, Raw: n.Value}
	fail := func(format string, args ...any) (ast.Value, bool) {
		d.diagAt(p, ast.SeverityError, "value", fmt.Sprintf(format, args...))
		return val, false
	}
	if kind == "null" {
		if typeMod != "" || len(transforms) > 0 || fm.TimePart != "" {
			return fail("null cannot be used with modifiers")
		}
		val.Raw = ""
		val.Kind = ast.ValNull
		return val, true
	}
	switch typeMod {
	case "exists":
		b, ok := parseBool(n.Value)
		if kind == "str" || !ok {
			return fail("exists needs true or false, found %q", n.Value)
		}
		val.Kind, val.Bool = ast.ValExists, b
		return val, true
	case "lt", "lte", "gt", "gte":
		num, ok := number(n)
		if !ok || kind == "bool" {
			return fail("%s needs a number, found %q", typeMod, n.Value)
		}
		if fm.TimePart != "" {
			num = math.Trunc(num)
		}
		val.Kind, val.Op, val.Number = ast.ValCompare, ast.CompareOp(typeMod), num
		return val, true
	case "cidr":
		s := strings.TrimSpace(n.Value)
		var prefix netip.Prefix
		var err error
		if strings.Contains(s, "/") {
			prefix, err = netip.ParsePrefix(s)
		} else {
			var addr netip.Addr
			addr, err = netip.ParseAddr(s)
			if err == nil {
				prefix = netip.PrefixFrom(addr, addr.BitLen())
			}
		}
		if err != nil {
			return fail("invalid CIDR network %q", n.Value)
		}
		if prefix.Masked() != prefix {
			return fail("CIDR network %q has host bits set (did you mean %s?)", n.Value, prefix.Masked())
		}
		val.Kind, val.CIDR = ast.ValCIDR, prefix.String()
		return val, true
	case "fieldref":
		if kind != "str" || n.Value == "" {
			return fail("fieldref needs a field name, found %q", n.Value)
		}
		val.Kind, val.Ref = ast.ValFieldRef, n.Value
		for _, t := range transforms {
			val.RefMatch = t.Name
		}
		return val, true
	case "re":
		if n.Value == "" {
			return fail("empty regular expression")
		}
		val.Kind, val.Regex, val.Flags = ast.ValRegex, n.Value, reFlags
		for _, t := range transforms {
			switch t.Name {
			case "startswith":
				val.Regex = "^(?:" + val.Regex + ")"
			case "endswith":
				val.Regex = "(?:" + val.Regex + ")$"
			}
		}
		return val, true
	}
	if fm.TimePart != "" {
		num, ok := number(n)
		if !ok || kind != "number" {
			return fail("time modifier %s needs a number, found %q", fm.TimePart, n.Value)
		}
		val.Kind, val.Number = ast.ValNumber, math.Trunc(num)
		return val, true
	}
	if len(transforms) == 0 {
		switch kind {
		case "bool":
			val.Kind, val.Bool = ast.ValBool, strings.EqualFold(n.Value, "true") || strings.EqualFold(n.Value, "yes") || strings.EqualFold(n.Value, "on")
			return val, true
		case "number":
			if num, ok := number(n); ok {
				val.Kind, val.Number = ast.ValNumber, num
				return val, true
			}
		}
	}
	// String pipeline.
	expand := false
	for _, t := range transforms {
		expand = expand || t.Name == "expand"
	}
	variants := [][]ast.StringPart{ast.ParseString(n.Value, expand)}
	var charged int64 // variants of this value already charged to the budgets
	for _, t := range transforms {
		// Count the variants this step makes before building any of them.
		need := 0
		for _, parts := range variants {
			need += transformCount(t.Name, parts)
			if need > maxVariants {
				break
			}
		}
		if need > maxVariants {
			d.diagAt(t.Pos, ast.SeverityError, "modifier", fmt.Sprintf("modifier %s expands %q into more than %d variants", t.Name, n.Value, maxVariants))
			return val, false
		}
		if need > 1 {
			if !d.spend(int64(need)-charged, p, t.Name) {
				return val, false
			}
			charged = int64(need)
		}
		next := make([][]ast.StringPart, 0, need)
		for _, parts := range variants {
			out, err := applyTransform(t.Name, parts)
			if err != nil {
				d.diagAt(t.Pos, ast.SeverityError, "modifier", err.Error())
				return val, false
			}
			next = append(next, out...)
		}
		variants = next
	}
	if len(variants) == 1 {
		val.Kind, val.Parts = ast.ValString, variants[0]
		return val, true
	}
	val.Kind = ast.ValExpansion
	val.Variants = make([]ast.Value, 0, len(variants))
	for _, parts := range variants {
		val.Variants = append(val.Variants, ast.Value{Kind: ast.ValString, Pos: p, Parts: parts})
	}
	return val, true
}

// transformCount is the number of variants applyTransform makes of parts, without
// making them (at most maxVariants+1).
func transformCount(name string, parts []ast.StringPart) int {
	switch name {
	case "base64offset":
		return 3
	case "windash":
		total := 1
		for _, p := range parts {
			if p.Kind != ast.PartLit {
				continue
			}
			for range windashRe.FindAllStringIndex(p.Text, maxWindashSlots) {
				total *= len(windashChars)
				if total > maxVariants {
					return maxVariants + 1
				}
			}
		}
		return total
	}
	return 1
}

// maxWindashSlots bounds the flag dashes looked for in one part (5^6 > maxVariants).
const maxWindashSlots = 8

// spend charges n variants of the value at p to the rule's and the load's expansion
// budgets; over either, the rule fails with a "modifier" error naming the budget
// (once per rule) and spend returns false.
func (d *decoder) spend(n int64, p ast.Pos, mod string) bool {
	if d.ruleOver {
		return false
	}
	b := d.budgets
	switch {
	case d.ruleVariants+n > b.rule:
		d.ruleOver = true
		d.diagAt(p, ast.SeverityError, "modifier", fmt.Sprintf("modifier %s: the rule's values expand into more than %d variants (per-rule expansion budget, MaxRuleVariants); the rule is not loaded", mod, b.rule))
		return false
	case b.loadUsed.Add(n) > b.load:
		b.loadUsed.Add(-n)
		d.ruleOver = true
		d.diagAt(p, ast.SeverityError, "modifier", fmt.Sprintf("modifier %s: the loaded rules' values expand into more than %d variants (per-load expansion budget, MaxLoadVariants); this rule is not loaded", mod, b.load))
		return false
	}
	d.ruleVariants += n
	return true
}

// applyTransform applies one transformation modifier to one string pattern.
func applyTransform(name string, parts []ast.StringPart) ([][]ast.StringPart, error) {
	one := func(p []ast.StringPart) ([][]ast.StringPart, error) { return [][]ast.StringPart{p}, nil }
	switch name {
	case "contains":
		return one(withWildcards(parts, true, true))
	case "startswith":
		return one(withWildcards(parts, false, true))
	case "endswith":
		return one(withWildcards(parts, true, false))
	case "expand":
		return one(parts)
	case "utf16le", "wide":
		return one(mapLiterals(parts, func(s string) string { return encodeUTF16(s, false) }))
	case "utf16be":
		return one(mapLiterals(parts, func(s string) string { return encodeUTF16(s, true) }))
	case "utf16":
		out := mapLiterals(parts, func(s string) string { return encodeUTF16(s, false) })
		return one(append([]ast.StringPart{{Kind: ast.PartLit, Text: "\xff\xfe"}}, out...))
	case "base64", "base64offset":
		if !plainParts(parts) {
			return nil, fmt.Errorf("modifier %s cannot encode a value with wildcards or placeholders (put contains/startswith/endswith after it)", name)
		}
		s := literal(parts)
		if name == "base64" {
			return one(literalParts(base64.StdEncoding.EncodeToString([]byte(s))))
		}
		var out [][]ast.StringPart
		for _, v := range Base64Offsets(s) {
			out = append(out, literalParts(v))
		}
		return out, nil
	case "windash":
		return windash(parts), nil
	}
	return nil, fmt.Errorf("unknown modifier %q", name)
}

func plainParts(parts []ast.StringPart) bool {
	for _, p := range parts {
		if p.Kind != ast.PartLit {
			return false
		}
	}
	return true
}

func literal(parts []ast.StringPart) string {
	v := ast.Value{Parts: parts}
	return v.Literal()
}

// encodeUTF16 encodes a string as UTF-16 (little or big endian) bytes.
func encodeUTF16(s string, bigEndian bool) string {
	units := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// Base64Offsets returns the three base64 forms of s that appear inside a longer
// base64 text whatever s's offset (0, 1 or 2 bytes), as pySigma computes them.
func Base64Offsets(s string) []string {
	starts := [3]int{0, 2, 3}
	ends := [3]int{0, -3, -2}
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc) + ends[(len(s)+i)%3]
		start := starts[i]
		if end < start {
			end = start
		}
		out = append(out, enc[start:end])
	}
	return out
}

// windashRe finds `-` or `/` that start a command-line flag (pySigma's `\B[-/]\b`).
var windashRe = regexp.MustCompile(`\B[-/]\b`)

// windashChars are the characters windash substitutes for each other.
var windashChars = [...]string{"-", "/", "\u2013", "\u2014", "\u2015"}

// WindashChars returns the characters windash substitutes for each other (a fresh copy).
func WindashChars() []string { return append([]string(nil), windashChars[:]...) }

// windash expands every flag dash into all five dash characters (cartesian product).
func windash(parts []ast.StringPart) [][]ast.StringPart {
	type slot struct{ part, off int }
	var slots []slot
	for i, p := range parts {
		if p.Kind != ast.PartLit {
			continue
		}
		for _, loc := range windashRe.FindAllStringIndex(p.Text, -1) {
			slots = append(slots, slot{i, loc[0]})
		}
	}
	if len(slots) == 0 {
		return [][]ast.StringPart{parts}
	}
	total := 1
	for range slots {
		total *= len(windashChars)
		if total > maxVariants {
			break
		}
	}
	var out [][]ast.StringPart
	for n := 0; n < total && n <= maxVariants; n++ {
		choice := n
		repl := map[int]map[int]string{}
		for _, s := range slots {
			if repl[s.part] == nil {
				repl[s.part] = map[int]string{}
			}
			repl[s.part][s.off] = windashChars[choice%len(windashChars)]
			choice /= len(windashChars)
		}
		variant := make([]ast.StringPart, len(parts))
		for i, p := range parts {
			if r, ok := repl[i]; ok {
				var b strings.Builder
				for j := 0; j < len(p.Text); j++ {
					if c, ok := r[j]; ok {
						b.WriteString(c)
					} else {
						b.WriteByte(p.Text[j])
					}
				}
				p.Text = b.String()
			}
			variant[i] = p
		}
		out = append(out, variant)
	}
	return out
}

// formatNumber renders a number the way it is written in rules.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
