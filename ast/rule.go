package ast

import "time"

// Kind tells which kind of Sigma document a rule is.
type Kind string

// Document kinds.
const (
	KindDetection   Kind = "detection"
	KindCorrelation Kind = "correlation"
	KindFilter      Kind = "filter"
)

// Rule is one Sigma document: a detection rule, a correlation rule or a filter.
type Rule struct {
	Pos  Pos  `json:"pos"`
	Kind Kind `json:"kind"`
	// Document is the 0-based index of the YAML document inside its file.
	Document int `json:"document"`

	Title               string         `json:"title"`
	ID                  string         `json:"id,omitempty"`
	Name                string         `json:"name,omitempty"`
	Related             []Related      `json:"related,omitempty"`
	Status              string         `json:"status,omitempty"`
	Description         string         `json:"description,omitempty"`
	License             string         `json:"license,omitempty"`
	Author              string         `json:"author,omitempty"`
	References          []string       `json:"references,omitempty"`
	Date                string         `json:"date,omitempty"`
	Modified            string         `json:"modified,omitempty"`
	Tags                []string       `json:"tags,omitempty"`
	Logsource           Logsource      `json:"logsource"`
	Fields              []string       `json:"fields,omitempty"`
	FalsePositives      []string       `json:"falsepositives,omitempty"`
	Level               string         `json:"level,omitempty"`
	Scope               []string       `json:"scope,omitempty"`
	Taxonomy            string         `json:"taxonomy,omitempty"`
	RegressionTestsPath string         `json:"regression_tests_path,omitempty"`
	Extra               []Extra        `json:"extra,omitempty"`
	Keys                map[string]Pos `json:"keys,omitempty"`
	// ItemPos holds the position of each item of the list fields (tags, references, fields, falsepositives, scope).
	ItemPos map[string][]Pos `json:"item_pos,omitempty"`

	Detection   *Detection   `json:"detection,omitempty"`
	Correlation *Correlation `json:"correlation,omitempty"`
	Filter      *Filter      `json:"filter,omitempty"`
	// AppliedFilters lists the filter documents resolved onto this rule, by id or title.
	AppliedFilters []string `json:"applied_filters,omitempty"`
	// ProcessingItemsApplied lists the pySigma processing pipeline items applied to the
	// rule, in order (pySigma's processing_item_applied): an item's id, or type@file:line:col.
	ProcessingItemsApplied []string `json:"processing_items_applied,omitempty"`
}

// Ref returns the identifier used to refer to the rule: its id, else its name, else its title.
func (r *Rule) Ref() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Name != "":
		return r.Name
	}
	return r.Title
}

// ItemPosAt returns the position of item i of a list field, or the key's position when unknown.
func (r *Rule) ItemPosAt(key string, i int) Pos {
	if ps := r.ItemPos[key]; i >= 0 && i < len(ps) {
		return ps[i]
	}
	return r.KeyPos(key)
}

// KeyPos returns the position of a top-level key, or the rule's position when absent.
func (r *Rule) KeyPos(key string) Pos {
	if p, ok := r.Keys[key]; ok {
		return p
	}
	return r.Pos
}

// Related is an entry of the related list.
type Related struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Pos  Pos    `json:"pos"`
}

// Extra is a custom top-level field kept as metadata, its value decoded to plain Go data.
type Extra struct {
	Key   string `json:"key"`
	Value any    `json:"value"`
	Pos   Pos    `json:"pos"`
}

// Logsource is the logsource section.
type Logsource struct {
	Category   string  `json:"category,omitempty"`
	Product    string  `json:"product,omitempty"`
	Service    string  `json:"service,omitempty"`
	Definition string  `json:"definition,omitempty"`
	Extra      []Extra `json:"extra,omitempty"`
	Pos        Pos     `json:"pos"`
}

// Detection is a rule's detection section: named searches and the condition.
type Detection struct {
	Pos Pos `json:"pos"`
	// Searches are the search identifiers in source order.
	Searches []*Search `json:"searches"`
	// Conditions are the condition expressions as written (a list is OR-ed).
	Conditions []*CondSource `json:"conditions"`
	// Condition is the simplified IR of the whole condition.
	Condition *Expr `json:"condition"`
}

// Search returns the search with the given identifier, or nil.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// CondSource is one condition as written, with its parse tree.
type CondSource struct {
	Text string    `json:"text"`
	Pos  Pos       `json:"pos"`
	Tree *CondNode `json:"tree"`
}

// Search is a named search identifier of the detection section.
type Search struct {
	Name string `json:"name"`
	Pos  Pos    `json:"pos"`
	// Body is the search's matcher tree.
	Body *Matcher `json:"body"`
	// FromFilter names the filter document this search was added by, if any.
	FromFilter string `json:"from_filter,omitempty"`
}

// Correlation is the correlation section of a correlation rule.
type Correlation struct {
	Pos          Pos             `json:"pos"`
	Type         CorrelationType `json:"type"`
	Rules        []RuleRef       `json:"rules"`
	GroupBy      []string        `json:"group_by,omitempty"`
	GroupByPos   []Pos           `json:"group_by_pos,omitempty"`
	Timespan     time.Duration   `json:"timespan"`
	TimespanText string          `json:"timespan_text"`
	Condition    []Threshold     `json:"condition,omitempty"`
	// Percentile is the percentile of a value_percentile condition.
	Percentile float64 `json:"percentile,omitempty"`
	// Field is the condition's field for value_* types (several are AND-ed).
	Field    []string `json:"field,omitempty"`
	Aliases  []Alias  `json:"aliases,omitempty"`
	Generate bool     `json:"generate"`
}

// CorrelationType is a correlation type of the specification.
type CorrelationType string

// Correlation types of the specification.
const (
	EventCount      CorrelationType = "event_count"
	ValueCount      CorrelationType = "value_count"
	Temporal        CorrelationType = "temporal"
	TemporalOrdered CorrelationType = "temporal_ordered"
	ValueSum        CorrelationType = "value_sum"
	ValueAvg        CorrelationType = "value_avg"
	ValuePercentile CorrelationType = "value_percentile"
	ValueMedian     CorrelationType = "value_median"
)

// CorrelationTypes returns every correlation type in specification order (a fresh slice).
func CorrelationTypes() []CorrelationType {
	return []CorrelationType{EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile, ValueMedian}
}

// RuleRef is a reference from a correlation or filter to another rule.
type RuleRef struct {
	Ref string `json:"ref"`
	Pos Pos    `json:"pos"`
	// ID is the referenced rule's Ref() once resolved; empty when unresolved.
	ID string `json:"resolved,omitempty"`
	// File is the file of the referenced rule once resolved.
	File string `json:"file,omitempty"`
	// By tells how the front end resolved the reference (ResolvedByID or
	// ResolvedByName); empty when unresolved.
	By ResolvedBy `json:"by,omitempty"`
	// Target is the referenced rule, set by the front end's resolution (the one
	// place references are resolved; every consumer reads it); nil when unresolved
	// or when the target's file failed to load.
	Target *Rule `json:"-"`
}

// ResolvedBy tells how a reference was resolved.
type ResolvedBy string

// How references resolve: by id (case-insensitively) before name (exactly);
// among several rules, the one in the referencing file wins, else the first loaded.
const (
	ResolvedByID   ResolvedBy = "id"
	ResolvedByName ResolvedBy = "name"
)

// Threshold is one term of a correlation condition, e.g. gte 100.
type Threshold struct {
	Op    CompareOp `json:"op"`
	Value float64   `json:"value"`
	Pos   Pos       `json:"pos"`
}

// Alias maps an alias field name to the field of each referenced rule.
type Alias struct {
	Name   string       `json:"name"`
	Pos    Pos          `json:"pos"`
	Fields []AliasField `json:"fields"`
}

// AliasField is the field that one referenced rule uses for an alias.
type AliasField struct {
	// Rule is the rule as the aliases section writes it (one of the
	// correlation's references, or its target's id or name).
	Rule  string `json:"rule"`
	Field string `json:"field"`
	Pos   Pos    `json:"pos"`
	// ID is the target rule's Ref() once resolved (the target of the
	// reference Rule names); empty when unresolved.
	ID string `json:"resolved,omitempty"`
	// Target is the rule Rule stands for, set by the front end's resolution
	// (as RuleRef.Target); nil when unresolved or built without the front end.
	Target *Rule `json:"-"`
}

// FieldFor returns the field name the alias maps to for events of base (a
// rule the correlation references), if any. It compares the resolved target
// (Target, else the recorded ID for rule literals built without the front
// end), not the text written in the aliases section.
func (a Alias) FieldFor(base *Rule) (string, bool) {
	if base == nil {
		return "", false
	}
	for _, f := range a.Fields {
		if f.Target == base || (f.Target == nil && f.ID != "" && f.ID == base.Ref()) {
			return f.Field, true
		}
	}
	return "", false
}

// Filter is the filter section of a Sigma filter document.
type Filter struct {
	Pos   Pos       `json:"pos"`
	Rules []RuleRef `json:"rules"`
	// Detection holds the filter's searches and condition.
	Detection *Detection `json:"detection"`
}
