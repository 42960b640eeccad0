package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rulec/rulec/ast"
)

// isTransform reports whether a modifier changes string values (as the front end classes them).
func isTransform(m string) bool {
	switch m {
	case "contains", "startswith", "endswith", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash", "expand":
		return true
	}
	return false
}

// hasAnyModifier reports whether the item has one of the modifiers.
func hasAnyModifier(fm *ast.FieldMatch, names ...string) bool {
	for _, n := range names {
		if fm.HasModifier(n) {
			return true
		}
	}
	return false
}

// modifierPos returns the position of a modifier of the item, or the item's position.
func modifierPos(fm *ast.FieldMatch, name string) ast.Pos {
	for _, m := range fm.Modifiers {
		if m.Name == name {
			return m.Pos
		}
	}
	return fm.Pos
}

// itemName names a detection item in messages.
func itemName(fm *ast.FieldMatch) string {
	if fm.IsKeyword() {
		return "keyword list"
	}
	return fmt.Sprintf("field %q", fm.Field)
}

// caseInsensitive reports whether the item's string values compare case-insensitively.
func caseInsensitive(fm *ast.FieldMatch) bool {
	return !fm.Cased && !hasAnyModifier(fm, "base64", "base64offset", "re")
}

// valueKey identifies a value for duplicate detection: the text as written for
// strings, regular expressions and expansions (the item's modifiers apply alike to
// all its values), the typed value otherwise.
func valueKey(v *ast.Value, fold bool) string {
	var s string
	switch v.Kind {
	case ast.ValString, ast.ValExpansion, ast.ValRegex:
		s = string(v.Kind) + ":" + v.Raw
	default:
		s = string(v.Kind) + ":" + v.String()
	}
	if fold {
		s = strings.ToLower(s)
	}
	return s
}

// q quotes text the way YAML single-quoted strings do, so backslashes read as written;
// control characters are shown as Go escapes.
func q(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, ch := range s {
		switch {
		case ch == '\'':
			b.WriteString("''")
		case ch < 0x20 || ch == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", ch)
		default:
			b.WriteRune(ch)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// show renders a value for messages: strings as written in the rule, other kinds typed.
func show(v *ast.Value) string {
	if v.Kind == ast.ValString || v.Kind == ast.ValExpansion || v.Kind == ast.ValRegex {
		return q(v.Raw)
	}
	return v.String()
}

var digitsRe = regexp.MustCompile(`^-?[0-9]+$`)

// referencedSearches returns the searches the condition references, directly or through
// `x of` patterns: the references of the IR, where the front end expanded the patterns.
func referencedSearches(det *ast.Detection) map[string]bool {
	used := map[string]bool{}
	if det.Condition != nil {
		for _, name := range det.Condition.Refs() {
			used[name] = true
		}
	}
	return used
}

// walkCond calls fn on every node of the rule's condition trees.
func walkCond(det *ast.Detection, fn func(c *ast.CondSource, n *ast.CondNode)) {
	var walk func(c *ast.CondSource, n *ast.CondNode)
	walk = func(c *ast.CondSource, n *ast.CondNode) {
		if n == nil {
			return
		}
		fn(c, n)
		for _, a := range n.Args {
			walk(c, a)
		}
	}
	for _, c := range det.Conditions {
		walk(c, c.Tree)
	}
}

func detectionChecks() []*Check {
	return slices.Concat(searchUseChecks(), modifierChecks(), valueChecks())
}

// detectionCheck is a check of the detection category.
func detectionCheck(id string, sev ast.Severity, summary string, run func(*Pass)) *Check {
	return &Check{ID: id, Severity: sev, Category: CatDetection, Summary: summary, Run: run}
}

// onItems runs fn on every detection item written in a rule or filter.
func onItems(fn func(p *Pass, r *ast.Rule, fm *ast.FieldMatch)) func(*Pass) {
	return func(p *Pass) {
		p.FieldMatches(func(r *ast.Rule, _ *ast.Search, fm *ast.FieldMatch) { fn(p, r, fm) })
	}
}

// onStrings runs fn on every string value (or expansion of one) of every item.
func onStrings(fn func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value)) func(*Pass) {
	return func(p *Pass) {
		p.Values(func(r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
			if v.Kind == ast.ValString || v.Kind == ast.ValExpansion {
				fn(p, r, fm, v)
			}
		})
	}
}

// searchUseChecks are the checks of how a condition uses the search identifiers.
func searchUseChecks() []*Check {
	W, N := ast.SeverityWarning, ast.SeverityNote
	return []*Check{
		detectionCheck("unused-search", W, "a search identifier is not used by the condition",
			func(p *Pass) {
				for _, r := range p.Rules {
					det := ownDetection(r)
					if det == nil || len(det.Conditions) == 0 {
						continue
					}
					used := referencedSearches(det)
					for _, s := range ownSearches(r) {
						if !used[s.Name] {
							p.Reportf(r, s.Pos, "search identifier %q is not used by the condition", s.Name)
						}
					}
				}
			}),
		detectionCheck("them-single-search", N, "the condition uses `them` with a single search identifier",
			func(p *Pass) {
				for _, r := range p.Rules {
					det := ownDetection(r)
					if det == nil || len(ownSearches(r)) != 1 {
						continue
					}
					walkCond(det, func(_ *ast.CondSource, n *ast.CondNode) {
						if n.IsThem() {
							p.Reportf(r, n.Pos, "'%s of them' over the single search identifier %q; name it instead", n.Quantifier, ownSearches(r)[0].Name)
						}
					})
				}
			}),
		detectionCheck("all-of-them", N, "the condition uses `all of them`",
			func(p *Pass) {
				for _, r := range p.Rules {
					det := ownDetection(r)
					if det == nil || len(ownSearches(r)) < 2 {
						continue
					}
					walkCond(det, func(_ *ast.CondSource, n *ast.CondNode) {
						if n.IsThem() && n.Quantifier == "all" {
							p.Reportf(r, n.Pos, "'all of them' includes every search identifier; use 'all of selection*' or name them")
						}
					})
				}
			}),
	}
}

// modifierChecks are the checks of the modifiers of detection items.
func modifierChecks() []*Check {
	W, E := ast.SeverityWarning, ast.SeverityError
	return []*Check{
		detectionCheck("all-single-value", W, "the all modifier is applied to a single value",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if fm.All && len(fm.Values) < 2 {
					p.Reportf(r, modifierPos(fm, "all"), "'all' modifier on %s with a single value", itemName(fm))
				}
			})),
		detectionCheck("all-exact-values", E, "`|all` requires one field to equal several different exact values",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if !fm.All || fm.IsKeyword() {
					return
				}
				distinct := distinctExactValues(fm)
				if distinct < 2 {
					return
				}
				if fm.Negate {
					p.Reportf(r, modifierPos(fm, "all"), "%s cannot equal %d different exact values at once, so 'neq' with 'all' matches every event", itemName(fm), distinct)
					return
				}
				p.Reportf(r, modifierPos(fm, "all"), "%s cannot equal %d different exact values at once; this item never matches (did you mean |contains|all?)", itemName(fm), distinct)
			})),
		detectionCheck("base64offset-without-contains", W, "base64offset is not followed by contains",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if fm.HasModifier("base64offset") && !fm.HasModifier("contains") {
					p.Reportf(r, modifierPos(fm, "base64offset"), "base64offset without contains only matches the encoded fragment alone; add |contains")
				}
			})),
		detectionCheck("windash-with-all", W, "windash is combined with all",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if fm.HasModifier("windash") && fm.All {
					p.Reportf(r, modifierPos(fm, "windash"), "windash combined with all; backends expand the variants inconsistently")
				}
			})),
	}
}

// valueChecks are the checks of the values of detection items.
func valueChecks() []*Check {
	W, N := ast.SeverityWarning, ast.SeverityNote
	return []*Check{
		detectionCheck("wildcard-only", W, "a value is only wildcards",
			onStrings(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if v.Kind != ast.ValString || len(v.Parts) == 0 {
					return
				}
				for _, part := range v.Parts {
					if part.Kind != ast.PartStar {
						return
					}
				}
				if fm.IsKeyword() {
					p.Reportf(r, v.Pos, "keyword %s matches every event", q(v.Raw))
					return
				}
				p.Reportf(r, v.Pos, "value %s of %s only tests that the field exists; use %s|exists: true", q(v.Raw), itemName(fm), fm.Field)
			})),
		detectionCheck("double-wildcard", N, "a value has consecutive `*` wildcards",
			onStrings(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if strings.Contains(v.Raw, "**") && !strings.Contains(v.Raw, `\**`) && v.Kind == ast.ValString {
					for i := 1; i < len(v.Parts); i++ {
						if v.Parts[i].Kind == ast.PartStar && v.Parts[i-1].Kind == ast.PartStar {
							p.Reportf(r, v.Pos, "value %s has consecutive * wildcards", q(v.Raw))
							return
						}
					}
				}
			})),
		detectionCheck("wildcards-instead-of-modifiers", N, "wildcards at the ends of every value instead of contains/startswith/endswith",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if fm.IsKeyword() || len(fm.Values) == 0 {
					return
				}
				for _, m := range fm.Modifiers {
					if isTransform(m.Name) || m.Name == "re" || m.Name == "cidr" || m.Name == "fieldref" {
						return
					}
				}
				shape := ""
				for i := range fm.Values {
					v := &fm.Values[i]
					if v.Kind != ast.ValString || len(v.Parts) < 2 {
						return
					}
					s := wildcardShape(v.Parts)
					if s == "" || (shape != "" && s != shape) {
						return
					}
					shape = s
				}
				p.Reportf(r, fm.Pos, "every value of %s is wrapped in * wildcards; use the %s modifier", itemName(fm), shape)
			})),
		detectionCheck("duplicate-value", W, "the same value is listed twice in one item",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				seen := map[string]bool{}
				for i := range fm.Values {
					v := &fm.Values[i]
					k := valueKey(v, caseInsensitive(fm))
					if seen[k] {
						p.Reportf(r, v.Pos, "value %s is listed more than once for %s", show(v), itemName(fm))
					}
					seen[k] = true
				}
			})),
		detectionCheck("control-character", W, "a value contains a control character",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				for i := range fm.Values {
					v := &fm.Values[i]
					if v.Kind == ast.ValNull || v.Kind == ast.ValNumber || v.Kind == ast.ValBool {
						continue
					}
					for _, ch := range v.Raw {
						if ch < 0x20 {
							p.Reportf(r, v.Pos, "value %s contains control character %U; a backslash escape in a double-quoted string?", q(v.Raw), ch)
							break
						}
						if ch == 0xfffe || ch == 0xffff {
							p.Reportf(r, v.Pos, "value %s contains the noncharacter %U, which XML cannot carry (the Wazuh rules file would hold U+FFFD instead)", q(v.Raw), ch)
							break
						}
					}
				}
			})),
		detectionCheck("escaped-wildcard", W, "a path backslash escapes the wildcard after it",
			onStrings(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch, v *ast.Value) {
				if i := pathEscapedWildcard(v.Raw); i >= 0 {
					p.Reportf(r, v.Pos, "in %s the backslash before %s escapes the wildcard (literal %s); write \\\\%s for a path separator followed by a wildcard", q(v.Raw), v.Raw[i+1:i+2], v.Raw[i+1:i+2], v.Raw[i+1:i+2])
				}
			})),
		detectionCheck("number-as-string", N, "a number is written as a quoted string",
			onItems(func(p *Pass, r *ast.Rule, fm *ast.FieldMatch) {
				if len(fm.Modifiers) > 0 || fm.IsKeyword() || len(fm.Values) == 0 {
					return
				}
				for i := range fm.Values {
					if v := &fm.Values[i]; v.Kind != ast.ValString || !v.IsPlain() || !digitsRe.MatchString(v.Raw) {
						return
					}
				}
				for i := range fm.Values {
					v := &fm.Values[i]
					p.Reportf(r, v.Pos, "number %s of %s is written as a string; write it unquoted", v.Raw, itemName(fm))
				}
			})),
	}
}

// wildcardShape names the modifier that a `*x*`, `*x` or `x*` pattern (literal x) spells out, or "".
func wildcardShape(parts []ast.StringPart) string {
	n := len(parts)
	lead, trail := parts[0].Kind == ast.PartStar, parts[n-1].Kind == ast.PartStar
	inner := parts
	if lead {
		inner = inner[1:]
	}
	if trail && len(inner) > 0 {
		inner = inner[:len(inner)-1]
	}
	if len(inner) == 0 {
		return ""
	}
	for _, p := range inner {
		if p.Kind != ast.PartLit {
			return ""
		}
	}
	switch {
	case lead && trail:
		return "contains"
	case lead:
		return "endswith"
	case trail:
		return "startswith"
	}
	return ""
}

// pathEscapedWildcard returns the index of a `\*` or `\?` escape that follows a path
// component (a letter or digit before it, and a path-separator backslash earlier in
// the value), or -1.
func pathEscapedWildcard(raw string) int {
	separator := false
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+1 >= len(raw) {
			break
		}
		switch next := raw[i+1]; next {
		case '\\':
			i++ // an escaped backslash
		case '*', '?':
			if separator && i > 0 && isAlnum(raw[i-1]) {
				return i
			}
			i++
		default:
			separator = true
		}
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
