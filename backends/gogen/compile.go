package gogen

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/abi"
)

// compiler turns detection sections into expressions over interned predicates.
// It mirrors engine/compile.go and engine/values.go value by value.
type compiler struct {
	preds        *predTable
	fields       map[string]int32
	placeholders map[string][]string
}

func (c *compiler) field(name string) int32 {
	id, ok := c.fields[name]
	if !ok {
		// The field table is collected before compiling; a miss is a bug of this package.
		panic(fmt.Sprintf("gogen: field %q was not collected", name))
	}
	return id
}

// detection compiles the searches the condition uses and the condition.
// It returns the search expressions by name and the condition over search calls.
func (c *compiler) detection(d *ast.Detection, searchFunc func(i int) string) (map[int]*expr, *expr, error) {
	if d == nil || d.Condition == nil {
		return nil, nil, fmt.Errorf("rule has no detection condition")
	}
	index := map[string]int{}
	for i, s := range d.Searches {
		index[s.Name] = i
	}
	used := map[int]*expr{}
	var cond func(e *ast.Expr) (*expr, error)
	cond = func(e *ast.Expr) (*expr, error) {
		switch e.Op {
		case ast.ExprRef:
			i, ok := index[e.Name]
			if !ok {
				return nil, fmt.Errorf("condition references unknown search %q", e.Name)
			}
			if _, done := used[i]; !done {
				body, err := c.matcher(d.Searches[i].Body)
				if err != nil {
					return nil, err
				}
				used[i] = body
			}
			return callExpr(searchFunc(i)), nil
		case ast.ExprConst:
			return constExpr(e.Value), nil
		case ast.ExprNot:
			if len(e.Args) != 1 {
				return nil, fmt.Errorf("malformed not in condition")
			}
			a, err := cond(e.Args[0])
			if err != nil {
				return nil, err
			}
			return notExpr(a), nil
		case ast.ExprAnd, ast.ExprOr:
			args := make([]*expr, 0, len(e.Args))
			for _, x := range e.Args {
				a, err := cond(x)
				if err != nil {
					return nil, err
				}
				args = append(args, a)
			}
			if e.Op == ast.ExprAnd {
				return andExpr(args...), nil
			}
			return orExpr(args...), nil
		}
		return nil, fmt.Errorf("unknown condition operator %q", e.Op)
	}
	top, err := cond(d.Condition)
	if err != nil {
		return nil, nil, err
	}
	return used, top, nil
}

func (c *compiler) matcher(m *ast.Matcher) (*expr, error) {
	if m == nil {
		return nil, fmt.Errorf("empty search")
	}
	switch m.Op {
	case ast.MatchField:
		if m.Field == nil {
			return nil, fmt.Errorf("%s: field matcher without item", m.Pos)
		}
		return c.fieldMatch(m.Field)
	case ast.MatchAll, ast.MatchAny:
		args := make([]*expr, 0, len(m.Items))
		for _, it := range m.Items {
			a, err := c.matcher(it)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		if m.Op == ast.MatchAll {
			return andExpr(args...), nil
		}
		return orExpr(args...), nil
	}
	return nil, fmt.Errorf("%s: unknown matcher %q", m.Pos, m.Op)
}

// fieldMatch compiles one detection item: its values OR-ed (AND-ed with all), negated with neq.
func (c *compiler) fieldMatch(f *ast.FieldMatch) (*expr, error) {
	args := make([]*expr, 0, len(f.Values))
	for i := range f.Values {
		var a *expr
		var err error
		if f.IsKeyword() {
			a, err = c.keyword(&f.Values[i], f.Cased)
		} else {
			a, err = c.value(&f.Values[i], f)
		}
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	e := orExpr(args...)
	if f.All {
		e = andExpr(args...)
	}
	if f.Negate {
		e = notExpr(e)
	}
	return e, nil
}

func (c *compiler) call(key string, p *pred) *expr {
	return &expr{op: 'c', pred: c.preds.intern(key, p)}
}

// value compiles one typed value of a field item.
func (c *compiler) value(v *ast.Value, f *ast.FieldMatch) (*expr, error) {
	fid := c.field(f.Field)
	if f.TimePart != "" {
		op := ast.OpEQ
		switch v.Kind {
		case ast.ValNumber:
		case ast.ValCompare:
			op = v.Op
		default:
			return nil, fmt.Errorf("%s: time modifier %s needs a number, found %s", v.Pos, f.TimePart, v.Kind)
		}
		key := fmt.Sprintf("time|%d|%q|%s|%v", fid, f.TimePart, op, v.Number)
		return c.call(key, &pred{kind: predTime, field: fid, part: f.TimePart, cmp: op, n: v.Number}), nil
	}
	switch v.Kind {
	case ast.ValString:
		variants := c.expandPlaceholders(v.Parts)
		alts := make([]*expr, len(variants))
		for i, parts := range variants {
			alts[i] = c.pattern(fid, parts, f.Cased)
		}
		return orExpr(alts...), nil
	case ast.ValNumber:
		t1 := strconv.FormatFloat(v.Number, 'f', -1, 64)
		t2 := ""
		if raw := engine.Lower(strings.TrimSpace(v.Raw)); raw != "" && raw != t1 {
			t2 = raw
		}
		key := fmt.Sprintf("num|%d|%v|%q|%q", fid, v.Number, t1, t2)
		return c.call(key, &pred{kind: predNumber, field: fid, n: v.Number, t1: t1, t2: t2}), nil
	case ast.ValBool:
		return c.call(fmt.Sprintf("bool|%d|%v", fid, v.Bool), &pred{kind: predBool, field: fid, bval: v.Bool}), nil
	case ast.ValNull:
		return c.call(fmt.Sprintf("null|%d", fid), &pred{kind: predNull, field: fid}), nil
	case ast.ValRegex:
		src, err := regexSource(v)
		if err != nil {
			return nil, err
		}
		return c.call(fmt.Sprintf("re|%d|%q", fid, src), &pred{kind: predRegex, field: fid, a: src, guard: regexGuard(src)}), nil
	case ast.ValCIDR:
		p, err := netip.ParsePrefix(v.CIDR)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid CIDR network %q: %v", v.Pos, v.CIDR, err)
		}
		src := p.Masked().String()
		return c.call(fmt.Sprintf("cidr|%d|%q", fid, src), &pred{kind: predCIDR, field: fid, a: src}), nil
	case ast.ValCompare:
		key := fmt.Sprintf("cmp|%d|%s|%v", fid, v.Op, v.Number)
		return c.call(key, &pred{kind: predCompare, field: fid, cmp: v.Op, n: v.Number}), nil
	case ast.ValExists:
		return c.call(fmt.Sprintf("exists|%d|%v", fid, v.Bool), &pred{kind: predExists, field: fid, bval: v.Bool}), nil
	case ast.ValFieldRef:
		ref := c.field(v.Ref)
		key := fmt.Sprintf("ref|%d|%d|%q|%v", fid, ref, v.RefMatch, f.Cased)
		return c.call(key, &pred{kind: predFieldRef, field: fid, ref: ref, a: v.RefMatch, cased: f.Cased}), nil
	case ast.ValExpansion:
		alts := make([]*expr, 0, len(v.Variants))
		for i := range v.Variants {
			a, err := c.value(&v.Variants[i], f)
			if err != nil {
				return nil, err
			}
			alts = append(alts, a)
		}
		return orExpr(alts...), nil
	}
	return nil, fmt.Errorf("%s: unsupported value kind %q", v.Pos, v.Kind)
}

// keyword compiles one keyword value: found anywhere in a value of the event.
func (c *compiler) keyword(v *ast.Value, cased bool) (*expr, error) {
	switch v.Kind {
	case ast.ValString:
		variants := c.expandPlaceholders(v.Parts)
		alts := make([]*expr, len(variants))
		for i, parts := range variants {
			alts[i] = c.keywordPattern(abi.ContainsParts(parts), cased)
		}
		return orExpr(alts...), nil
	case ast.ValNumber, ast.ValBool:
		return c.keywordPattern(abi.ContainsParts([]ast.StringPart{{Kind: ast.PartLit, Text: v.String()}}), cased), nil
	case ast.ValRegex:
		src, err := regexSource(v)
		if err != nil {
			return nil, err
		}
		return c.call(fmt.Sprintf("kw|re|%q", src), &pred{kind: predKeyword, kwKind: predRegex, a: src, guard: regexGuard(src)}), nil
	case ast.ValExpansion:
		alts := make([]*expr, 0, len(v.Variants))
		for i := range v.Variants {
			a, err := c.keyword(&v.Variants[i], cased)
			if err != nil {
				return nil, err
			}
			alts = append(alts, a)
		}
		return orExpr(alts...), nil
	}
	return nil, fmt.Errorf("%s: a keyword cannot be a %s value", v.Pos, v.Kind)
}

// regexGuard returns the lowered literals of which every match of the
// expression contains one (abi.RegexGuard, as the interpreter checks), or nil.
func regexGuard(src string) []string { return abi.RegexGuard(src) }

// regexSource returns the regular expression with its flags, checked with RE2.
func regexSource(v *ast.Value) (string, error) {
	src := v.Regex
	if v.Flags != "" {
		src = "(?" + v.Flags + ")" + src
	}
	if _, err := regexp.Compile(src); err != nil {
		return "", fmt.Errorf("%s: regular expression %q is not supported by the Go (RE2) engine: %v", v.Pos, v.Regex, err)
	}
	return src, nil
}

// shape is a string pattern normalised as engine.CompilePattern does.
type shape struct {
	op   abi.StrOp
	glob bool
	a, b string
}

// normalize classifies a pattern's shape exactly as the interpreter does
// (abi.NormalizePattern, abi.PatternShape).
func normalize(parts []ast.StringPart, cased bool) shape {
	op, a, b, glob := abi.PatternShape(abi.NormalizePattern(parts, cased))
	return shape{op: op, a: a, b: b, glob: glob}
}

// sigmaString renders parts in Sigma notation that engine.ParseSigmaString
// reads back exactly: every backslash, `*` and `?` of a literal is escaped.
func sigmaString(parts []ast.StringPart) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ast.PartLit:
			for i := 0; i < len(p.Text); i++ {
				if ch := p.Text[i]; ch == '\\' || ch == '*' || ch == '?' {
					b.WriteByte('\\')
				}
				b.WriteByte(p.Text[i])
			}
		case ast.PartQuestion:
			b.WriteByte('?')
		default: // star, and placeholders left unresolved
			b.WriteByte('*')
		}
	}
	return b.String()
}

// pattern compiles a string pattern on a field.
func (c *compiler) pattern(fid int32, parts []ast.StringPart, cased bool) *expr {
	sh := normalize(parts, cased)
	if sh.glob {
		src := sigmaString(parts)
		return c.call(fmt.Sprintf("glob|%d|%v|%q", fid, cased, src), &pred{kind: predGlob, field: fid, cased: cased, a: src})
	}
	key := fmt.Sprintf("str|%d|%v|%d|%q|%q", fid, cased, sh.op, sh.a, sh.b)
	return c.call(key, &pred{kind: predStr, field: fid, cased: cased, op: sh.op, a: sh.a, b: sh.b})
}

// keywordPattern compiles a keyword pattern (already surrounded by `*`).
func (c *compiler) keywordPattern(parts []ast.StringPart, cased bool) *expr {
	sh := normalize(parts, cased)
	if sh.glob {
		src := sigmaString(parts)
		return c.call(fmt.Sprintf("kw|glob|%v|%q", cased, src), &pred{kind: predKeyword, kwKind: predGlob, cased: cased, a: src})
	}
	key := fmt.Sprintf("kw|str|%v|%d|%q|%q", cased, sh.op, sh.a, sh.b)
	return c.call(key, &pred{kind: predKeyword, kwKind: predStr, cased: cased, op: sh.op, a: sh.a, b: sh.b})
}

// expandPlaceholders replaces %name% placeholders by the profile's values exactly
// as the interpreter does (engine.ExpandPlaceholders); a value with no variant
// matches nothing (engine.NewRuleset reports it with a warning).
func (c *compiler) expandPlaceholders(parts []ast.StringPart) [][]ast.StringPart {
	out, _ := engine.ExpandPlaceholders(parts, c.placeholders)
	return out
}
