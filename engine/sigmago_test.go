package engine_test

import (
	"context"
	"fmt"
	"math/bits"
	"os"
	"strings"
	"testing"

	sigma "github.com/bradleyjkemp/sigma-go"
	sigmaeval "github.com/bradleyjkemp/sigma-go/evaluator"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
)

// Differential testing against github.com/bradleyjkemp/sigma-go v0.6.6 (the oracle).
// sigma-go reads the original rule YAML; rulec reads the AST of the same file.

// oracle is sigma-go's evaluator for one rule.
type oracle struct {
	rule *ast.Rule
	eval *sigmaeval.RuleEvaluator
}

// newOracle parses the rule's file with sigma-go; files holding several documents are not compared.
func newOracle(r *ast.Rule, docsPerFile map[string]int) (*oracle, error) {
	if docsPerFile[r.Pos.File] != 1 {
		return nil, fmt.Errorf("file holds %d documents", docsPerFile[r.Pos.File])
	}
	data, err := os.ReadFile(r.Pos.File)
	if err != nil {
		return nil, err
	}
	sr, err := sigma.ParseRule(data)
	if err != nil {
		return nil, fmt.Errorf("sigma-go cannot parse the rule: %w", err)
	}
	return &oracle{rule: r, eval: sigmaeval.ForRule(sr)}, nil
}

func (o *oracle) match(ev map[string]any) (bool, error) {
	res, err := o.eval.Matches(context.Background(), ev)
	return res.Match, err
}

// Known gaps of sigma-go v0.6.6. A disagreement is explained when rulec, made to
// reproduce one or more of these gaps, gives sigma-go's answer; each gap is a
// departure from the Sigma specification, so on an explained disagreement rulec
// is the engine that follows the specification.
type gap int

const (
	// gapLiteral: sigma-go compares values as written: `*` and `?` are plain
	// characters and `\` escapes are kept. Specification: sigma-rules-specification.md,
	// "String Wildcard" (`*` any run of characters, `?` one character) and "Escape Character"
	// (`\*`, `\?` plain wildcards, `\\` one backslash).
	gapLiteral gap = 1 << iota
	// gapMissing: sigma-go reads a missing (or null) field as the text "<nil>", so
	// `contains: 'i'` matches an event without the field. Specification:
	// sigma-rules-specification.md, "engine.Value Types"/null: a missing field only matches null
	// (and `exists: false`); no value matches it otherwise.
	gapMissing
	// gapKeywords: sigma-go has no keyword search (a `'|all'` keyword map is read as a
	// field named "" that never matches). Specification: sigma-rules-specification.md,
	// "Lists" / keywords: values without a field are searched in the whole event.
	gapKeywords
	// gapDotted: sigma-go reads a field name with dots only as a path into nested
	// objects, so a flat key such as Zeek's `id.orig_h` is missing for it.
	// Specification: sigma-rules-specification.md, "Field Usage": fields are named as
	// they appear in the log source (Zeek, ECS exports and many JSON logs use dotted keys).
	gapDotted
)

var gapNames = map[gap]string{gapLiteral: "literal-values", gapMissing: "missing-field-as-<nil>", gapKeywords: "no-keyword-search", gapDotted: "dotted-field-as-path"}

func (g gap) String() string {
	var out []string
	for _, k := range []gap{gapLiteral, gapMissing, gapKeywords, gapDotted} {
		if g&k != 0 {
			out = append(out, gapNames[k])
		}
	}
	if len(out) == 0 {
		return "unexplained"
	}
	return strings.Join(out, "+")
}

// emulate returns a copy of the rule that reproduces the given sigma-go gaps in rulec.
func emulate(r *ast.Rule, g gap) *ast.Rule {
	cp := *r
	det := *r.Detection
	det.Searches = make([]*ast.Search, len(r.Detection.Searches))
	for i, s := range r.Detection.Searches {
		sc := *s
		sc.Body = emulateMatcher(s.Body, g)
		det.Searches[i] = &sc
	}
	cp.Detection = &det
	return &cp
}

func emulateMatcher(m *ast.Matcher, g gap) *ast.Matcher {
	cp := *m
	if m.Field != nil {
		f := *m.Field
		switch {
		case f.IsKeyword() && g&gapKeywords != 0:
			f = ast.FieldMatch{Field: "\x00no keyword search", Values: []ast.Value{{Kind: ast.ValExists, Bool: true}}}
		case g&gapLiteral != 0 && !f.HasModifier("base64"):
			f.Values = make([]ast.Value, len(m.Field.Values))
			for i, v := range m.Field.Values {
				if v.Kind == ast.ValString {
					parts := []ast.StringPart{{Kind: ast.PartLit, Text: v.Raw}}
					if f.HasModifier("contains") || f.HasModifier("endswith") {
						parts = append([]ast.StringPart{{Kind: ast.PartStar}}, parts...)
					}
					if f.HasModifier("contains") || f.HasModifier("startswith") {
						parts = append(parts, ast.StringPart{Kind: ast.PartStar})
					}
					v.Parts = parts
				}
				f.Values[i] = v
			}
		}
		cp.Field = &f
	}
	cp.Items = make([]*ast.Matcher, len(m.Items))
	for i, it := range m.Items {
		cp.Items[i] = emulateMatcher(it, g)
	}
	return &cp
}

// nilEvent reproduces sigma-go's reading of missing and null fields as "<nil>".
type nilEvent struct{ engine.Event }

func (e nilEvent) Get(f string) (engine.Value, bool) {
	v, ok := e.Event.Get(f)
	if !ok || v.Kind == engine.KindNull {
		return engine.Value{Kind: engine.KindString, S: "<nil>"}, true
	}
	return v, true
}

// flatOnlyEvent reproduces sigma-go's reading of dotted field names as nested paths:
// a flat key with dots is not found.
type flatOnlyEvent struct{ engine.Event }

func (e flatOnlyEvent) Get(f string) (engine.Value, bool) {
	if strings.Contains(f, ".") {
		if m, ok := e.Event.(*engine.MapEvent); ok {
			if _, flat := m.M[f]; flat {
				return engine.Value{}, false
			}
		}
	}
	return e.Event.Get(f)
}

// explain finds the smallest set of sigma-go gaps that, reproduced in rulec, gives sigma-go's answer.
func explain(r *ast.Rule, ev engine.Event, want bool) gap {
	var combos []gap
	for size := 1; size <= 4; size++ {
		for g := gap(1); g < 1<<4; g++ {
			if bits.OnesCount(uint(g)) == size {
				combos = append(combos, g)
			}
		}
	}
	for _, g := range combos {
		rs, diags := engine.NewRuleset([]*ast.Rule{emulate(r, g)}, engine.Options{IgnoreLogsource: true})
		if diags.HasErrors() || rs.Len() != 1 {
			continue
		}
		e := ev
		if g&gapDotted != 0 {
			e = flatOnlyEvent{e}
		}
		if g&gapMissing != 0 {
			e = nilEvent{e}
		}
		got, err := rs.NewEvaluator().MatchDetection(0, e)
		if err == nil && got == want {
			return g
		}
	}
	return 0
}

// sample is an event given to both engines: rulec reads ev, sigma-go reads m.
type sample struct {
	ev engine.Event
	m  map[string]any
}

// mapSample wraps a flat map for both engines.
func mapSample(m map[string]any) sample { return sample{ev: engine.NewMapEvent(m), m: m} }

// disagreement is a (rule, event) pair on which the engines differ.
type disagreement struct {
	rule         *ast.Rule
	sample       sample
	rulec, sigma bool
}

// differential compares both engines on the given events of each rule sigma-go
// can evaluate (it parses the rule and evaluates it without error). It returns
// the disagreements, the rules compared and the rules sigma-go cannot evaluate.
func differential(t *testing.T, rs *engine.Ruleset, events func(i int) []sample) (diffs []disagreement, compared, excluded int) {
	docs := map[string]int{}
	for i := 0; i < rs.Len(); i++ {
		docs[rs.Rule(i).Pos.File]++
	}
	ev := rs.NewEvaluator()
rules:
	for i := 0; i < rs.Len(); i++ {
		r := rs.Rule(i)
		evs := events(i)
		if len(evs) == 0 {
			continue
		}
		o, err := newOracle(r, docs)
		if err != nil {
			excluded++
			continue
		}
		var local []disagreement
		for _, e := range evs {
			want, err := o.match(e.m)
			if err != nil {
				excluded++ // sigma-go cannot evaluate this rule (unsupported modifier, keywords, placeholder)
				continue rules
			}
			got, err := ev.MatchDetection(i, e.ev)
			if err != nil {
				t.Fatalf("%s: %v", r.Pos.File, err)
			}
			if got != want {
				local = append(local, disagreement{rule: r, sample: e, rulec: got, sigma: want})
			}
		}
		compared++
		diffs = append(diffs, local...)
	}
	return diffs, compared, excluded
}
