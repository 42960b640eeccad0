package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine/abi"
	"github.com/rulec/rulec/engine/internal/rt"
)

// Options configures a Ruleset.
type Options struct {
	// Profile maps logsources to events; nil uses DefaultProfile().
	Profile *Profile
	// IgnoreLogsource lets every rule see every event.
	IgnoreLogsource bool
}

// Ruleset is a set of compiled detection rules evaluated together. It is
// immutable once built and safe for concurrent use through one Evaluator per goroutine.
type Ruleset struct {
	rules   []*compiledRule
	b       *rt.Builder
	groups  []*group
	profile *Profile
	diags   ast.Diagnostics
	// unmapped counts the rules whose logsource the profile does not know.
	unmapped int
	// prog is the compiled program every Evaluator executes: the one runtime
	// generated code runs on too (fields, logsource groups, literal index).
	prog *rt.Program
}

// compiledRule is one usable detection rule.
type compiledRule struct {
	rule  *ast.Rule
	group int
}

// group gathers the rules that share a logsource restriction.
type group struct {
	key   string
	claim LogsourceClaim
	rules []int32
}

// NewRuleset compiles the detection rules (other kinds are ignored). A rule that
// cannot be compiled is left out with an error diagnostic naming its position;
// the others are unaffected. Warnings (e.g. placeholders without values) do not
// leave rules out.
func NewRuleset(rules []*ast.Rule, opts Options) (*Ruleset, ast.Diagnostics) {
	rs := &Ruleset{profile: opts.Profile}
	switch {
	case rs.profile != nil:
	case opts.IgnoreLogsource:
		rs.profile = &Profile{Name: "none"}
	default:
		p, err := DefaultProfile()
		if err != nil {
			// Only a broken build: the built-in profile is embedded and tested.
			p = &Profile{Name: "none"}
			rs.diags = append(rs.diags, ast.Diagnostic{Severity: ast.SeverityError, Code: "profile", Message: err.Error()})
		}
		rs.profile = p
	}
	rs.b = rt.NewBuilder(rs.profile.Placeholders)
	groupOf := map[string]int{}
	for _, r := range rules {
		if r == nil || r.Kind != ast.KindDetection {
			continue
		}
		det, warnings, err := rs.b.Compile(r.Detection)
		if err != nil {
			rs.diags = append(rs.diags, compileDiag(r, err))
			continue
		}
		rs.diags = append(rs.diags, warnings...)
		entries, claim := ResolveRule(rs.profile, r.Logsource, opts.IgnoreLogsource)
		key := GroupKey(entries, claim)
		gi, ok := groupOf[key]
		if !ok {
			g, err := rs.newGroup(groupKey(entries), entries, claim)
			if err != nil {
				rs.diags = append(rs.diags, compileDiag(r, err))
				continue
			}
			gi = len(rs.groups)
			groupOf[key] = gi
			rs.groups = append(rs.groups, g)
		}
		if claim.Unmapped {
			rs.unmapped++
			rs.diags = append(rs.diags, unmappedDiag(r, rs.profile))
		}
		rs.b.AddRule(r, det, gi)
		rs.groups[gi].rules = append(rs.groups[gi].rules, int32(len(rs.rules)))
		rs.rules = append(rs.rules, &compiledRule{rule: r, group: gi})
	}
	rs.prog = rs.b.Program()
	rs.diags.Sort()
	return rs, rs.diags
}

func compileDiag(r *ast.Rule, err error) ast.Diagnostic {
	pos := r.Pos
	msg := err.Error()
	var ce *rt.CompileError
	if errors.As(err, &ce) {
		msg = ce.Msg
		if ce.Pos.Line != 0 {
			pos = ce.Pos
		}
	}
	return ast.Diagnostic{Pos: pos, Severity: ast.SeverityError, Code: "engine",
		Message: fmt.Sprintf("rule %q cannot be evaluated and is skipped: %s", r.Title, msg)}
}

// ResolveRule decides how a rule's logsource restricts the events it sees: the
// profile entries whose conditions an event must meet (see Profile.Resolve)
// and the claim checked against the event's known source (see
// LogsourceClaim.Admits). With ignoreLogsource, neither restricts anything.
// The interpreter and generated code group rules by it (see GroupKey).
func ResolveRule(p *Profile, ls ast.Logsource, ignoreLogsource bool) ([]*LogsourceEntry, LogsourceClaim) {
	if ignoreLogsource {
		return nil, LogsourceClaim{}
	}
	entries := p.Resolve(ls)
	return entries, ClaimOf(ls, len(entries) > 0)
}

// GroupKey identifies the logsource group of rules with these entries and claim.
func GroupKey(entries []*LogsourceEntry, claim LogsourceClaim) string {
	return groupKey(entries) + "|" + claim.Key()
}

// unmappedDiag is the warning, once per rule, that the profile does not know its logsource.
func unmappedDiag(r *ast.Rule, p *Profile) ast.Diagnostic {
	pos := r.Logsource.Pos
	if pos.Line == 0 {
		pos = r.Pos
	}
	return ast.Diagnostic{Pos: pos, Severity: ast.SeverityWarning, Code: "logsource",
		Message: fmt.Sprintf("rule %q: logsource %s is not in profile %s: the rule sees only events of unknown origin "+
			"and inputs declared as %s",
			r.Title, rt.LogsourceKey(r.Logsource.Product, r.Logsource.Category, r.Logsource.Service), p.Name,
			ClaimOf(r.Logsource, false).Source.String())}
}

func groupKey(entries []*LogsourceEntry) string {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key()
	}
	return strings.Join(keys, "&")
}

// Alternatives returns the ways an event meets every one of AND-ed profile
// entries: the cross product of their alternatives, each alternative's
// conditions AND-ed, with the renames of earlier entries taking precedence.
// The interpreter and generated code build logsource groups with it.
func Alternatives(entries []*LogsourceEntry) []*Alternative {
	alts := []*Alternative{{}}
	for _, e := range entries {
		var next []*Alternative
		for _, a := range alts {
			for _, b := range e.Alternatives {
				m := &Alternative{Where: append(append([]*ast.FieldMatch(nil), a.Where...), b.Where...)}
				if a.Fields != nil || b.Fields != nil {
					m.Fields = map[string][]string{}
					for k, v := range b.Fields {
						m.Fields[k] = v
					}
					for k, v := range a.Fields {
						m.Fields[k] = v
					}
				}
				next = append(next, m)
			}
		}
		alts = next
	}
	return alts
}

// newGroup compiles the alternatives of a logsource restriction (see Alternatives).
func (rs *Ruleset) newGroup(key string, entries []*LogsourceEntry, claim LogsourceClaim) (*group, error) {
	alts := Alternatives(entries)
	in := make([]rt.GroupAlt, len(alts))
	for i, a := range alts {
		in[i] = rt.GroupAlt{Where: a.Where, Fields: a.Fields}
	}
	if _, err := rs.b.AddGroup(claim, in); err != nil {
		return nil, fmt.Errorf("logsource %s in profile %s: %w", key, rs.profile.Name, err)
	}
	return &group{key: key, claim: claim}, nil
}

// Len returns the number of usable rules.
func (rs *Ruleset) Len() int { return len(rs.rules) }

// Rule returns usable rule i (match results are such indices).
func (rs *Ruleset) Rule(i int) *ast.Rule { return rs.rules[i].rule }

// Diagnostics returns the problems found while compiling.
func (rs *Ruleset) Diagnostics() ast.Diagnostics { return rs.diags }

// Unmapped counts the rules whose logsource the profile does not know (each
// has a warning among the diagnostics).
func (rs *Ruleset) Unmapped() int { return rs.unmapped }

// Profile returns the logsource profile in use.
func (rs *Ruleset) Profile() *Profile { return rs.profile }

// LogsourceGroup describes the rules that share one logsource restriction.
type LogsourceGroup struct {
	// Key names the profile entries, e.g. "windows/process_creation/*"; empty when unrestricted.
	Key string
	// Claim is the rules' logsource, checked against the events' known source.
	Claim LogsourceClaim
	Rules int
	// Indexed counts the rules reached only through the literal index.
	Indexed int
}

// Groups describes the logsource groups, in first-use order.
func (rs *Ruleset) Groups() []LogsourceGroup {
	out := make([]LogsourceGroup, len(rs.groups))
	for i, g := range rs.groups {
		out[i] = LogsourceGroup{Key: g.key, Claim: g.claim, Rules: len(g.rules)}
		for _, ri := range g.rules {
			if _, indexed := rs.b.IndexClause(int(ri)); indexed {
				out[i].Indexed++
			}
		}
	}
	return out
}

// Evaluator evaluates a Ruleset on events, one at a time: it executes the
// rule set's compiled program with the state generated code runs on too. It holds per-event scratch state: use one Evaluator per goroutine.
type Evaluator struct {
	rs *Ruleset
	s  *rt.State
}

// NewEvaluator returns an evaluator for the ruleset.
func (rs *Ruleset) NewEvaluator() *Evaluator { return &Evaluator{rs: rs, s: rs.prog.NewState()} }

// Match returns the indices of the rules that match the event, in ascending
// order. The slice is reused by the next call. A panic while selecting
// candidates (e.g. from the event itself) is recorded with rule -1 and skips
// the logsource group for this event; a panic in a rule skips the rule.
func (e *Evaluator) Match(ev Event) []int { return e.s.Match(ev) }

// MatchRule evaluates one rule on the event: false when the event is not of the
// rule's logsource, else its detection (through the logsource's field renames).
// A panic inside the rule is returned as an error.
func (e *Evaluator) MatchRule(i int, ev Event) (bool, error) {
	ok, err := e.s.MatchRule(i, ev)
	return ok, e.named(i, err)
}

// MatchDetection evaluates one rule's detection on the event, ignoring its logsource.
func (e *Evaluator) MatchDetection(i int, ev Event) (bool, error) {
	ok, err := e.s.MatchDetection(i, ev)
	return ok, e.named(i, err)
}

func (e *Evaluator) named(i int, err error) error {
	if err != nil {
		return fmt.Errorf("rule %q: %w", e.rs.rules[i].rule.Title, err)
	}
	return nil
}

// InLogsource reports whether the event belongs to rule i's logsource.
func (e *Evaluator) InLogsource(i int, ev Event) bool { return e.s.InLogsource(i, ev) }

// Panics lists the rules whose evaluation panicked, by rule index.
func (e *Evaluator) Panics() []RulePanic { return e.s.Panics() }

// IndexAtom is one literal of a rule's index clause: the lowered text of
// Field (every value of the event when "") has Op with Needle.
type IndexAtom = rt.IndexAtom

// IndexClause returns the index clause of usable rule i: atoms of which one
// holds on every event the rule matches. indexed is false when the rule has
// none and is evaluated on every event of its logsource (a rule that is
// indexed with no atom never matches).
func (rs *Ruleset) IndexClause(i int) (atoms []IndexAtom, indexed bool) { return rs.b.IndexClause(i) }

// Program returns the compiled program the rule set executes: its tests,
// each rule's detection as an expression over them, the logsource groups and
// the literal index. Code generators render it (see engine/abi); it is shared
// and must not be modified.
func (rs *Ruleset) Program() *abi.Program { return rs.prog }
