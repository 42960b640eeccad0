// Package rulexml reads Wazuh rules files the way wazuh-analysisd's XML reader
// does and knows the elements a rule may hold; the simulator and the
// shadowing analysis both load rules through it.
package rulexml

import (
	"fmt"
	"sort"
	"strings"
)

// Node is an element read the way Wazuh's XML reader reads it: text is taken
// verbatim (no entity decoding, `\<` kept as written), comments are skipped.
type Node struct {
	Name string
	// Attrs are the attributes in document order (a repeated name: the last counts).
	Attrs    []Attr
	Text     string
	Children []*Node
	Line     int
}

// Attr returns the attribute k ("" when absent).
func (n *Node) Attr(k string) string {
	for i := len(n.Attrs) - 1; i >= 0; i-- {
		if n.Attrs[i].Name == k {
			return n.Attrs[i].Value
		}
	}
	return ""
}

// Attr is an attribute's name and value (verbatim).
type Attr struct{ Name, Value string }

// Parse reads the root elements of a Wazuh rules file (after substituting its <var> definitions).
func Parse(name string, data []byte) ([]*Node, error) {
	p := &xparser{s: string(data), name: name, line: 1}
	var roots []*Node
	for {
		p.skipSpaceAndComments()
		if p.i >= len(p.s) {
			break
		}
		if strings.HasPrefix(p.s[p.i:], "<?") {
			end := strings.Index(p.s[p.i:], "?>")
			if end < 0 {
				return nil, p.errf("unterminated declaration")
			}
			p.advance(end + 2)
			continue
		}
		n, err := p.element()
		if err != nil {
			return nil, err
		}
		roots = append(roots, n)
	}
	return substituteVars(roots)
}

type xparser struct {
	s    string
	i    int
	name string
	line int
}

func (p *xparser) errf(format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, p.line, fmt.Sprintf(format, args...))
}

func (p *xparser) advance(n int) {
	p.line += strings.Count(p.s[p.i:p.i+n], "\n")
	p.i += n
}

func (p *xparser) skipSpaceAndComments() {
	for p.i < len(p.s) {
		switch {
		case strings.ContainsRune(" \t\r\n", rune(p.s[p.i])):
			p.advance(1)
		case strings.HasPrefix(p.s[p.i:], "<!--"):
			end := strings.Index(p.s[p.i+4:], "-->")
			if end < 0 {
				p.advance(len(p.s) - p.i)
				return
			}
			p.advance(end + 7)
		default:
			return
		}
	}
}

func (p *xparser) element() (*Node, error) {
	if p.i >= len(p.s) || p.s[p.i] != '<' {
		return nil, p.errf("expected an element")
	}
	p.advance(1)
	n := &Node{Line: p.line}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n/>", rune(p.s[p.i])) {
		p.advance(1)
	}
	n.Name = p.s[start:p.i]
	for {
		for p.i < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.i])) {
			p.advance(1)
		}
		if p.i >= len(p.s) {
			return nil, p.errf("unterminated element <%s>", n.Name)
		}
		if strings.HasPrefix(p.s[p.i:], "/>") {
			p.advance(2)
			return n, nil
		}
		if p.s[p.i] == '>' {
			p.advance(1)
			break
		}
		ks := p.i
		for p.i < len(p.s) && p.s[p.i] != '=' && !strings.ContainsRune(" \t\r\n>", rune(p.s[p.i])) {
			p.advance(1)
		}
		key := p.s[ks:p.i]
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			return nil, p.errf("attribute %q of <%s> without value", key, n.Name)
		}
		p.advance(1)
		if p.i >= len(p.s) || (p.s[p.i] != '"' && p.s[p.i] != '\'') {
			return nil, p.errf("unquoted attribute %q", key)
		}
		q := p.s[p.i]
		end := strings.IndexByte(p.s[p.i+1:], q)
		if end < 0 {
			return nil, p.errf("unterminated attribute %q", key)
		}
		n.Attrs = append(n.Attrs, Attr{key, p.s[p.i+1 : p.i+1+end]})
		p.advance(end + 2)
	}
	// Content: text (verbatim, `\<` does not open a tag) or child elements.
	var text strings.Builder
	for {
		if p.i >= len(p.s) {
			return nil, p.errf("element <%s> not closed", n.Name)
		}
		c := p.s[p.i]
		switch {
		case c == '\\':
			// A run of backslashes: an odd run escapes a following '<' (os_xml toggles on each).
			j := p.i
			for j < len(p.s) && p.s[j] == '\\' {
				j++
			}
			n := j - p.i
			if n%2 == 1 && j < len(p.s) && p.s[j] == '<' {
				n++
			}
			text.WriteString(p.s[p.i : p.i+n])
			p.advance(n)
		case strings.HasPrefix(p.s[p.i:], "<!--"):
			end := strings.Index(p.s[p.i+4:], "-->")
			if end < 0 {
				return nil, p.errf("comment not closed")
			}
			p.advance(end + 7)
		case strings.HasPrefix(p.s[p.i:], "</"):
			end := strings.IndexByte(p.s[p.i:], '>')
			if end < 0 {
				return nil, p.errf("closing tag not terminated")
			}
			if got := strings.TrimSpace(p.s[p.i+2 : p.i+end]); got != n.Name {
				return nil, p.errf("<%s> closed by </%s>", n.Name, got)
			}
			p.advance(end + 1)
			if len(n.Children) == 0 {
				n.Text = text.String()
			}
			return n, nil
		case c == '<':
			child, err := p.element()
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, child)
		default:
			// A run of plain text up to the next backslash or tag.
			n := strings.IndexAny(p.s[p.i:], `\<`)
			if n < 0 {
				n = len(p.s) - p.i
			}
			text.WriteString(p.s[p.i : p.i+n])
			p.advance(n)
		}
	}
}

// substituteVars applies the file's <var name> definitions to every `$name` in
// contents and attributes (when the file defines any), and drops the var elements.
func substituteVars(roots []*Node) ([]*Node, error) {
	vars := map[string]string{}
	var out []*Node
	for _, r := range roots {
		if r.Name == "var" {
			vars[r.Attr("name")] = r.Text
			continue
		}
		out = append(out, r)
	}
	if len(vars) == 0 {
		return out, nil
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	repl := func(s string) string {
		if !strings.Contains(s, "$") {
			return s
		}
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '$' && i+1 < len(s) && s[i+1] != '(' {
				done := false
				for _, n := range names {
					if strings.HasPrefix(s[i+1:], n) {
						b.WriteString(vars[n])
						i += len(n)
						done = true
						break
					}
				}
				if done {
					continue
				}
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		n.Text = repl(n.Text)
		for i := range n.Attrs {
			n.Attrs[i].Value = repl(n.Attrs[i].Value)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range out {
		walk(r)
	}
	return out, nil
}
