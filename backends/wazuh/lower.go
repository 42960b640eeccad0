package wazuh

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
)

// Limits of the condition lowering; a rule that needs more is skipped.
const (
	maxTerms = 256 // DNF terms at one step
	maxNodes = 300 // Wazuh rules for one Sigma rule variant
)

// atom is one Wazuh test that can be written positively in a rule: a dynamic
// field matched (or, with negate, present and not matched) by a PCRE2 pattern,
// a static field tested by its own element (elem "url", "id", ...), or a PCRE2
// search of the whole log line (elem "regex").
type atom struct {
	elem   string // "field", "regex" or a static element name
	name   string
	pat    pattern
	negate bool
	// absentKey, for a negated log search, is the eventchannel EventData key
	// whose absence the atom tests (see absentAtom).
	absentKey string
	// logAlts, for an eventchannel field test, are its alternatives as they
	// match the value inside the event's JSON log (see logAlt); nil when some
	// value has no such form (regular expressions, CIDR).
	logAlts []string
	// needs, for a positive eventchannel field test, holds for each
	// alternative a text that the event's JSON log contains whenever the
	// alternative matches (see needText); nil when some alternative has none.
	needs []string
}

func (a atom) key() string {
	return a.elem + "\x00" + strings.ToLower(a.name) + "\x00" + strconv.FormatBool(a.negate) + "\x00" + a.pat.render()
}

// fx is a boolean formula over atoms.
type fx struct {
	op   byte // 'a' and, 'o' or, 'n' not, 'l' atom, 'c' constant
	args []*fx
	atom int
	val  bool
}

var (
	fxTrue  = &fx{op: 'c', val: true}
	fxFalse = &fx{op: 'c', val: false}
)

func fxNot(e *fx) *fx {
	switch e.op {
	case 'n':
		return e.args[0]
	case 'c':
		if e.val {
			return fxFalse
		}
		return fxTrue
	}
	return &fx{op: 'n', args: []*fx{e}}
}

func fxNary(op byte, args []*fx) *fx {
	identity := op == 'a'
	var out []*fx
	for _, a := range args {
		switch {
		case a.op == op:
			out = append(out, a.args...)
		case a.op == 'c' && a.val == identity:
		case a.op == 'c':
			if identity {
				return fxFalse
			}
			return fxTrue
		default:
			out = append(out, a)
		}
	}
	switch len(out) {
	case 0:
		if identity {
			return fxTrue
		}
		return fxFalse
	case 1:
		return out[0]
	}
	return &fx{op: op, args: out}
}

// lowerer builds the formula of one rule variant and compiles it to a rule tree.
type lowerer struct {
	fs    *Fieldset
	atoms []atom
	index map[string]int
	nodes int
}

func newLowerer(fs *Fieldset) *lowerer {
	return &lowerer{fs: fs, index: map[string]int{}}
}

func (l *lowerer) lit(a atom) *fx {
	k := a.key()
	id, ok := l.index[k]
	if !ok {
		id = len(l.atoms)
		l.atoms = append(l.atoms, a)
		l.index[k] = id
	}
	return &fx{op: 'l', atom: id}
}

// positive pushes every negation down to the atoms and replaces each negated
// atom by an exact positive form where one exists, so that the rule needs no
// level-0 child (a level-0 child that matches ends the event for every other
// rule, since Wazuh does not backtrack):
//   - for a field every event of the variant carries (present), not (F ~ p) is
//     the single test F !~ p (negate="yes"), and not (F !~ p) is F ~ p;
//   - with absent, for an eventchannel EventData field, not (F ~ p) is
//     (F absent) or (F !~ p), where absence is a negated search of the
//     event's JSON log for the field's key (see absentAtom); not (F absent) is
//     F present.
//
// A negation that has no such form stays a negation (and becomes a level-0
// child in compile).
func (l *lowerer) positive(e *fx, present map[string]bool, absent bool) *fx {
	var walk func(e *fx, neg bool) *fx
	walk = func(e *fx, neg bool) *fx {
		switch e.op {
		case 'c':
			if neg {
				return fxNot(e)
			}
			return e
		case 'n':
			return walk(e.args[0], !neg)
		case 'l':
			if !neg {
				return e
			}
			a := l.atoms[e.atom]
			switch {
			case a.absentKey != "":
				return l.lit(atom{elem: "field", name: a.name, pat: matchAll})
			case a.elem == "regex" && strings.HasPrefix(a.name, "fieldref:"):
				// The log is always there: its negated search is exact.
				a.negate = !a.negate
				return l.lit(a)
			case a.elem != "field":
			case present[strings.ToLower(a.name)]:
				a.negate = !a.negate
				return l.lit(a)
			case absent:
				if ln, ok := l.logNegation(a); ok {
					return l.lit(ln)
				}
				if abs, ok := l.absentAtom(a.name); ok {
					a.negate = !a.negate
					a.logAlts = nil
					return fxNary('o', []*fx{l.lit(abs), l.lit(a)})
				}
			}
			return fxNot(e)
		}
		if neg && e.op == 'a' && absent {
			if ln, ok := l.logConjNegation(e.args); ok {
				return l.lit(ln)
			}
		}
		op := e.op
		if neg {
			op = 'a' + 'o' - op
		}
		args := make([]*fx, len(e.args))
		for i, a := range e.args {
			args[i] = walk(a, neg)
		}
		return fxNary(op, args)
	}
	return walk(e, false)
}

// absentAtom returns the test that holds when the eventchannel field name
// (win.system.* or win.eventdata.*) is absent. The decoded event's log is its
// JSON text, {"win":{"system":{...},"eventdata":{...}}}, holding exactly the
// fields Wazuh kept (an empty, `-` or `(NULL)` value is dropped from both),
// every value a JSON string; the test is a negated search that walks the
// object's members string by string and finds the key (see absentPattern).
func (l *lowerer) absentAtom(name string) (atom, bool) {
	if l.fs.Encoding != EncodingEventchannel {
		return atom{}, false
	}
	lower := strings.ToLower(name)
	var key string
	var ok bool
	for _, obj := range []string{"system", "eventdata"} {
		if k, found := strings.CutPrefix(lower, "win."+obj+"."); found {
			key, ok = obj+"."+k, k != ""
		}
	}
	if !ok {
		return atom{}, false
	}
	for _, r := range strings.SplitN(key, ".", 2)[1] {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '.' {
			return atom{}, false
		}
	}
	return atom{elem: "regex", name: name, negate: true, absentKey: key,
		pat: pattern{{core: absentPattern([]string{key})}}}, true
}

// fieldRef returns the test that the eventchannel field name equals the field
// v refers to (fieldref without a match mode), as Sigma compares them (case-
// insensitively unless cased): a search of the event's JSON log that captures
// the first field's value and finds the other's key followed by the same
// text (`\g{-1}`, the group just before it, so the search stays right inside
// a run of lookaheads). Both values are written with the same escapes, so the
// texts are equal exactly when the values are. A field Wazuh dropped (empty,
// `-`, `(NULL)`) is absent from the log and equals nothing. The search walks
// whole members and its lookaheads are atomic: linear time.
func (l *lowerer) fieldRef(name string, v ast.Value, cased bool) (*fx, bool) {
	if v.RefMatch != "" {
		return nil, false
	}
	other, ok := l.fs.Field(v.Ref)
	if !ok {
		return nil, false
	}
	a, ok1 := l.absentAtom(name)
	b, ok2 := l.absentAtom(other)
	if !ok1 || !ok2 {
		return nil, false
	}
	aObj, aKey, _ := strings.Cut(a.absentKey, ".")
	bObj, bKey, _ := strings.Cut(b.absentKey, ".")
	flags := ""
	if !cased {
		flags = "(?i)" // inside each lookahead, so the run stays a run of lookaheads
	}
	core := `^(?=` + flags + `[\s\S]*?` + memberPrefix(aObj, []string{regexp.QuoteMeta(aKey)}) + `"(` + logStar + `)")` +
		`(?=` + flags + `[\s\S]*?` + memberPrefix(bObj, []string{regexp.QuoteMeta(bKey)}) + `"\g{-1}")`
	return l.lit(atom{elem: "regex", name: "fieldref:" + a.absentKey + "=" + b.absentKey, pat: pattern{{core: core}}}), true
}

// logNegation returns, for a plain test of an eventchannel field whose values
// all have a JSON-log form, the single test `not (F ~ p)`: a negated search of
// the log for the field's key followed by a value that matches, which holds
// when the field is absent and when its value does not match (one Wazuh rule
// instead of two siblings).
func (l *lowerer) logNegation(a atom) (atom, bool) {
	if a.negate || len(a.logAlts) == 0 || len(a.logAlts) > maxLogAlts {
		return atom{}, false
	}
	abs, ok := l.absentAtom(a.name)
	if !ok {
		return atom{}, false
	}
	obj, key, _ := strings.Cut(abs.absentKey, ".")
	alts := slices.Clone(a.logAlts)
	sort.Strings(alts)
	alts = slices.Compact(alts)
	core := memberPrefix(obj, []string{regexp.QuoteMeta(key)}) + `"(?:` + strings.Join(alts, "|") + `)`
	return atom{elem: "regex", name: a.name, negate: true, pat: pattern{{core: core}}}, true
}

// logConjNegation returns, for a conjunction of plain eventchannel field tests
// that all have JSON-log forms, the single test `not (A and B ...)`: a negated
// run of lookaheads, each searching the log for one test's key and value, so
// that a filter on several fields stays one Wazuh rule (its negation would
// otherwise split into one sibling per field, and two per field that may be
// absent).
func (l *lowerer) logConjNegation(args []*fx) (atom, bool) {
	if len(args) < 2 {
		return atom{}, false
	}
	var b strings.Builder
	b.WriteString("^")
	for _, x := range args {
		if x.op != 'l' {
			return atom{}, false
		}
		ln, ok := l.logNegation(l.atoms[x.atom])
		if !ok {
			return atom{}, false
		}
		b.WriteString(`(?=[\s\S]*?(?:` + ln.pat[0].core + `))`)
	}
	return atom{elem: "regex", name: "log", negate: true, pat: pattern{{core: b.String()}}}, true
}

// needText returns the longest run of a Sigma string's literal text made of
// letters, digits and `.-_ ` (characters the eventchannel value and the JSON
// log hold unchanged), when it has at least 4 of them: the log of an event
// whose value matches the string contains it, up to case. "" otherwise.
func needText(parts []ast.StringPart) string {
	best := ""
	for _, p := range parts {
		if p.Kind != ast.PartLit {
			continue
		}
		run := 0
		for i := 0; i <= len(p.Text); i++ {
			if i < len(p.Text) && needChar(p.Text[i]) {
				run++
				continue
			}
			if run > len(best) {
				best = p.Text[i-run : i]
			}
			run = 0
		}
	}
	if len(best) < 4 {
		return ""
	}
	return best
}

func needChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ' '
}

// maxLogAlts bounds the values of a test written as a JSON-log search: each
// alternative there scans the value on its own (a field test's pattern is
// searched once, with PCRE2's start-of-match optimisations), so a long list
// (hashes, hundreds of command-line fragments) keeps the field-test form.
const maxLogAlts = 16

// memberPrefix matches an eventchannel event's JSON log from the opening brace
// of its object obj ("system" or "eventdata") to just after the colon of one
// of the keys (regular expressions of key names), stepping over whole members.
func memberPrefix(obj string, keys []string) string {
	return `"` + obj + `":\{(?:"` + logStar + `"[:,])*?"(?i:` + strings.Join(keys, "|") + `)":`
}

// absentPattern matches the JSON log of an eventchannel event that carries any
// of the keys ("system.name" or "eventdata.name"). From the object's opening
// brace it steps over whole members (every value is a string, and a `"`
// inside a string is always escaped), so a key is only found as a key of that
// object, never inside a value; a member has one parse and the keys are
// literals, so PCRE2 runs it in linear time. Keys compare case-insensitively,
// as Wazuh looks fields up.
func absentPattern(keys []string) string {
	byObj := map[string][]string{}
	var objs []string
	for _, k := range keys {
		obj, name, _ := strings.Cut(k, ".")
		if _, ok := byObj[obj]; !ok {
			objs = append(objs, obj)
		}
		byObj[obj] = append(byObj[obj], regexp.QuoteMeta(name))
	}
	sort.Strings(objs)
	alts := make([]string, len(objs))
	for i, obj := range objs {
		names := byObj[obj]
		sort.Strings(names)
		alts[i] = memberPrefix(obj, names)
	}
	return strings.Join(alts, "|")
}

// unsupported is a reason a rule (variant) cannot be converted exactly.
type unsupported struct {
	pos    ast.Pos
	reason string // short, groupable reason
	detail string
}

func (u *unsupported) Error() string {
	if u.detail == "" {
		return u.reason
	}
	return u.reason + ": " + u.detail
}

func fail(pos ast.Pos, reason, format string, args ...any) *unsupported {
	return &unsupported{pos: pos, reason: reason, detail: fmt.Sprintf(format, args...)}
}

// detection builds the formula of a detection: the condition IR with every
// search replaced by its matcher formula.
func (l *lowerer) detection(d *ast.Detection) (*fx, error) {
	cache := map[string]*fx{}
	var walk func(e *ast.Expr) (*fx, error)
	walk = func(e *ast.Expr) (*fx, error) {
		switch e.Op {
		case ast.ExprConst:
			if e.Value {
				return fxTrue, nil
			}
			return fxFalse, nil
		case ast.ExprRef:
			if f, ok := cache[e.Name]; ok {
				return f, nil
			}
			s := d.Search(e.Name)
			if s == nil {
				return nil, fail(d.Pos, "unknown search identifier", "%q", e.Name)
			}
			f, err := l.matcher(s.Body)
			if err != nil {
				return nil, err
			}
			cache[e.Name] = f
			return f, nil
		case ast.ExprNot:
			f, err := walk(e.Args[0])
			if err != nil {
				return nil, err
			}
			return fxNot(f), nil
		}
		var args []*fx
		for _, a := range e.Args {
			f, err := walk(a)
			if err != nil {
				return nil, err
			}
			args = append(args, f)
		}
		if e.Op == ast.ExprAnd {
			return fxNary('a', args), nil
		}
		return fxNary('o', args), nil
	}
	return walk(d.Condition)
}

func (l *lowerer) matcher(m *ast.Matcher) (*fx, error) {
	if m == nil {
		return fxTrue, nil
	}
	switch m.Op {
	case ast.MatchField:
		return l.item(m.Field)
	}
	var args []*fx
	for _, it := range m.Items {
		f, err := l.matcher(it)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	if m.Op == ast.MatchAll {
		return fxNary('a', args), nil
	}
	return fxNary('o', args), nil
}

// valueAlt is one value as a pattern alternative, and whether the item holds
// when Wazuh has no such field (eventchannel drops empty, `-` and `(NULL)`).
type valueAlt struct {
	a        alt
	onAbsent bool
	// log is the value's form in the JSON log (logAlt), "" when it has none.
	log string
	// need is a text the JSON log holds when the value matches (needText).
	need string
}

// item lowers one detection item.
func (l *lowerer) item(fm *ast.FieldMatch) (*fx, error) {
	if fm.TimePart != "" {
		return nil, fail(fm.Pos, "time modifier", "modifier %s extracts part of a date; Wazuh rules cannot", fm.TimePart)
	}
	var f *fx
	var err error
	if fm.IsKeyword() {
		f, err = l.keywords(fm)
	} else {
		f, err = l.fieldItem(fm)
	}
	if err != nil {
		return nil, err
	}
	if fm.Negate {
		f = fxNot(f)
	}
	return f, nil
}

func (l *lowerer) keywords(fm *ast.FieldMatch) (*fx, error) {
	if l.fs.Keywords != "log" {
		return nil, fail(fm.Pos, "keyword search over all fields", "keyword searches match every field of the event; Wazuh rules can only test named fields or the whole log text of this logsource, which differ")
	}
	var alts []alt
	var parts []*fx
	for _, v := range fm.Values {
		vals := []ast.Value{v}
		if v.Kind == ast.ValExpansion {
			vals = v.Variants
		}
		for _, x := range vals {
			var p []ast.StringPart
			switch x.Kind {
			case ast.ValString:
				p = x.Parts
			case ast.ValNumber:
				p = []ast.StringPart{{Kind: ast.PartLit, Text: strconv.FormatFloat(x.Number, 'f', -1, 64)}}
			default:
				return nil, fail(x.Pos, "keyword value type", "keyword value of type %s", x.Kind)
			}
			p = append(append([]ast.StringPart{{Kind: ast.PartStar}}, p...), ast.StringPart{Kind: ast.PartStar})
			a, err := stringAlt(p, fm.Cased, EncodingPlain)
			if err != nil {
				return nil, fail(x.Pos, "unresolved placeholder", "%v", err)
			}
			if fm.All {
				parts = append(parts, l.lit(atom{elem: "regex", name: "log", pat: pattern{a}}))
			} else {
				alts = append(alts, a)
			}
		}
	}
	if fm.All {
		return fxNary('a', parts), nil
	}
	return l.lit(atom{elem: "regex", name: "log", pat: alts}), nil
}

func (l *lowerer) fieldItem(fm *ast.FieldMatch) (*fx, error) {
	if vm, ok := l.fs.Values[fm.Field]; ok {
		return l.presenceItem(fm, vm)
	}
	if pt, ok := l.fs.Parts[fm.Field]; ok {
		return l.partItem(fm, pt)
	}
	name, ok := l.fs.Field(fm.Field)
	if !ok {
		if why, known := l.fs.Unmapped[fm.Field]; known && why != "" {
			return nil, fail(fm.Pos, why, "field %q", fm.Field)
		}
		return nil, fail(fm.Pos, "unmapped field", "field %q has no Wazuh field in this logsource's profile", fm.Field)
	}
	elem := "field"
	if staticElements[strings.ToLower(name)] {
		elem, name = strings.ToLower(name), strings.ToLower(name)
	}
	enc := l.fs.Encoding
	exists := l.lit(atom{elem: elem, name: name, pat: matchAll})
	var vals []valueAlt
	var others []*fx // presence tests
	addString := func(parts []ast.StringPart, cased bool, pos ast.Pos) error {
		a, err := stringAlt(parts, cased, enc)
		if err != nil {
			return fail(pos, "unresolved placeholder", "%v", err)
		}
		v := valueAlt{a: a, onAbsent: enc == EncodingEventchannel && matchesAny(parts, cased, droppedValues)}
		if enc == EncodingEventchannel {
			v.log, _ = logAlt(parts, cased)
			v.need = needText(parts)
		}
		vals = append(vals, v)
		return nil
	}
	var add func(v ast.Value) error
	add = func(v ast.Value) error {
		switch v.Kind {
		case ast.ValString:
			return addString(v.Parts, fm.Cased, v.Pos)
		case ast.ValNumber:
			if err := addString([]ast.StringPart{{Kind: ast.PartLit, Text: strconv.FormatFloat(v.Number, 'f', -1, 64)}}, true, v.Pos); err != nil {
				return err
			}
			if enc == EncodingJSON && v.Number != math.Trunc(v.Number) {
				// Wazuh's JSON decoder prints non-integer numbers with %f.
				return addString([]ast.StringPart{{Kind: ast.PartLit, Text: fmt.Sprintf("%f", v.Number)}}, true, v.Pos)
			}
			return nil
		case ast.ValBool:
			return addString([]ast.StringPart{{Kind: ast.PartLit, Text: strconv.FormatBool(v.Bool)}}, false, v.Pos)
		case ast.ValNull:
			others = append(others, fxNot(exists))
			if enc == EncodingJSON {
				// The JSON decoder keeps a null as the text "null".
				return addString([]ast.StringPart{{Kind: ast.PartLit, Text: "null"}}, true, v.Pos)
			}
		case ast.ValExists:
			if v.Bool {
				others = append(others, exists)
			} else {
				others = append(others, fxNot(exists))
			}
		case ast.ValRegex:
			a, err := regexAlt(v.Regex, v.Flags, enc)
			if err != nil {
				return fail(v.Pos, SkipReason(err, "untranslatable regular expression"), "%v", err)
			}
			onAbsent := false
			if enc == EncodingEventchannel {
				flags := ""
				if v.Flags != "" {
					flags = "(?" + v.Flags + ")"
				}
				if re, err := regexp.Compile(flags + v.Regex); err == nil {
					for _, d := range droppedValues {
						onAbsent = onAbsent || re.MatchString(d)
					}
				}
			}
			vals = append(vals, valueAlt{a: a, onAbsent: onAbsent})
		case ast.ValCIDR:
			a, err := cidrAlt(v.CIDR)
			if err != nil {
				return fail(v.Pos, "invalid CIDR", "%v", err)
			}
			vals = append(vals, valueAlt{a: a})
		case ast.ValExpansion:
			for _, x := range v.Variants {
				if err := add(x); err != nil {
					return err
				}
			}
		case ast.ValFieldRef:
			ref, ok := l.fieldRef(name, v, fm.Cased)
			if !ok {
				return fail(v.Pos, "field reference", "fieldref compares two fields of the same event; Wazuh rules compare a field with a constant pattern only (an equality of two eventchannel fields is a search of the event's JSON log with a backreference)")
			}
			others = append(others, ref)
		case ast.ValCompare:
			return fail(v.Pos, "numeric comparison", "%s compares numbers; a PCRE2 pattern on the text is not exact for every number format", v.Op)
		default:
			return fail(v.Pos, "unsupported value", "value of kind %s", v.Kind)
		}
		return nil
	}
	if fm.All {
		var parts []*fx
		for _, v := range fm.Values {
			vals, others = nil, nil
			if err := add(v); err != nil {
				return nil, err
			}
			parts = append(parts, l.orValues(elem, name, vals, others))
		}
		return fxNary('a', parts), nil
	}
	for _, v := range fm.Values {
		if err := add(v); err != nil {
			return nil, err
		}
	}
	return l.orValues(elem, name, vals, others), nil
}

// partItem lowers an item on a part of a field (Fieldset.Parts): the path
// (before the first `?`, always present) or the query (after it, absent
// without `?`). String patterns are anchored to the part; regular expressions
// are refused.
func (l *lowerer) partItem(fm *ast.FieldMatch, pt FieldPart) (*fx, error) {
	elem, name := "field", pt.Field
	if staticElements[strings.ToLower(name)] {
		elem, name = strings.ToLower(name), strings.ToLower(name)
	}
	enc := l.fs.Encoding
	exists := l.lit(atom{elem: elem, name: name, pat: matchAll})
	if pt.Part == "query" {
		exists = l.lit(atom{elem: elem, name: name, pat: pattern{{core: `[^?]*\?`, start: true}}})
	}
	one := func(v ast.Value) (*fx, error) {
		var parts []ast.StringPart
		cased := fm.Cased
		switch v.Kind {
		case ast.ValString:
			parts = v.Parts
		case ast.ValNumber:
			parts, cased = []ast.StringPart{{Kind: ast.PartLit, Text: strconv.FormatFloat(v.Number, 'f', -1, 64)}}, true
		case ast.ValBool:
			parts = []ast.StringPart{{Kind: ast.PartLit, Text: strconv.FormatBool(v.Bool)}}
		case ast.ValNull:
			return fxNot(exists), nil
		case ast.ValExists:
			if v.Bool {
				return exists, nil
			}
			return fxNot(exists), nil
		default:
			return nil, fail(v.Pos, "value on a URL part", "field %q is a part of %s; only string patterns can be matched on it, not a %s", fm.Field, pt.Field, v.Kind)
		}
		a, ok, err := partAlt(parts, cased, enc, pt.Part)
		if err != nil {
			return nil, fail(v.Pos, "unresolved placeholder", "%v", err)
		}
		if !ok {
			return fxFalse, nil
		}
		return l.lit(atom{elem: elem, name: name, pat: pattern{a}}), nil
	}
	var args []*fx
	for _, v := range fm.Values {
		vals := []ast.Value{v}
		if v.Kind == ast.ValExpansion {
			vals = v.Variants
		}
		var alts []*fx
		for _, x := range vals {
			f, err := one(x)
			if err != nil {
				return nil, err
			}
			alts = append(alts, f)
		}
		args = append(args, fxNary('o', alts))
	}
	if fm.All {
		return fxNary('a', args), nil
	}
	return fxNary('o', args), nil
}

// partAlt renders a string pattern matched against the path or the query of a
// value, as one alternative anchored at the value's start; false when the
// pattern cannot match the part (a literal `?` in a path).
func partAlt(parts []ast.StringPart, cased bool, enc Encoding, part string) (alt, bool, error) {
	start, end := true, true
	for len(parts) > 0 && parts[0].Kind == ast.PartStar {
		start, parts = false, parts[1:]
	}
	for len(parts) > 0 && parts[len(parts)-1].Kind == ast.PartStar {
		end, parts = false, parts[:len(parts)-1]
	}
	star, any := `.*`, oneChar(enc, true)
	if part == "path" {
		star, any = `[^?]*`, `[^?\x80-\xbf][\x80-\xbf]*`
	}
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ast.PartLit:
			if part == "path" && strings.Contains(p.Text, "?") {
				return alt{}, false, nil
			}
			b.WriteString(literal(p.Text, cased, enc))
		case ast.PartStar:
			b.WriteString(star)
		case ast.PartQuestion:
			b.WriteString(any)
		case ast.PartPlaceholder:
			return alt{}, false, fmt.Errorf("placeholder %%%s%% has no value (give it values under placeholders: in a profile, rulec build --profile FILE)", p.Text)
		}
	}
	core := b.String()
	var out strings.Builder
	if part == "query" {
		out.WriteString(`[^?]*\?`)
	}
	if !start {
		out.WriteString(star)
	}
	out.WriteString(core)
	if end {
		if part == "path" {
			out.WriteString(`(?:\?|\z)`)
		} else {
			out.WriteString(`\z`)
		}
	}
	return alt{core: linearStars(out.String(), star), start: true, fold: !cased, dotall: part == "query"}, true, nil
}

// presenceItem lowers an item on a field whose values map to the presence of
// Wazuh fields (Fieldset.Values).
func (l *lowerer) presenceItem(fm *ast.FieldMatch, vm map[string][]string) (*fx, error) {
	var args []*fx
	for _, v := range fm.Values {
		lit, ok := "", v.Kind == ast.ValString
		for _, p := range v.Parts {
			ok = ok && p.Kind == ast.PartLit
			lit += p.Text
		}
		var fields []string
		for k, fs := range vm {
			if ok && (k == lit || !fm.Cased && strings.EqualFold(k, lit)) {
				fields = fs
			}
		}
		if fields == nil {
			return nil, fail(v.Pos, "value not decoded by Wazuh", "field %q: Wazuh tells only the values %s apart (by the fields its decoder produces), not %s", fm.Field, strings.Join(slices.Sorted(maps.Keys(vm)), ", "), v.String())
		}
		var any []*fx
		for _, f := range fields {
			any = append(any, l.lit(atom{elem: "field", name: f, pat: matchAll}))
		}
		args = append(args, fxNary('o', any))
	}
	if fm.All {
		return fxNary('a', args), nil
	}
	return fxNary('o', args), nil
}

// orValues ORs value alternatives on one field: those that fail on an absent field
// become one positive test, those that hold on it one negated test.
func (l *lowerer) orValues(elem, name string, vals []valueAlt, others []*fx) *fx {
	var pos, neg pattern
	var logs, needs []string
	hasLogs, hasNeeds := true, true
	for _, v := range vals {
		if v.onAbsent {
			neg = append(neg, v.a)
		} else {
			pos = append(pos, v.a)
			logs = append(logs, v.log)
			hasLogs = hasLogs && v.log != ""
			needs = append(needs, v.need)
			hasNeeds = hasNeeds && v.need != ""
		}
	}
	args := others
	if len(pos) > 0 {
		a := atom{elem: elem, name: name, pat: pos}
		if hasLogs {
			a.logAlts = logs
		}
		if hasNeeds {
			a.needs = needs
		}
		args = append(args, l.lit(a))
	}
	if len(neg) > 0 {
		args = append(args, fxNot(l.lit(atom{elem: elem, name: name, pat: neg, negate: true})))
	}
	return fxNary('o', args)
}

// where builds the profile's extra conditions: Sigma string patterns (`*`, `?`
// wildcards, `\` escapes), case-insensitive; `*` alone tests that the field exists.
func (l *lowerer) where(w map[string][]string, pos ast.Pos) (*fx, error) {
	keys := make([]string, 0, len(w))
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []*fx
	for _, k := range keys {
		fm := &ast.FieldMatch{Pos: pos, Field: k}
		for _, v := range w[k] {
			fm.Values = append(fm.Values, ast.Value{Kind: ast.ValString, Parts: ast.ParseString(v, false), Pos: pos})
		}
		f, err := l.item(fm)
		if err != nil {
			return nil, err
		}
		args = append(args, f)
	}
	return fxNary('a', args), nil
}

// ---- simplification and normal forms ----

// subst replaces atoms known to be true and simplifies.
func subst(e *fx, known map[int]bool) *fx {
	switch e.op {
	case 'l':
		if v, ok := known[e.atom]; ok {
			if v {
				return fxTrue
			}
			return fxFalse
		}
		return e
	case 'c':
		return e
	case 'n':
		return fxNot(subst(e.args[0], known))
	}
	args := make([]*fx, len(e.args))
	for i, a := range e.args {
		args[i] = subst(a, known)
	}
	return fxNary(e.op, args)
}

// dnfLit is an atom with a polarity; a term is a conjunction of literals.
type dnfLit struct {
	atom int
	pos  bool
}

type term []dnfLit

// dnf returns the disjunctive normal form of e (with the polarity flipped when neg),
// or false when it would exceed maxTerms.
func dnf(e *fx, neg bool) ([]term, bool) {
	switch e.op {
	case 'c':
		if e.val != neg {
			return []term{{}}, true
		}
		return nil, true
	case 'l':
		return []term{{{e.atom, !neg}}}, true
	case 'n':
		return dnf(e.args[0], !neg)
	}
	isOr := (e.op == 'o') != neg
	if isOr {
		var out []term
		for _, a := range e.args {
			ts, ok := dnf(a, neg)
			if !ok {
				return nil, false
			}
			out = append(out, ts...)
			if len(out) > maxTerms {
				return nil, false
			}
		}
		return dedupe(out), true
	}
	out := []term{{}}
	for _, a := range e.args {
		ts, ok := dnf(a, neg)
		if !ok {
			return nil, false
		}
		var next []term
		for _, x := range out {
			for _, y := range ts {
				if t, ok := conj(x, y); ok {
					next = append(next, t)
				}
			}
			if len(next) > maxTerms {
				return nil, false
			}
		}
		out = dedupe(next)
	}
	return out, true
}

// conj joins two terms; false when they contradict.
func conj(a, b term) (term, bool) {
	out := append(term{}, a...)
	for _, l := range b {
		dup := false
		for _, m := range out {
			if m.atom == l.atom {
				if m.pos != l.pos {
					return nil, false
				}
				dup = true
			}
		}
		if !dup {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].atom != out[j].atom {
			return out[i].atom < out[j].atom
		}
		return out[i].pos
	})
	return out, true
}

// dedupe removes duplicate terms and terms absorbed by a smaller one, keeping order.
func dedupe(ts []term) []term {
	var out []term
	for i, t := range ts {
		absorbed := false
		for j, u := range ts {
			if i != j && subset(u, t) && (len(u) < len(t) || j < i) {
				absorbed = true
				break
			}
		}
		if !absorbed {
			out = append(out, t)
		}
	}
	return out
}

func subset(a, b term) bool {
	for _, l := range a {
		found := false
		for _, m := range b {
			if l == m {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// ---- rule tree ----

// node is one generated Wazuh rule: positive tests, whether it alerts, and the
// children that Wazuh tries once it matched.
type node struct {
	tests    []int // atom ids
	alert    bool
	children []*node
}

// compile returns the children to put under a rule that already matched, so that
// the final outcome equals e: `def` is the outcome when no child matches (true when
// the rule above alerts). Children all have the same level, so Wazuh tries them in
// file order and the first that matches decides. A child tests one DNF term's
// positive literals; its negative literals are handled by its own children, with
// the outcome flipped. When a term has no positive dnfLit, a single child that
// always matches flips the outcome (its children then test the complement, which
// has one). Every step fixes at least one atom, so this terminates.
func (l *lowerer) compile(e *fx, def bool, known map[int]bool, depth int) ([]*node, error) {
	e = subst(e, known)
	if e.op == 'c' && e.val == def {
		return nil, nil
	}
	if depth > 64 {
		return nil, fmt.Errorf("condition nests too deeply")
	}
	terms, ok := dnf(e, def)
	if !ok {
		return nil, fmt.Errorf("condition expands to more than %d alternatives", maxTerms)
	}
	terms = l.consistent(terms)
	var out []*node
	for _, t := range terms {
		if !hasPositive(t) {
			l.nodes++
			n := &node{alert: !def}
			kids, err := l.compile(e, !def, known, depth+1)
			if err != nil {
				return nil, err
			}
			n.children = kids
			return []*node{n}, nil
		}
	}
	// One child per distinct set of positive literals; a set that contains another
	// is dropped, since the smaller one's child matches first and decides.
	var sets []term
	for _, t := range terms {
		var p term
		for _, lit := range t {
			if lit.pos {
				p = append(p, lit)
			}
		}
		sets = append(sets, p)
	}
	var kept []term
	for i, p := range sets {
		redundant := false
		for j, q := range sets {
			if i != j && subset(q, p) && (len(q) < len(p) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			kept = append(kept, p)
		}
	}
	for _, t := range kept {
		l.nodes++
		if l.nodes > maxNodes {
			return nil, fmt.Errorf("condition needs more than %d Wazuh rules", maxNodes)
		}
		n := &node{alert: !def}
		next := map[int]bool{}
		for k, v := range known {
			next[k] = v
		}
		for _, lit := range t {
			n.tests = append(n.tests, lit.atom)
			next[lit.atom] = true
		}
		kids, err := l.compile(e, !def, next, depth+1)
		if err != nil {
			return nil, err
		}
		n.children = kids
		out = append(out, n)
	}
	return out, nil
}

// consistent drops the terms whose positive tests cannot hold together on one
// event: a field's absence with a test of that field, or a field matched and
// not matched by the same pattern (negate="yes" written for the other).
func (l *lowerer) consistent(ts []term) []term {
	out := ts[:0:0]
	for _, t := range ts {
		absent := map[string]bool{}
		tested := map[string]bool{}
		seen := map[string]bool{}
		exact := map[string]pattern{}
		ok := true
		for _, lit := range t {
			if !lit.pos {
				continue
			}
			a := l.atoms[lit.atom]
			if a.absentKey != "" {
				absent[strings.ToLower(a.name)] = true
				continue
			}
			if a.elem != "field" {
				continue
			}
			name := strings.ToLower(a.name)
			tested[name] = true
			flip := a
			flip.negate = !flip.negate
			if seen[flip.key()] {
				ok = false
			}
			seen[a.key()] = true
			if !a.negate && exactValues(a.pat) {
				if prev, found := exact[name]; found && !valuesMeet(prev, a.pat) {
					ok = false // e.g. EventID 4781 and EventID 4720
				}
				exact[name] = a.pat
			}
		}
		for f := range absent {
			ok = ok && !tested[f]
		}
		if ok {
			out = append(out, t)
		}
	}
	return out
}

// exactValues reports whether every alternative of p is a whole value
// written as a plain literal (see literalText).
func exactValues(p pattern) bool {
	for _, a := range p {
		if _, ok := literalText(a); !ok {
			return false
		}
	}
	return len(p) > 0
}

// valuesMeet reports whether two exact-value patterns share a value.
func valuesMeet(p, q pattern) bool {
	for _, a := range p {
		x, _ := literalText(a)
		for _, b := range q {
			y, _ := literalText(b)
			if x == y || (a.fold || b.fold) && strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

// literalText returns the value an alternative matches when it is anchored at
// both ends and its core is letters, digits and escaped punctuation only (so
// it matches exactly one text, up to case when it folds).
func literalText(a alt) (string, bool) {
	if !a.start || !a.end {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(a.core); i++ {
		c := a.core[i]
		switch {
		case c == '\\' && i+1 < len(a.core) && strings.IndexByte(`\\.-_/:`, a.core[i+1]) >= 0:
			i++
			b.WriteByte(a.core[i])
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == ' ', c == '-', c == '_', c == '/', c == ':', c == '%', c == '@', c == ',', c == '=':
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return b.String(), true
}

func hasPositive(t term) bool {
	for _, l := range t {
		if l.pos {
			return true
		}
	}
	return false
}

// mergeFields folds OR-ed positive tests of the same field into one alternation
// and AND-ed negated positive tests likewise, which keeps the rule tree small.
func (l *lowerer) mergeFields(e *fx) *fx {
	switch e.op {
	case 'c', 'l':
		return e
	case 'n':
		return fxNot(l.mergeFields(e.args[0]))
	}
	args := make([]*fx, 0, len(e.args))
	for _, a := range e.args {
		args = append(args, l.mergeFields(a))
	}
	// Mergeable members: in an OR, plain atoms; in an AND, negated plain atoms.
	groups := map[string][]int{}
	var order []string
	var rest []*fx
	for i, a := range args {
		x := a
		if e.op == 'a' {
			if a.op != 'n' {
				rest = append(rest, a)
				continue
			}
			x = a.args[0]
		}
		if x.op != 'l' || l.atoms[x.atom].negate {
			rest = append(rest, a)
			continue
		}
		at := l.atoms[x.atom]
		k := at.elem + "\x00" + strings.ToLower(at.name)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	merged := rest
	for _, k := range order {
		idx := groups[k]
		var pat pattern
		var first atom
		var logs, needs []string
		hasLogs, hasNeeds := true, true
		for n, i := range idx {
			x := args[i]
			if e.op == 'a' {
				x = x.args[0]
			}
			at := l.atoms[x.atom]
			if n == 0 {
				first = at
			}
			pat = append(pat, at.pat...)
			logs = append(logs, at.logAlts...)
			hasLogs = hasLogs && at.logAlts != nil
			needs = append(needs, at.needs...)
			hasNeeds = hasNeeds && at.needs != nil
		}
		var f *fx
		if len(idx) == 1 {
			f = args[idx[0]]
		} else {
			m := atom{elem: first.elem, name: first.name, pat: uniqueAlts(pat)}
			if hasLogs {
				m.logAlts = logs
			}
			if hasNeeds && e.op == 'o' {
				m.needs = needs
			}
			f = l.lit(m)
			if e.op == 'a' {
				f = fxNot(f)
			}
		}
		merged = append(merged, f)
	}
	return fxNary(e.op, merged)
}

func uniqueAlts(p pattern) pattern {
	var out pattern
	seen := map[alt]bool{}
	for _, a := range p {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// splitLarge replaces each atom whose pattern renders longer than limit by an
// OR of atoms over slices of its alternatives, each within limit, so a long
// list of values (thousands of hashes or package names) becomes several
// sibling rules or tests of one Sigma rule instead of a skip: a value matches
// the pattern exactly when it matches one slice. The slices keep no log forms
// (their negations take the absent / negate="yes" form). An atom with one
// alternative over the limit stays as it is (the caller refuses it).
func (l *lowerer) splitLarge(e *fx, limit int) *fx {
	switch e.op {
	case 'c':
		return e
	case 'l':
		a := l.atoms[e.atom]
		if len(a.pat) < 2 || a.absentKey != "" || len(a.pat.render()) <= limit {
			return e
		}
		var parts []*fx
		var cur pattern
		size := 0
		flush := func() {
			if len(cur) > 0 {
				parts = append(parts, l.lit(atom{elem: a.elem, name: a.name, pat: cur, negate: a.negate}))
				cur, size = nil, 0
			}
		}
		for _, x := range a.pat {
			// A bound on what x adds to a rendering: its own (flags included)
			// plus a separator, a non-capturing group and a case-insensitive one.
			n := len(pattern{x}.render()) + 16
			if size+n > limit {
				flush()
			}
			cur = append(cur, x)
			size += n
		}
		flush()
		if a.negate {
			// F !~ (p1|p2) is F !~ p1 and F !~ p2 (both need F present).
			return fxNary('a', parts)
		}
		return fxNary('o', parts)
	case 'n':
		return fxNot(l.splitLarge(e.args[0], limit))
	}
	args := make([]*fx, len(e.args))
	for i, a := range e.args {
		args[i] = l.splitLarge(a, limit)
	}
	return fxNary(e.op, args)
}

// atomsOf adds the atoms the formula e tests to set and returns it.
func atomsOf(e *fx, set map[int]bool) map[int]bool {
	if e.op == 'l' {
		set[e.atom] = true
	}
	for _, a := range e.args {
		atomsOf(a, set)
	}
	return set
}
