package ast

import (
	"strconv"
	"strings"
)

// MatcherOp is the kind of a matcher node.
type MatcherOp string

// Matcher kinds: a map of field items (AND), a list of maps (OR), or one field item.
const (
	MatchAll   MatcherOp = "all_of"
	MatchAny   MatcherOp = "any_of"
	MatchField MatcherOp = "field"
)

// Matcher is a node of a search's matcher tree.
type Matcher struct {
	Op    MatcherOp   `json:"op"`
	Pos   Pos         `json:"pos"`
	Items []*Matcher  `json:"items,omitempty"`
	Field *FieldMatch `json:"field,omitempty"`
}

// Walk calls fn on every field item of the tree, in source order.
func (m *Matcher) Walk(fn func(*FieldMatch)) {
	if m == nil {
		return
	}
	if m.Field != nil {
		fn(m.Field)
	}
	for _, it := range m.Items {
		it.Walk(fn)
	}
}

// FieldMatch is one detection item: a field (or keywords when Field is empty),
// its modifiers and its typed values after every transformation modifier was applied.
type FieldMatch struct {
	Pos Pos `json:"pos"`
	// Key is the map key as written, e.g. "CommandLine|contains|all"; empty for a keyword list.
	Key string `json:"key,omitempty"`
	// Field is the event field; empty for a keyword search over the whole event.
	Field     string     `json:"field,omitempty"`
	Modifiers []Modifier `json:"modifiers,omitempty"`
	// All links the values with AND instead of OR.
	All bool `json:"all,omitempty"`
	// Cased makes string comparisons case-sensitive.
	Cased bool `json:"cased,omitempty"`
	// Negate (the neq modifier) matches when the field differs from every value.
	Negate bool `json:"negate,omitempty"`
	// TimePart is set by a time modifier (minute, hour, day, week, month, year).
	TimePart string `json:"time_part,omitempty"`
	// Values are OR-ed unless All.
	Values []Value `json:"values"`
}

// IsKeyword reports whether the item searches keywords over the whole event.
func (f *FieldMatch) IsKeyword() bool { return f.Field == "" }

// HasModifier reports whether the modifier was given.
func (f *FieldMatch) HasModifier(name string) bool {
	for _, m := range f.Modifiers {
		if m.Name == name {
			return true
		}
	}
	return false
}

// Modifier is one value modifier as written, with its position.
type Modifier struct {
	Name string `json:"name"`
	Pos  Pos    `json:"pos"`
}

// ValueKind is the type of a detection value after modifiers.
type ValueKind string

// Value kinds.
const (
	ValString    ValueKind = "string"
	ValNumber    ValueKind = "number"
	ValBool      ValueKind = "bool"
	ValNull      ValueKind = "null"
	ValRegex     ValueKind = "regex"
	ValCIDR      ValueKind = "cidr"
	ValCompare   ValueKind = "compare"
	ValExists    ValueKind = "exists"
	ValFieldRef  ValueKind = "fieldref"
	ValExpansion ValueKind = "expansion"
)

// CompareOp is a numeric comparison operator.
type CompareOp string

// Comparison operators (lt/lte/gt/gte modifiers and correlation conditions).
const (
	OpLT  CompareOp = "lt"
	OpLTE CompareOp = "lte"
	OpGT  CompareOp = "gt"
	OpGTE CompareOp = "gte"
	OpEQ  CompareOp = "eq"
	OpNEQ CompareOp = "neq"
)

// Holds reports whether `a op b` is true.
func (op CompareOp) Holds(a, b float64) bool {
	switch op {
	case OpLT:
		return a < b
	case OpLTE:
		return a <= b
	case OpGT:
		return a > b
	case OpGTE:
		return a >= b
	case OpEQ:
		return a == b
	case OpNEQ:
		return a != b
	}
	return false
}

// Value is a typed detection value.
type Value struct {
	Kind ValueKind `json:"kind"`
	Pos  Pos       `json:"pos"`
	// Raw is the value as written in the rule (before modifiers).
	Raw string `json:"raw,omitempty"`
	// Parts is the parsed string pattern (ValString).
	Parts []StringPart `json:"parts,omitempty"`
	// Number is the numeric value (ValNumber, ValCompare).
	Number float64 `json:"number,omitempty"`
	// Bool is the boolean (ValBool, ValExists).
	Bool bool `json:"bool,omitempty"`
	// Regex is the pattern and Flags its i/m/s flags (ValRegex).
	Regex string `json:"regex,omitempty"`
	Flags string `json:"flags,omitempty"`
	// CIDR is the network in canonical prefix form (ValCIDR).
	CIDR string `json:"cidr,omitempty"`
	// Op is the comparison (ValCompare).
	Op CompareOp `json:"op,omitempty"`
	// Ref is the referenced field (ValFieldRef); RefMatch is "", "contains", "startswith" or "endswith".
	Ref      string `json:"ref,omitempty"`
	RefMatch string `json:"ref_match,omitempty"`
	// Variants are alternatives of which one must match (ValExpansion: windash, base64offset).
	Variants []Value `json:"variants,omitempty"`
}

// PartKind is the kind of a string pattern part.
type PartKind string

// String pattern parts: literal text, `*`, `?`, and an expand placeholder.
const (
	PartLit         PartKind = "lit"
	PartStar        PartKind = "star"
	PartQuestion    PartKind = "question"
	PartPlaceholder PartKind = "placeholder"
)

// StringPart is one piece of a string pattern.
type StringPart struct {
	Kind PartKind `json:"kind"`
	Text string   `json:"text,omitempty"`
}

// IsPlain reports whether the string pattern has no wildcard or placeholder.
func (v *Value) IsPlain() bool {
	for _, p := range v.Parts {
		if p.Kind != PartLit {
			return false
		}
	}
	return true
}

// Literal concatenates the literal parts of a string pattern.
func (v *Value) Literal() string {
	var b strings.Builder
	for _, p := range v.Parts {
		if p.Kind == PartLit {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Pattern renders a string pattern back in Sigma notation, escaping literal wildcards and backslashes before them.
func (v *Value) Pattern() string {
	var b strings.Builder
	for i, p := range v.Parts {
		switch p.Kind {
		case PartStar:
			b.WriteByte('*')
		case PartQuestion:
			b.WriteByte('?')
		case PartPlaceholder:
			b.WriteString("%" + p.Text + "%")
		default:
			next := PartLit
			if i+1 < len(v.Parts) {
				next = v.Parts[i+1].Kind
			}
			writeEscaped(&b, p.Text, next != PartLit)
		}
	}
	return b.String()
}

// writeEscaped writes literal text in Sigma notation: wildcards are escaped, and a
// backslash is doubled where it would otherwise escape what follows it.
func writeEscaped(b *strings.Builder, t string, wildcardNext bool) {
	for j := 0; j < len(t); j++ {
		switch c := t[j]; c {
		case '*', '?':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\\':
			if j+1 < len(t) && (t[j+1] == '*' || t[j+1] == '?' || t[j+1] == '\\') || j+1 == len(t) && wildcardNext {
				b.WriteString(`\\`)
			} else {
				b.WriteByte('\\')
			}
		default:
			b.WriteByte(c)
		}
	}
}

// String renders the value for messages and for printing the IR.
func (v *Value) String() string {
	switch v.Kind {
	case ValString:
		return strconv.Quote(v.Pattern())
	case ValNumber:
		return strconv.FormatFloat(v.Number, 'g', -1, 64)
	case ValBool, ValExists:
		return strconv.FormatBool(v.Bool)
	case ValNull:
		return "null"
	case ValRegex:
		return "/" + v.Regex + "/" + v.Flags
	case ValCIDR:
		return v.CIDR
	case ValCompare:
		return string(v.Op) + " " + strconv.FormatFloat(v.Number, 'g', -1, 64)
	case ValFieldRef:
		return "field(" + v.Ref + ")"
	case ValExpansion:
		parts := make([]string, len(v.Variants))
		for i := range v.Variants {
			parts[i] = v.Variants[i].String()
		}
		return "any(" + strings.Join(parts, ", ") + ")"
	}
	return v.Raw
}

// ParseString splits a Sigma string value into literal text and wildcards.
// `\` escapes `*`, `?` and `\` (and `%` when placeholders are on); a backslash before
// any other character, or at the end, is a literal backslash. With placeholders,
// `%name%` becomes a placeholder part.
func ParseString(s string, placeholders bool) []StringPart {
	var parts []StringPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, StringPart{Kind: PartLit, Text: lit.String()})
			lit.Reset()
		}
	}
	special := func(c byte) bool {
		return c == '*' || c == '?' || c == '\\' || (placeholders && c == '%')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && special(s[i+1]):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			parts = append(parts, StringPart{Kind: PartStar})
		case c == '?':
			flush()
			parts = append(parts, StringPart{Kind: PartQuestion})
		case placeholders && c == '%':
			end := strings.IndexByte(s[i+1:], '%')
			name := ""
			if end > 0 {
				name = s[i+1 : i+1+end]
			}
			if end <= 0 || strings.ContainsAny(name, " *?\\") {
				lit.WriteByte(c)
				continue
			}
			flush()
			parts = append(parts, StringPart{Kind: PartPlaceholder, Text: name})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}
