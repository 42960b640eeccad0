package frontend

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// decoder turns YAML nodes of one file into AST nodes and collects diagnostics.
type decoder struct {
	file string
	src  string // the file's text, for block-scalar columns
	// lineStarts are the byte offsets of each line of src, computed on first use.
	lineStarts []int
	diags      ast.Diagnostics
	// budgets bound the expansion variants; ruleVariants is what the current rule spent,
	// ruleOver whether it already went over (reported once).
	budgets      *budgets
	ruleVariants int64
	ruleOver     bool
}

func (d *decoder) pos(n *yaml.Node) ast.Pos {
	if n == nil {
		return ast.Pos{File: d.file}
	}
	return ast.Pos{File: d.file, Line: n.Line, Col: n.Column}
}

func (d *decoder) errorf(n *yaml.Node, code, format string, args ...any) {
	d.diagAt(d.pos(n), ast.SeverityError, code, fmt.Sprintf(format, args...))
}

func (d *decoder) warnf(n *yaml.Node, code, format string, args ...any) {
	d.diagAt(d.pos(n), ast.SeverityWarning, code, fmt.Sprintf(format, args...))
}

func (d *decoder) diagAt(p ast.Pos, sev ast.Severity, code, msg string) {
	d.diags = append(d.diags, ast.Diagnostic{Pos: p, Severity: sev, Code: code, Message: msg})
}

// resolveAlias follows YAML aliases.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// mapping returns the key/value pairs of a mapping node, reporting duplicate keys.
func (d *decoder) mapping(n *yaml.Node, what string) ([][2]*yaml.Node, bool) {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		d.errorf(n, "type", "%s must be a mapping, found %s", what, kindName(n))
		return nil, false
	}
	pairs := make([][2]*yaml.Node, 0, len(n.Content)/2)
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolveAlias(n.Content[i]), resolveAlias(n.Content[i+1])
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(n.Content[i], "type", "keys of %s must be scalars", what)
			continue
		}
		if seen[k.Value] {
			d.errorf(k, "duplicate-key", "duplicate key %q in %s", k.Value, what)
			continue
		}
		seen[k.Value] = true
		pairs = append(pairs, [2]*yaml.Node{k, v})
	}
	return pairs, true
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "null"
		}
		return "a scalar"
	}
	return "an unsupported node"
}

// str decodes a scalar as a string.
func (d *decoder) str(n *yaml.Node, what string) string {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		d.errorf(n, "type", "%s must be a string, found %s", what, kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// strList decodes a list of scalars; a single scalar is accepted as a one-element list.
func (d *decoder) strList(n *yaml.Node, what string) []string {
	out, _ := d.strListPos(n, what)
	return out
}

// strListPos is strList that also returns the position of each item.
func (d *decoder) strListPos(n *yaml.Node, what string) ([]string, []ast.Pos) {
	n = resolveAlias(n)
	if n != nil && n.Kind == yaml.ScalarNode {
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, []ast.Pos{d.pos(n)}
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errorf(n, "type", "%s must be a list of strings, found %s", what, kindName(n))
		return nil, nil
	}
	out := make([]string, 0, len(n.Content))
	pos := make([]ast.Pos, 0, len(n.Content))
	for _, it := range n.Content {
		it = resolveAlias(it)
		if it == nil || it.Kind != yaml.ScalarNode {
			d.errorf(it, "type", "items of %s must be strings, found %s", what, kindName(it))
			continue
		}
		out = append(out, it.Value)
		pos = append(pos, d.pos(it))
	}
	return out, pos
}

// boolean decodes a YAML boolean, accepting the YAML 1.1 spellings Sigma tools accept.
func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = resolveAlias(n)
	if n != nil && n.Kind == yaml.ScalarNode && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) == 0 {
		if b, ok := parseBool(n.Value); ok {
			return b, true
		}
	}
	d.errorf(n, "type", "%s must be a boolean (true or false)", what)
	return false, false
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// plain decodes any node into plain Go data for custom fields.
func plain(n *yaml.Node, depth int) any {
	n = resolveAlias(n)
	if n == nil || depth > 32 {
		return nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil
		case "!!bool":
			b, _ := parseBool(n.Value)
			return b
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return i
			}
		case "!!float":
			if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
				return f
			}
		}
		return n.Value
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = plain(c, depth+1)
		}
		return out
	case yaml.MappingNode:
		// Ordered key/value pairs keep the output deterministic.
		out := make([]any, 0, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			out = append(out, map[string]any{"key": resolveAlias(n.Content[i]).Value, "value": plain(n.Content[i+1], depth+1)})
		}
		return out
	}
	return nil
}

// rule decodes one YAML document into a rule.
func (d *decoder) rule(doc *yaml.Node, index int) *ast.Rule {
	d.ruleVariants, d.ruleOver = 0, false
	r := &ast.Rule{Pos: d.pos(doc), Document: index, Kind: ast.KindDetection, Keys: map[string]ast.Pos{}, ItemPos: map[string][]ast.Pos{}}
	pairs, ok := d.mapping(doc, "a Sigma rule")
	if !ok {
		return nil
	}
	var detection, correlation, filter, generate *yaml.Node
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		r.Keys[k.Value] = d.pos(k)
		switch k.Value {
		case "title":
			r.Title = d.str(v, "title")
		case "id":
			r.ID = d.str(v, "id")
		case "name":
			r.Name = d.str(v, "name")
		case "related":
			r.Related = d.related(v)
		case "status":
			r.Status = d.str(v, "status")
		case "description":
			r.Description = d.str(v, "description")
		case "license":
			r.License = d.str(v, "license")
		case "author":
			r.Author = d.str(v, "author")
		case "references":
			r.References, r.ItemPos["references"] = d.strListPos(v, "references")
		case "date":
			r.Date = d.str(v, "date")
		case "modified":
			r.Modified = d.str(v, "modified")
		case "tags":
			r.Tags, r.ItemPos["tags"] = d.strListPos(v, "tags")
		case "logsource":
			r.Logsource = d.logsource(v)
		case "fields":
			r.Fields, r.ItemPos["fields"] = d.strListPos(v, "fields")
		case "falsepositives":
			r.FalsePositives, r.ItemPos["falsepositives"] = d.strListPos(v, "falsepositives")
		case "level":
			r.Level = d.str(v, "level")
		case "scope":
			r.Scope, r.ItemPos["scope"] = d.strListPos(v, "scope")
		case "taxonomy":
			r.Taxonomy = d.str(v, "taxonomy")
		case "regression_tests_path":
			r.RegressionTestsPath = d.str(v, "regression_tests_path")
		case "detection":
			detection = v
		case "correlation":
			correlation = v
		case "filter":
			filter = v
		case "generate":
			generate = v
		default:
			r.Extra = append(r.Extra, ast.Extra{Key: k.Value, Value: plain(v, 0), Pos: d.pos(k)})
		}
	}
	switch {
	case correlation != nil:
		r.Kind = ast.KindCorrelation
		r.Correlation = d.correlation(correlation, generate)
		if detection != nil {
			d.errorf(detection, "structure", "a correlation rule cannot have a detection section")
		}
	case filter != nil:
		r.Kind = ast.KindFilter
		r.Filter = d.filter(filter)
		if detection != nil {
			d.errorf(detection, "structure", "a filter cannot have a detection section")
		}
	case detection != nil:
		r.Detection = d.detection(detection)
		if _, ok := r.Keys["logsource"]; !ok {
			d.errorf(doc, "missing-logsource", "rule has no logsource section (mandatory)")
		}
	default:
		d.errorf(doc, "missing-detection", "document has no detection, correlation or filter section")
	}
	if generate != nil && r.Kind != ast.KindCorrelation {
		r.Extra = append(r.Extra, ast.Extra{Key: "generate", Value: plain(generate, 0), Pos: d.pos(generate)})
	}
	if _, ok := r.Keys["title"]; !ok || strings.TrimSpace(r.Title) == "" {
		d.errorf(doc, "missing-title", "rule has no title (mandatory)")
	}
	return r
}

func (d *decoder) related(n *yaml.Node) []ast.Related {
	n = resolveAlias(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		d.errorf(n, "type", "related must be a list of {id, type}, found %s", kindName(n))
		return nil
	}
	var out []ast.Related
	for _, it := range n.Content {
		pairs, ok := d.mapping(it, "a related entry")
		if !ok {
			continue
		}
		rel := ast.Related{Pos: d.pos(it)}
		for _, kv := range pairs {
			switch kv[0].Value {
			case "id":
				rel.ID = d.str(kv[1], "related id")
			case "type":
				rel.Type = d.str(kv[1], "related type")
			default:
				d.warnf(kv[0], "unknown-key", "unknown key %q in related entry", kv[0].Value)
			}
		}
		out = append(out, rel)
	}
	return out
}

func (d *decoder) logsource(n *yaml.Node) ast.Logsource {
	ls := ast.Logsource{Pos: d.pos(n)}
	pairs, _ := d.mapping(n, "logsource")
	for _, kv := range pairs {
		switch kv[0].Value {
		case "category":
			ls.Category = d.str(kv[1], "logsource category")
		case "product":
			ls.Product = d.str(kv[1], "logsource product")
		case "service":
			ls.Service = d.str(kv[1], "logsource service")
		case "definition":
			ls.Definition = d.str(kv[1], "logsource definition")
		default:
			ls.Extra = append(ls.Extra, ast.Extra{Key: kv[0].Value, Value: plain(kv[1], 0), Pos: d.pos(kv[0])})
		}
	}
	return ls
}

// timespanUnits are the units pySigma accepts; the specification names s, m, h and d.
var timespanUnits = map[byte]time.Duration{
	's': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour,
	'w': 7 * 24 * time.Hour, 'M': 2629746 * time.Second, 'y': 31556952 * time.Second,
}

// ParseTimespan parses a Sigma timespan such as 90s, 5m, 1h or 7d.
func ParseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("timespan %q must be a number followed by a unit (s, m, h, d)", s)
	}
	unit, ok := timespanUnits[s[len(s)-1]]
	num := s[:len(s)-1]
	if !ok {
		return 0, fmt.Errorf("timespan %q has unknown unit %q (use s, m, h or d)", s, s[len(s)-1:])
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("timespan %q must be a whole number followed by a unit (s, m, h, d)", s)
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v <= 0 || v > int64((1<<62)/unit) {
		return 0, fmt.Errorf("timespan %q is out of range", s)
	}
	return time.Duration(v) * unit, nil
}

func (d *decoder) correlation(n *yaml.Node, topGenerate *yaml.Node) *ast.Correlation {
	c := &ast.Correlation{Pos: d.pos(n)}
	pairs, ok := d.mapping(n, "correlation")
	if !ok {
		return c
	}
	var cond, timespan, groupBy, rules *yaml.Node
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		switch k.Value {
		case "type":
			c.Type = ast.CorrelationType(d.str(v, "correlation type"))
			known := false
			for _, t := range ast.CorrelationTypes() {
				known = known || t == c.Type
			}
			if !known {
				d.errorf(v, "correlation-type", "unknown correlation type %q (expected one of event_count, value_count, temporal, temporal_ordered, value_sum, value_avg, value_percentile, value_median)", c.Type)
			}
		case "rules":
			rules = v
			c.Rules = d.ruleRefs(v, "correlation rules")
		case "group-by":
			groupBy = v
			c.GroupBy, c.GroupByPos = d.strListPos(v, "group-by")
		case "timespan", "timeframe":
			timespan = v
			c.TimespanText = d.str(v, "timespan")
			if c.TimespanText != "" {
				dur, err := ParseTimespan(c.TimespanText)
				if err != nil {
					d.errorf(v, "timespan", "%v", err)
				}
				c.Timespan = dur
			}
		case "condition":
			cond = v
			d.correlationCondition(c, v)
		case "aliases":
			c.Aliases = d.aliases(v)
		case "generate":
			topGenerate = v
		default:
			d.errorf(k, "unknown-key", "unknown key %q in correlation section", k.Value)
		}
	}
	if topGenerate != nil {
		c.Generate, _ = d.boolean(topGenerate, "generate")
	}
	if c.Type == "" {
		d.errorf(n, "correlation-type", "correlation has no type")
	}
	if rules == nil {
		d.errorf(n, "correlation-rules", "correlation has no rules")
	}
	if timespan == nil {
		d.errorf(n, "timespan", "correlation has no timespan")
	}
	temporal := c.Type == ast.Temporal || c.Type == ast.TemporalOrdered
	if cond == nil && !temporal && c.Type != "" {
		d.errorf(n, "correlation-condition", "%s correlation has no condition", c.Type)
	}
	if cond == nil && temporal {
		c.Condition = []ast.Threshold{{Op: ast.OpGTE, Value: float64(len(c.Rules)), Pos: c.Pos}}
	}
	if strings.HasPrefix(string(c.Type), "value_") && cond != nil && len(c.Field) == 0 {
		d.errorf(cond, "correlation-field", "%s correlation condition needs a field", c.Type)
	}
	if groupBy == nil && !temporal {
		// group-by is optional in pySigma: one group for the whole stream.
		c.GroupBy = nil
	}
	return c
}

func (d *decoder) correlationCondition(c *ast.Correlation, n *yaml.Node) {
	pairs, ok := d.mapping(n, "correlation condition")
	if !ok {
		return
	}
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		switch op := ast.CompareOp(k.Value); op {
		case ast.OpLT, ast.OpLTE, ast.OpGT, ast.OpGTE, ast.OpEQ, ast.OpNEQ:
			num, ok := number(resolveAlias(v))
			if !ok {
				d.errorf(v, "correlation-condition", "condition %s needs a number, found %q", op, resolveAlias(v).Value)
				continue
			}
			c.Condition = append(c.Condition, ast.Threshold{Op: op, Value: num, Pos: d.pos(k)})
		case "field":
			c.Field = d.strList(v, "condition field")
		case "percentile":
			if num, ok := number(resolveAlias(v)); ok && num >= 0 && num <= 100 {
				c.Percentile = num
			} else {
				d.errorf(v, "correlation-condition", "percentile must be a number between 0 and 100")
			}
		default:
			d.errorf(k, "correlation-condition", "unknown correlation condition operator %q (expected gt, gte, lt, lte, eq, neq, field)", k.Value)
		}
	}
	if len(c.Condition) == 0 {
		d.errorf(n, "correlation-condition", "correlation condition has no comparison (gt, gte, lt, lte, eq, neq)")
	}
}

// number reads an int or float scalar.
func number(n *yaml.Node) (float64, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
		return float64(i), true
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	return f, err == nil && !isInfOrNaN(f)
}

func isInfOrNaN(f float64) bool { return f != f || f > 1e308 || f < -1e308 }

func (d *decoder) ruleRefs(n *yaml.Node, what string) []ast.RuleRef {
	n = resolveAlias(n)
	var items []*yaml.Node
	switch {
	case n != nil && n.Kind == yaml.ScalarNode:
		items = []*yaml.Node{n}
	case n != nil && n.Kind == yaml.SequenceNode:
		items = n.Content
	default:
		d.errorf(n, "type", "%s must be a rule id or name, or a list of them", what)
		return nil
	}
	out := make([]ast.RuleRef, 0, len(items))
	for _, it := range items {
		if s := d.str(it, what); s != "" {
			out = append(out, ast.RuleRef{Ref: s, Pos: d.pos(it)})
		}
	}
	return out
}

func (d *decoder) aliases(n *yaml.Node) []ast.Alias {
	pairs, _ := d.mapping(n, "aliases")
	out := make([]ast.Alias, 0, len(pairs))
	for _, kv := range pairs {
		a := ast.Alias{Name: kv[0].Value, Pos: d.pos(kv[0])}
		inner, _ := d.mapping(kv[1], "alias "+kv[0].Value)
		for _, f := range inner {
			a.Fields = append(a.Fields, ast.AliasField{Rule: f[0].Value, Field: d.str(f[1], "alias field"), Pos: d.pos(f[0])})
		}
		out = append(out, a)
	}
	return out
}

func (d *decoder) filter(n *yaml.Node) *ast.Filter {
	f := &ast.Filter{Pos: d.pos(n)}
	pairs, ok := d.mapping(n, "filter")
	if !ok {
		return f
	}
	// The filter section is a detection section plus `rules`.
	det := &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column}
	hasRules := false
	for _, kv := range pairs {
		if kv[0].Value == "rules" {
			hasRules = true
			f.Rules = d.ruleRefs(kv[1], "filter rules")
			continue
		}
		det.Content = append(det.Content, kv[0], kv[1])
	}
	if !hasRules {
		d.errorf(n, "filter-rules", "filter has no rules list")
	}
	f.Detection = d.detection(det)
	return f
}
