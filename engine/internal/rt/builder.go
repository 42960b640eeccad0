package rt

import (
	"maps"
	"slices"

	"github.com/rulec/rulec/ast"
)

// Builder compiles detection rules and their logsource groups into one
// Program: the compiler package engine's Ruleset and package abi's code
// generators share.
type Builder struct {
	fields *fieldTable
	tests  *testTable
	cp     *compiler
	rules  []builtRule
	groups []builtGroup
}

type builtRule struct {
	rule   *ast.Rule
	det    *Expr
	group  int
	clause clause
}

type builtGroup struct {
	claim LogsourceClaim
	alts  []builtAlt
	rules []int32
}

type builtAlt struct {
	where  *Expr
	fields map[string][]string
}

// GroupAlt is one way an event belongs to a logsource group: conditions
// AND-ed, and the renames of rule fields to event fields.
type GroupAlt struct {
	Where  []*ast.FieldMatch
	Fields map[string][]string
}

// Detection is a compiled detection section, not yet added to a Builder.
type Detection struct{ d *Expr }

// CompileError is a problem that makes one rule unusable; Pos is zero when
// the problem has no position of its own.
type CompileError struct {
	Pos ast.Pos
	Msg string
}

// Error renders the problem with its position.
func (e *CompileError) Error() string { return e.Pos.String() + ": " + e.Msg }

// NewBuilder returns a Builder; placeholders are the values of %name% placeholders.
func NewBuilder(placeholders map[string][]string) *Builder {
	f, t := newFieldTable(), newTestTable()
	return &Builder{fields: f, tests: t, cp: &compiler{fields: f, tests: t, placeholders: placeholders}}
}

// Compile compiles a detection section. The warnings are non-fatal problems
// (placeholders without values); an error is a *CompileError.
func (b *Builder) Compile(d *ast.Detection) (*Detection, ast.Diagnostics, error) {
	b.cp.warnings = nil
	b.tests.user++
	det, err := b.cp.detection(d)
	if err != nil {
		return nil, nil, err
	}
	return &Detection{det}, b.cp.warnings, nil
}

// AddGroup compiles a logsource group's alternatives and returns its index.
func (b *Builder) AddGroup(claim LogsourceClaim, alts []GroupAlt) (int, error) {
	g := builtGroup{claim: claim}
	for _, a := range alts {
		b.tests.user++
		var where []*Expr
		for _, fm := range a.Where {
			n, err := b.cp.fieldMatch(fm)
			if err != nil {
				return 0, err
			}
			where = append(where, n)
		}
		ga := builtAlt{fields: a.Fields, where: naryExpr(ExprAnd, where)}
		for _, k := range slices.Sorted(maps.Keys(a.Fields)) {
			b.fields.id(k)
			for _, n := range a.Fields[k] {
				b.fields.id(n)
			}
		}
		g.alts = append(g.alts, ga)
	}
	b.groups = append(b.groups, g)
	return len(b.groups) - 1, nil
}

// AddRule adds a compiled detection of rule r to group g and returns the rule's index.
func (b *Builder) AddRule(r *ast.Rule, d *Detection, g int) int {
	b.groups[g].rules = append(b.groups[g].rules, int32(len(b.rules)))
	b.rules = append(b.rules, builtRule{rule: r, det: d.d, group: g})
	return len(b.rules) - 1
}

// Program derives each rule's index clause (see prefilter.go) and returns
// the program both executors run: the tests, the detections and logsource
// conditions as expressions over them, the renames, and the literal index
// atoms of every rule under each alternative of its group. Tests that
// several rules or alternatives share are memoized per event.
func (b *Builder) Program() *Program {
	ix := &indexer{}
	usable := make([]*ast.Rule, len(b.rules))
	for i := range b.rules {
		usable[i] = b.rules[i].rule
	}
	ix.countPopularity(usable)
	for i := range b.rules {
		b.rules[i].clause = ix.ruleClause(b.rules[i].rule.Detection)
	}
	p := &Program{Tests: b.tests.list, Literals: b.tests.literals}
	for i := range p.Tests {
		if b.tests.users[i] >= 2 {
			p.Tests[i].Memo = int32(p.Memo)
			p.Memo++
		}
	}
	for _, cr := range b.rules {
		p.Rules = append(p.Rules, Rule{Group: int32(cr.group), Plan: cr.det})
	}
	for gi, g := range b.groups {
		gg := Group{Claim: g.claim}
		for _, a := range g.alts {
			var ga Alt
			if a.where.Op != ExprTrue {
				ga.WherePlan = a.where
			}
			keys := make([]string, 0, len(a.fields))
			for k := range a.fields {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				to := make([]int32, len(a.fields[k]))
				for i, n := range a.fields[k] {
					to[i] = b.fields.id(n)
				}
				ga.Renames = append(ga.Renames, Rename{Field: b.fields.id(k), To: to})
			}
			gg.Alts = append(gg.Alts, ga)
		}
		for _, ri := range g.rules {
			c := b.rules[ri].clause
			if c.top {
				for ai := range gg.Alts {
					gg.Alts[ai].Always = append(gg.Alts[ai].Always, ri)
				}
				continue
			}
			for ai, a := range g.alts {
				for _, at := range c.atoms {
					targets := []string{at.field}
					if t, ok := a.fields[at.field]; ok && at.field != "" {
						targets = t
					}
					for _, t := range targets {
						field := AnyField
						if t != "" {
							field = b.fields.id(t)
						}
						p.Atoms = append(p.Atoms, Atom{Field: field, Op: at.op, Needle: at.needle, Group: int32(gi), Alt: int32(ai), Rule: ri})
					}
				}
			}
		}
		p.Groups = append(p.Groups, gg)
	}
	p.Fields = b.fields.names // after every field the atoms name is interned
	return NewProgram(p)
}

// IndexAtom is one literal of a rule's index clause: the lowered text of
// Field (every value of the event when "") has Op with Needle.
type IndexAtom struct {
	Field  string
	Op     AtomOp
	Needle string
}

// IndexClause returns the index clause of rule i (after Program): atoms of
// which one holds on every event the rule matches. indexed is false when the
// rule has none and is evaluated on every event of its logsource (a rule that
// is indexed with no atom never matches).
func (b *Builder) IndexClause(i int) (atoms []IndexAtom, indexed bool) {
	c := b.rules[i].clause
	if c.top {
		return nil, false
	}
	atoms = make([]IndexAtom, len(c.atoms))
	for k, a := range c.atoms {
		atoms[k] = IndexAtom{Field: a.field, Op: a.op, Needle: a.needle}
	}
	return atoms, true
}
