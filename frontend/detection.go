package frontend

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend/condition"
)

func (d *decoder) detection(n *yaml.Node) *ast.Detection {
	det := &ast.Detection{Pos: d.pos(n)}
	pairs, ok := d.mapping(n, "detection")
	if !ok {
		det.Condition = ast.Const(false)
		return det
	}
	var condNode *yaml.Node
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "condition":
			condNode = v
		case "timeframe":
			d.warnf(k, "legacy-timeframe", "detection timeframe is Sigma 1.0 aggregation syntax and is ignored; use a correlation rule")
		default:
			if body := d.searchBody(v, 0); body != nil {
				det.Searches = append(det.Searches, &ast.Search{Name: k.Value, Pos: d.pos(k), Body: body})
			}
		}
	}
	names := make([]string, len(det.Searches))
	for i, s := range det.Searches {
		names[i] = s.Name
	}
	if condNode == nil {
		d.errorf(n, "missing-condition", "detection has no condition")
		det.Condition = ast.Const(false)
		return det
	}
	var condNodes []*yaml.Node
	if c := resolveAlias(condNode); c != nil && c.Kind == yaml.SequenceNode {
		condNodes = c.Content
		if len(condNodes) == 0 {
			d.errorf(c, "missing-condition", "condition list is empty")
		}
	} else {
		condNodes = []*yaml.Node{c}
	}
	var exprs []*ast.Expr
	for _, cn := range condNodes {
		text := d.str(cn, "condition")
		cn = resolveAlias(cn)
		if cn == nil || cn.Kind != yaml.ScalarNode {
			continue
		}
		src := &ast.CondSource{Text: text, Pos: d.pos(cn)}
		tree, err := condition.Parse(text, d.condPos(cn))
		if err != nil {
			ce := err.(*condition.Error)
			d.diagAt(d.condPos(cn)(ce.Line, ce.Col), ast.SeverityError, "condition-syntax", ce.Msg)
			continue
		}
		src.Tree = tree
		det.Conditions = append(det.Conditions, src)
		exprs = append(exprs, condition.Lower(tree, names, func(p ast.Pos, code, msg string) {
			sev := ast.SeverityError
			if code == "dangling-pattern" {
				sev = ast.SeverityWarning
			}
			d.diagAt(p, sev, code, msg)
		}))
	}
	det.Condition = ast.Or(exprs...)
	return det
}

// condPos maps a position inside a condition scalar to the file.
func (d *decoder) condPos(n *yaml.Node) func(line, col int) ast.Pos {
	quoted := 0
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		quoted = 1
	}
	block := n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	return func(line, col int) ast.Pos {
		switch {
		case block:
			// Block scalars start on the line after the indicator, at the content's indentation.
			return ast.Pos{File: d.file, Line: n.Line + line, Col: d.indent(n.Line+1) + col - 1}
		case line == 1:
			return ast.Pos{File: d.file, Line: n.Line, Col: n.Column + quoted + col - 1}
		}
		return ast.Pos{File: d.file, Line: n.Line + line - 1, Col: col}
	}
}

// indent returns the 1-based column of the first non-blank character of a source line.
func (d *decoder) indent(line int) int {
	if d.lineStarts == nil {
		d.lineStarts = []int{0}
		for i := 0; i < len(d.src); i++ {
			if d.src[i] == '\n' {
				d.lineStarts = append(d.lineStarts, i+1)
			}
		}
	}
	if line < 1 || line > len(d.lineStarts) {
		return 1
	}
	rest := d.src[d.lineStarts[line-1]:]
	return len(rest) - len(strings.TrimLeft(rest, " \t")) + 1
}

// searchBody decodes a search identifier's value: a map (AND), a list of maps (OR) or keywords.
func (d *decoder) searchBody(n *yaml.Node, depth int) *ast.Matcher {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		pairs, _ := d.mapping(n, "a search")
		if len(pairs) == 0 {
			d.errorf(n, "empty-search", "search is empty")
			return nil
		}
		m := &ast.Matcher{Op: ast.MatchAll, Pos: d.pos(n)}
		for _, kv := range pairs {
			if fm := d.fieldMatch(kv[0], kv[1]); fm != nil {
				m.Items = append(m.Items, &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: fm})
			}
		}
		if len(m.Items) == 1 {
			return m.Items[0]
		}
		return m
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			d.errorf(n, "empty-search", "search is an empty list")
			return nil
		}
		m := &ast.Matcher{Op: ast.MatchAny, Pos: d.pos(n)}
		var keywords []*yaml.Node
		for _, it := range n.Content {
			it = resolveAlias(it)
			switch {
			case it != nil && it.Kind == yaml.MappingNode:
				if depth > 0 {
					d.errorf(it, "structure", "nested lists of maps are not allowed")
					continue
				}
				if sub := d.searchBody(it, depth+1); sub != nil {
					m.Items = append(m.Items, sub)
				}
			case it != nil && it.Kind == yaml.ScalarNode:
				keywords = append(keywords, it)
			default:
				d.errorf(it, "structure", "a search list holds maps or keywords, found %s", kindName(it))
			}
		}
		if len(keywords) > 0 {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Line: keywords[0].Line, Column: keywords[0].Column, Content: keywords}
			if fm := d.keywordMatch(seq); fm != nil {
				m.Items = append(m.Items, &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: fm})
			}
		}
		if len(m.Items) == 1 {
			return m.Items[0]
		}
		if len(m.Items) == 0 {
			return nil
		}
		return m
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			d.errorf(n, "empty-search", "search is null")
			return nil
		}
		if fm := d.keywordMatch(n); fm != nil {
			return &ast.Matcher{Op: ast.MatchField, Pos: fm.Pos, Field: fm}
		}
	}
	return nil
}

// keywordMatch builds a keyword search (no field) from a scalar or list of scalars.
func (d *decoder) keywordMatch(n *yaml.Node) *ast.FieldMatch {
	return d.buildFieldMatch(&yaml.Node{Kind: yaml.ScalarNode, Line: n.Line, Column: n.Column}, "", nil, n)
}

// fieldMatch decodes one `field|mod|mod: value(s)` item.
func (d *decoder) fieldMatch(k, v *yaml.Node) *ast.FieldMatch {
	parts := strings.Split(k.Value, "|")
	field := parts[0]
	var mods []ast.Modifier
	col := k.Column + len(field) + 1
	if k.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
		col++
	}
	for _, m := range parts[1:] {
		mods = append(mods, ast.Modifier{Name: m, Pos: ast.Pos{File: d.file, Line: k.Line, Col: col}})
		col += len(m) + 1
	}
	return d.buildFieldMatch(k, field, mods, v)
}
