package rt

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// Source is what is known of where an event comes from, as Sigma logsource
// attributes (lowercase; an empty attribute is unknown). Readers set it when
// the format says it (an EVTX record is product windows, an audit.log record
// product linux, service auditd); a user can declare it for an input (see
// WithSource and ParseSource). The zero Source is an event of unknown origin.
type Source struct {
	Product, Category, Service string
}

// IsZero reports whether nothing is known of the source.
func (s Source) IsZero() bool { return s.Product == "" && s.Category == "" && s.Service == "" }

// String renders the source as product=...,category=...,service=... (set attributes only).
func (s Source) String() string {
	var parts []string
	for _, kv := range [][2]string{{"product", s.Product}, {"category", s.Category}, {"service", s.Service}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, ",")
}

// ParseSource parses a declared logsource: comma-separated product=, category=
// and service= attributes, e.g. "product=zeek,service=rdp". Values are lowered.
func ParseSource(s string) (Source, error) {
	var src Source
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.ToLower(strings.TrimSpace(v))
		if !ok || v == "" {
			return Source{}, fmt.Errorf("logsource %q: want attribute=value pairs (product=, category=, service=), found %q", s, part)
		}
		var dst *string
		switch k {
		case "product":
			dst = &src.Product
		case "category":
			dst = &src.Category
		case "service":
			dst = &src.Service
		default:
			return Source{}, fmt.Errorf("logsource %q: unknown attribute %q (want product, category or service)", s, k)
		}
		if *dst != "" && *dst != v {
			return Source{}, fmt.Errorf("logsource %q: %s given twice", s, k)
		}
		*dst = v
	}
	if src.IsZero() {
		return Source{}, fmt.Errorf("logsource %q: give at least one of product=, category=, service=", s)
	}
	return src, nil
}

// ShapeSource is the source a decoded JSON object's shape tells: a flattened
// Windows event log record (a top-level string Channel and an EventID, as
// winlogbeat-style exports and hand-written fixtures give them) is product
// windows, or linux for Sysmon for Linux's Linux-* channels; anything else is
// of unknown origin. (Nested {"Event":{"System":...}} records are read by
// the Windows reader, which sets the source itself.)
func ShapeSource(m map[string]any) Source {
	ch, ok := m["Channel"].(string)
	if !ok || ch == "" {
		return Source{}
	}
	if _, ok := m["EventID"]; !ok {
		return Source{}
	}
	if len(ch) >= 6 && strings.EqualFold(ch[:6], "linux-") {
		return Source{Product: "linux"}
	}
	return Source{Product: "windows"}
}

// SourcedEvent is an Event that knows its source.
type SourcedEvent interface {
	Event
	// EventSource returns what is known of the event's origin (zero: nothing).
	EventSource() Source
}

// EventSource returns the source of an event: its EventSource method, if it
// has one, else the zero Source (unknown origin).
func EventSource(ev Event) Source {
	if se, ok := ev.(SourcedEvent); ok {
		return se.EventSource()
	}
	return Source{}
}

// WithSource returns the event declared as coming from src (replacing what
// the event knew of its source). The event itself is not changed: a FlatEvent
// or MapEvent is copied (sharing its fields), other events are wrapped.
func WithSource(ev Event, src Source) Event {
	switch e := ev.(type) {
	case *FlatEvent:
		c := *e
		c.Source = src
		return &c
	case *MapEvent:
		c := *e
		c.Source = src
		return &c
	case *sourced:
		return &sourced{Event: e.Event, src: src}
	}
	return &sourced{Event: ev, src: src}
}

// sourced wraps an event with a declared source.
type sourced struct {
	Event
	src Source
}

func (s *sourced) EventSource() Source { return s.src }

// LogsourceClaim is what a group of rules says of the events it is for: the
// rules' logsource (lowered) and whether the profile maps it to event
// conditions. The zero claim admits every event.
type LogsourceClaim struct {
	Source
	// Unmapped is set when the profile does not know the logsource: its rules
	// see the events of unknown origin, and those whose source names it.
	Unmapped bool
}

// ClaimOf returns the claim of a rule's logsource; mapped tells whether the
// profile knows it.
func ClaimOf(ls ast.Logsource, mapped bool) LogsourceClaim {
	c := LogsourceClaim{Source: Source{Product: strings.ToLower(ls.Product), Category: strings.ToLower(ls.Category),
		Service: strings.ToLower(ls.Service)}}
	c.Unmapped = !mapped && !c.Source.IsZero()
	return c
}

// Key renders the claim for grouping and messages: product/category/service,
// with " (unmapped)" when the profile does not know it.
func (c LogsourceClaim) Key() string {
	k := LogsourceKey(c.Product, c.Category, c.Service)
	if c.Unmapped {
		k += " (unmapped)"
	}
	return k
}

// Admits is the logsource decision both runtimes (the interpreter and
// generated code) apply before a rule's profile conditions: may a rule of
// this claim see an event from src?
//
//   - An event of unknown origin (zero src) is admitted: the profile's
//     conditions, if any, decide.
//   - An event whose source contradicts the logsource (an attribute both set,
//     with different values: a windows event for a zeek rule) is never admitted.
//   - For a mapped logsource, an event that does not contradict it is admitted
//     (the profile decides).
//   - For an unmapped logsource, nothing tells whether an event of a known
//     source belongs to it: it is admitted only when its source names at least
//     one of the logsource's attributes (a declared product=zeek,service=rdp
//     input for a zeek/rdp rule).
//
// A rule without any logsource attribute claims nothing and sees every event.
func (c LogsourceClaim) Admits(src Source) bool {
	if src.IsZero() || c.Source.IsZero() {
		return true
	}
	named := false
	for _, p := range [3][2]string{{c.Product, src.Product}, {c.Category, src.Category}, {c.Service, src.Service}} {
		if p[0] == "" || p[1] == "" {
			continue
		}
		if !strings.EqualFold(p[0], p[1]) {
			return false
		}
		named = true
	}
	return named || !c.Unmapped
}

// LogsourceKey renders a logsource as product/category/service, "*" for an empty part.
func LogsourceKey(product, category, service string) string {
	or := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	return or(product) + "/" + or(category) + "/" + or(service)
}
