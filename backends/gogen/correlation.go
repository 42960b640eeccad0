package gogen

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/correlation"
)

// Correlation rules compile onto the engine's windowed state (engine/correlation),
// which takes *ast.Rule values: the generated package holds a minimal ast.Rule
// literal for each correlation rule and for each rule a correlation references
// (identity and correlation section only, no detection), and feeds the matches
// of its compiled detection rules to a correlation.Engine built over them.

// corrOutput holds the correlation rules to emit.
type corrOutput struct {
	// ast lists the rules of the correlation engine: correlations and the rules they reference, in input order.
	ast []*ast.Rule
	// corrs are the correlation rules among them.
	corrs []*ast.Rule
	// base maps a compiled detection rule (by index) to its position in ast.
	base map[int]int
}

// correlations selects the correlation rules and the rules they reference. A
// correlation whose references do not resolve is kept (the engine ignores it,
// as the interpreter's does) and reported.
func (g *generator) correlations(rules []*ast.Rule, rs *engine.Ruleset) error {
	var corrs []*ast.Rule
	for _, r := range rules {
		if r == nil {
			continue
		}
		if r.Kind == ast.KindCorrelation && r.Correlation != nil {
			corrs = append(corrs, r)
		}
	}
	if len(corrs) == 0 {
		return nil
	}
	used := map[*ast.Rule]bool{}
	refs := ast.NewResolver(rules)
	for _, c := range corrs {
		used[c] = true
		for _, ref := range c.Correlation.Rules {
			if b := refs.Target(ref); b != nil {
				used[b] = true
			}
		}
	}
	out := &corrOutput{base: map[int]int{}}
	pos := map[*ast.Rule]int{}
	for _, r := range rules {
		if r != nil && used[r] {
			pos[r] = len(out.ast)
			out.ast = append(out.ast, r)
		}
	}
	out.corrs = corrs
	for i := 0; i < rs.Len(); i++ {
		if p, ok := pos[rs.Rule(i)]; ok {
			out.base[i] = p
		}
	}
	_, errs := correlation.New(out.ast, correlation.Options{})
	for _, err := range errs {
		g.res.Diagnostics = append(g.res.Diagnostics, ast.Diagnostic{Severity: ast.SeverityWarning, Code: "correlation",
			Message: err.Error()})
	}
	g.corr = out
	g.res.Correlations = len(corrs)
	return nil
}

// suppressed reports whether detection rule r is referenced only by correlations with generate: false.
func (g *generator) suppressed(r *ast.Rule) bool {
	if g.corr == nil {
		return false
	}
	return correlation.Suppressed(r, g.corr.corrs)
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// astLiteral renders the minimal ast.Rule of a rule for the correlation engine.
func astLiteral(r *ast.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{Kind: %s, ID: %s, Name: %s, Title: %s, Level: %s", strconv.Quote(string(r.Kind)),
		strconv.Quote(r.ID), strconv.Quote(r.Name), strconv.Quote(r.Title), strconv.Quote(r.Level))
	if c := r.Correlation; r.Kind == ast.KindCorrelation && c != nil {
		b.WriteString(",\nCorrelation: &ast.Correlation{\n")
		fmt.Fprintf(&b, "Type: %s,\n", strconv.Quote(string(c.Type)))
		b.WriteString("Rules: []ast.RuleRef{")
		for _, ref := range c.Rules {
			fmt.Fprintf(&b, "{Ref: %s, ID: %s}, ", strconv.Quote(ref.Ref), strconv.Quote(ref.ID))
		}
		b.WriteString("},\n")
		if len(c.GroupBy) > 0 {
			fmt.Fprintf(&b, "GroupBy: %s,\n", quoteList(c.GroupBy))
		}
		fmt.Fprintf(&b, "Timespan: %d, // %s\n", int64(c.Timespan), strings.Trim(comment(c.Timespan.String()), `"`))
		fmt.Fprintf(&b, "TimespanText: %s,\n", strconv.Quote(c.TimespanText))
		if len(c.Condition) > 0 {
			b.WriteString("Condition: []ast.Threshold{")
			for _, t := range c.Condition {
				fmt.Fprintf(&b, "{Op: %s, Value: %s}, ", strconv.Quote(string(t.Op)), floatLit(t.Value))
			}
			b.WriteString("},\n")
		}
		if c.Percentile != 0 {
			fmt.Fprintf(&b, "Percentile: %s,\n", floatLit(c.Percentile))
		}
		if len(c.Field) > 0 {
			fmt.Fprintf(&b, "Field: %s,\n", quoteList(c.Field))
		}
		if len(c.Aliases) > 0 {
			b.WriteString("Aliases: []ast.Alias{\n")
			for _, a := range c.Aliases {
				fmt.Fprintf(&b, "{Name: %s, Fields: []ast.AliasField{", strconv.Quote(a.Name))
				for _, f := range a.Fields {
					fmt.Fprintf(&b, "{Rule: %s, Field: %s, ID: %s}, ", strconv.Quote(f.Rule), strconv.Quote(f.Field), strconv.Quote(f.ID))
				}
				b.WriteString("}},\n")
			}
			b.WriteString("},\n")
		}
		fmt.Fprintf(&b, "Generate: %v,\n}", c.Generate)
	}
	b.WriteString("}")
	return b.String()
}

func (g *generator) emitCorrelations() error {
	c := g.corr
	var b strings.Builder
	b.WriteString(correlationAPI)
	b.WriteString("// corrAST holds the rules of the correlation engine: the correlation rules and\n")
	b.WriteString("// the rules they reference (identity and correlation section only).\n")
	b.WriteString("var corrAST = []*ast.Rule{\n")
	for i, r := range c.ast {
		fmt.Fprintf(&b, "// %d: %s\n%s,\n", i, comment(r.Title), astLiteral(r))
	}
	b.WriteString("}\n\n")
	b.WriteString("// corrBase returns the position in corrAST of detection rule i, or -1 when no correlation uses it.\n")
	b.WriteString("func corrBase(i int) int {\nswitch i {\n")
	idx := make([]int, 0, len(c.base))
	for i := range c.base {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		fmt.Fprintf(&b, "case %d:\nreturn %d\n", i, c.base[i])
	}
	b.WriteString("}\nreturn -1\n}\n\n")
	b.WriteString("// corrTable holds the metadata of each correlation rule.\n")
	fmt.Fprintf(&b, "var corrTable = [%d]Correlation{\n", len(c.corrs))
	for i, r := range c.corrs {
		fmt.Fprintf(&b, "{\nIndex: %d,\n", i)
		for _, kv := range [][2]string{{"ID", r.ID}, {"Name", r.Name}, {"Title", r.Title}, {"Status", r.Status},
			{"Level", r.Level}, {"Description", r.Description}, {"Author", r.Author}, {"Type", string(r.Correlation.Type)}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "%s: %s,\n", kv[0], strconv.Quote(kv[1]))
			}
		}
		for _, kv := range []struct {
			name string
			vs   []string
		}{{"Tags", r.Tags}, {"References", r.References}, {"GroupBy", r.Correlation.GroupBy}} {
			if len(kv.vs) > 0 {
				fmt.Fprintf(&b, "%s: %s,\n", kv.name, quoteList(kv.vs))
			}
		}
		refs := make([]string, len(r.Correlation.Rules))
		for k, ref := range r.Correlation.Rules {
			refs[k] = ref.Ref
		}
		fmt.Fprintf(&b, "Rules: %s,\n", quoteList(refs))
		fmt.Fprintf(&b, "Timespan: %d,\nGenerate: %v,\n", int64(r.Correlation.Timespan), r.Correlation.Generate)
		fmt.Fprintf(&b, "File: %s,\nLine: %d,\nrule: corrAST[%d],\n},\n", strconv.Quote(g.relFile(r.Pos.File)), r.Pos.Line, indexOf(c.ast, r))
	}
	b.WriteString("}\n")
	imports := map[string]bool{"time": true, abiPkg: true, "github.com/rulec/rulec/ast": true,
		"github.com/rulec/rulec/engine/correlation": true}
	return g.goFile("correlations_gen.go", "", imports, b.String())
}

func indexOf(rules []*ast.Rule, r *ast.Rule) int {
	for i, x := range rules {
		if x == r {
			return i
		}
	}
	return -1
}

// correlationAPI is the fixed part of correlations_gen.go.
const correlationAPI = `// Correlation is a compiled correlation rule with its metadata.
type Correlation struct {
	// Index is the correlation's position in Correlations().
	Index int
	// ID, Name and Title identify the rule.
	ID, Name, Title string
	// Status, Level, Description and Author are the rule's metadata.
	Status, Level, Description, Author string
	// Tags and References are the rule's lists.
	Tags, References []string
	// Type is the correlation type (event_count, value_count, temporal, ...).
	Type string
	// Rules are the referenced rules as written; GroupBy the group-by fields.
	Rules, GroupBy []string
	// Timespan is the window.
	Timespan time.Duration
	// Generate tells whether the referenced rules also alert on their own.
	Generate bool
	// File and Line locate the rule's source.
	File string
	Line int

	rule *ast.Rule
}

// Correlations returns the compiled correlation rules. The rules are shared:
// callers must not modify them.
func Correlations() []*Correlation {
	out := make([]*Correlation, len(corrTable))
	for i := range corrTable {
		out[i] = &corrTable[i]
	}
	return out
}

// AlertCorrelation returns the correlation rule of an alert of this package's Correlator, or nil.
func AlertCorrelation(a correlation.Alert) *Correlation {
	for i := range corrTable {
		if corrTable[i].rule == a.Rule {
			return &corrTable[i]
		}
	}
	return nil
}

// Correlator evaluates the detection rules and the correlation rules over a
// stream of events, with the windowed state of engine/correlation. It is not
// safe for concurrent use.
type Correlator struct {
	m *Matcher
	e *correlation.Engine
}

// NewCorrelator returns a Correlator (the correlation rules' references were
// checked when the package was generated).
func NewCorrelator(opts correlation.Options) *Correlator {
	e, _ := correlation.New(corrAST, opts)
	return &Correlator{m: NewMatcher(), e: e}
}

// Observe evaluates the event: fn (if not nil) is called for each matching
// detection rule, the matches of rules that correlations use are fed to the
// windows, and the alerts the event completes are returned. t is the event's
// time and ref locates it (both are reported in alerts).
func (c *Correlator) Observe(ev abi.Event, t time.Time, ref correlation.EventRef, fn func(*Rule)) []correlation.Alert {
	var out []correlation.Alert
	for _, i := range c.m.MatchIndices(ev) {
		if fn != nil {
			fn(&ruleTable[i])
		}
		if b := corrBase(i); b >= 0 {
			out = append(out, c.e.Observe(correlation.Match{Rule: corrAST[b], Event: ev, Time: t, Ref: ref})...)
		}
	}
	return out
}

// Flush closes every open window (end of the stream) and returns the alerts of
// correlations evaluated when their window closes.
func (c *Correlator) Flush() []correlation.Alert { return c.e.Flush() }

// Stats returns the correlation engine's statistics.
func (c *Correlator) Stats() correlation.Stats { return c.e.Stats() }

`

// floatLit renders a float64 as a Go expression of the same value.
func floatLit(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "math.Inf(1)"
	case math.IsInf(f, -1):
		return "math.Inf(-1)"
	case math.IsNaN(f):
		return "math.NaN()"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
