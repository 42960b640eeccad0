package engine_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
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
)

var gapNames = map[gap]string{gapLiteral: "literal-values", gapMissing: "missing-field-as-<nil>", gapKeywords: "no-keyword-search"}

func (g gap) String() string {
	var out []string
	for _, k := range []gap{gapLiteral, gapMissing, gapKeywords} {
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

// explain finds the smallest set of sigma-go gaps that, reproduced in rulec, gives sigma-go's answer.
func explain(r *ast.Rule, ev engine.Event, want bool) gap {
	for _, g := range []gap{gapLiteral, gapMissing, gapKeywords, gapLiteral | gapMissing,
		gapLiteral | gapKeywords, gapMissing | gapKeywords, gapLiteral | gapMissing | gapKeywords} {
		rs, diags := engine.NewRuleset([]*ast.Rule{emulate(r, g)}, engine.Options{IgnoreLogsource: true})
		if diags.HasErrors() || rs.Len() != 1 {
			continue
		}
		e := ev
		if g&gapMissing != 0 {
			e = nilEvent{ev}
		}
		got, err := rs.NewEvaluator().MatchDetection(0, e)
		if err == nil && got == want {
			return g
		}
	}
	return 0
}

// genEvents builds events from a rule's own values: for each search, events
// that satisfy each of its alternatives, one that satisfies every search, and
// variations of each (case changes, added text, wildcard fillers, a dropped
// field, a truncated value).
func genEvents(r *ast.Rule, limit int) []map[string]any {
	var bases []map[string]string
	all := map[string]string{}
	for _, s := range r.Detection.Searches {
		alts := alternatives(s.Body, "")
		bases = append(bases, alts...)
		if len(alts) > 0 {
			merge(all, alts[0])
		}
		// Wildcards filled with text instead of nothing.
		bases = append(bases, alternatives(s.Body, "Zq")...)
	}
	bases = append(bases, all)
	var out []map[string]any
	seen := map[string]bool{}
	add := func(m map[string]string) {
		if len(out) >= limit {
			return
		}
		key := canonical(m)
		if seen[key] {
			return
		}
		seen[key] = true
		ev := make(map[string]any, len(m))
		for k, v := range m {
			ev[k] = v
		}
		out = append(out, ev)
	}
	for _, b := range bases {
		add(b)
	}
	for _, b := range bases {
		add(mapValues(b, strings.ToUpper))
		add(mapValues(b, strings.ToLower))
		add(mapValues(b, func(s string) string { return "Q" + s + "Q" }))
		add(mapValues(b, func(s string) string {
			if s == "" {
				return s
			}
			return s[:len(s)-1]
		}))
		keys := sortedStrings(b)
		if len(keys) > 0 {
			d := copyMap(b)
			delete(d, keys[0])
			add(d)
		}
	}
	return out
}

// alternatives returns field assignments that satisfy a matcher (bounded).
func alternatives(m *ast.Matcher, fill string) []map[string]string {
	const maxAlts = 6
	switch m.Op {
	case ast.MatchField:
		f := m.Field
		if f.IsKeyword() {
			// Keywords: the text in a message field.
			var out []map[string]string
			for i := range f.Values {
				if s, ok := sampleText(&f.Values[i], fill); ok && len(out) < maxAlts {
					out = append(out, map[string]string{"message": "x " + s + " y"})
				}
			}
			if f.All && len(out) > 0 {
				all := map[string]string{}
				for _, o := range out {
					merge(all, o)
				}
				return []map[string]string{all}
			}
			return out
		}
		if f.All {
			parts := make([]string, 0, len(f.Values))
			for i := range f.Values {
				if s, ok := sampleText(&f.Values[i], fill); ok {
					parts = append(parts, s)
				}
			}
			return []map[string]string{{f.Field: strings.Join(parts, " ")}}
		}
		var out []map[string]string
		for i := range f.Values {
			if s, ok := sampleText(&f.Values[i], fill); ok && len(out) < maxAlts {
				out = append(out, map[string]string{f.Field: s})
			}
		}
		return out
	case ast.MatchAny:
		var out []map[string]string
		for _, it := range m.Items {
			for _, a := range alternatives(it, fill) {
				if len(out) < maxAlts {
					out = append(out, a)
				}
			}
		}
		return out
	}
	out := []map[string]string{{}}
	for _, it := range m.Items {
		alts := alternatives(it, fill)
		if len(alts) == 0 {
			continue
		}
		var next []map[string]string
		for _, o := range out {
			for _, a := range alts {
				if len(next) < maxAlts {
					n := copyMap(o)
					merge(n, a)
					next = append(next, n)
				}
			}
		}
		out = next
	}
	return out
}

// sampleText returns a text the value matches (best effort).
func sampleText(v *ast.Value, fill string) (string, bool) {
	switch v.Kind {
	case ast.ValString:
		var b strings.Builder
		for _, p := range v.Parts {
			switch p.Kind {
			case ast.PartLit:
				b.WriteString(p.Text)
			case ast.PartStar:
				b.WriteString(fill)
			case ast.PartQuestion:
				b.WriteString("x")
			default:
				b.WriteString("ph")
			}
		}
		return b.String(), true
	case ast.ValNumber, ast.ValBool:
		return v.Raw, true
	case ast.ValCompare:
		return strconv.FormatFloat(v.Number+1, 'f', -1, 64), true
	case ast.ValCIDR:
		p, err := netip.ParsePrefix(v.CIDR)
		if err != nil {
			return "", false
		}
		return p.Addr().Next().String(), true
	case ast.ValExpansion:
		if len(v.Variants) > 0 {
			return sampleText(&v.Variants[0], fill)
		}
	}
	return "", false
}

func merge(dst, src map[string]string) {
	for k, v := range src {
		if old, ok := dst[k]; ok && old != v {
			dst[k] = old + " " + v
			continue
		}
		dst[k] = v
	}
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mapValues(m map[string]string, fn func(string) string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = fn(v)
	}
	return out
}

func sortedStrings(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func canonical(m map[string]string) string {
	var b strings.Builder
	for _, k := range sortedStrings(m) {
		fmt.Fprintf(&b, "%q=%q;", k, m[k])
	}
	return b.String()
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
