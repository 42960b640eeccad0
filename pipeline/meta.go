package pipeline

import (
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// nest is pySigma's nest: the items run as a nested pipeline when the enclosing item's
// rule conditions hold. As in pySigma, the nested pipeline starts with an empty state,
// and its state and field name records are merged into the enclosing one afterwards.
type nest struct{ items []*Item }

func (p *parser) nest(ps *params) transformation {
	n := ps.need("items")
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "nest: items must be a list of processing items, found %s", kind(n))
		return nil
	}
	t := &nest{}
	for _, in := range n.Content {
		if it := p.item(in); it != nil {
			t.items = append(t.items, it)
		}
	}
	return t
}

func (t *nest) apply(st *state, it *Item, r *ast.Rule) error {
	sub := &state{chain: st.chain, refs: st.refs, vals: map[string]any{}, itemApplied: st.itemApplied,
		fieldApplied: map[string]map[string]bool{}, mapped: st.mapped}
	err := runItems(sub, t.items, r)
	st.warnings = append(st.warnings, sub.warnings...)
	for k, v := range sub.vals {
		st.vals[k] = v
	}
	for k, v := range sub.fieldApplied {
		st.fieldApplied[k] = v
	}
	for k := range sub.mapped {
		st.addMapping(k, nil)
	}
	st.item = it
	return err
}

// caseValues is case with method lower, upper or snake_case, on the literal parts of strings.
type caseValues struct{ method string }

// snakeCase is pySigma's snake_case of one literal part: "_" before every ASCII capital
// but the part's first character, then lower case.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

func (c caseValues) apply(st *state, it *Item, r *ast.Rule) error {
	return valueTransform{fn: func(v ast.Value) ([]ast.Value, bool, error) {
		if v.Kind != ast.ValString {
			return nil, false, nil
		}
		parts := make([]ast.StringPart, len(v.Parts))
		for i, p := range v.Parts {
			if p.Kind == ast.PartLit {
				switch c.method {
				case "upper":
					p.Text = strings.ToUpper(p.Text)
				case "snake_case":
					p.Text = snakeCase(p.Text)
				default:
					p.Text = strings.ToLower(p.Text)
				}
			}
			parts[i] = p
		}
		v.Parts = parts
		return []ast.Value{v}, true, nil
	}}.apply(st, it, r)
}

// toRegex is the regex transformation: strings become regular expressions.
type toRegex struct{ method string }

// pyEscape is Python's re.escape (3.7 and later).
func pyEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (t toRegex) apply(st *state, it *Item, r *ast.Rule) error {
	return valueTransform{fn: func(v ast.Value) ([]ast.Value, bool, error) {
		if v.Kind != ast.ValString {
			return nil, false, nil
		}
		if len(v.Parts) == 0 { // pySigma keeps an empty string as it is
			return []ast.Value{v}, true, nil
		}
		var b strings.Builder
		for _, p := range v.Parts {
			switch p.Kind {
			case ast.PartLit:
				if t.method != "ignore_case_brackets" {
					b.WriteString(pyEscape(p.Text))
					continue
				}
				for _, c := range p.Text {
					if unicode.IsLetter(c) {
						b.WriteString("[" + strings.ToLower(string(c)) + strings.ToUpper(string(c)) + "]")
					} else {
						b.WriteString(pyEscape(string(c)))
					}
				}
			case ast.PartStar:
				b.WriteString(".*")
			case ast.PartQuestion:
				b.WriteString(".")
			case ast.PartPlaceholder:
				return nil, false, errPlaceholder(p.Text)
			}
		}
		nv := ast.Value{Kind: ast.ValRegex, Pos: v.Pos, Raw: v.Raw, Regex: b.String()}
		if t.method == "ignore_case_flag" {
			nv.Flags = "i"
		}
		return []ast.Value{nv}, true, nil
	}}.apply(st, it, r)
}

type errPlaceholder string

func (e errPlaceholder) Error() string {
	return "placeholder '" + string(e) + "' can't be converted to a regular expression; resolve it with a placeholder transformation before"
}
