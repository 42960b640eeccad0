// Package engine is the runtime: the event model, rule matching and correlation
// windows. The interpreter and generated Go code both run on it.
package engine

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kind is the type of a field value.
type Kind uint8

// Value kinds.
const (
	KindNull Kind = iota
	KindString
	KindNumber
	KindBool
	KindArray
	KindObject
)

// Value is a field value of an event. Scalars carry their text form in S
// (numbers as written in the log, booleans as "true"/"false").
type Value struct {
	Kind Kind
	S    string
	N    float64
	B    bool
	// Arr holds array elements (KindArray).
	Arr []Value
}

// String returns the value's text form used by string comparisons.
func (v Value) String() string { return v.S }

// Event is one log record as rules see it.
type Event interface {
	// Get returns the value of a field by Sigma field name (exact key first, then dotted path).
	Get(field string) (Value, bool)
	// Each calls fn for every scalar value of the event, in a deterministic order,
	// until fn returns false. Keyword searches use it.
	Each(fn func(field string, v Value) bool)
}

// MapEvent is an Event over decoded JSON (map[string]any with json.Number or float64 numbers).
type MapEvent struct {
	M map[string]any
	// Source is what is known of the event's origin (zero: unknown).
	Source Source
	// keys caches the sorted top-level keys for Each.
	keys []string
}

// NewMapEvent wraps a decoded JSON object.
func NewMapEvent(m map[string]any) *MapEvent { return &MapEvent{M: m} }

// EventSource returns what is known of the event's origin: Source when set,
// else what the object's shape tells (see ShapeSource).
func (e *MapEvent) EventSource() Source {
	if !e.Source.IsZero() {
		return e.Source
	}
	return ShapeSource(e.M)
}

// Get looks a field up: an exact top-level key, else a dotted path through nested objects.
func (e *MapEvent) Get(field string) (Value, bool) {
	if v, ok := e.M[field]; ok {
		return FromAny(v), true
	}
	if !strings.Contains(field, ".") {
		return Value{}, false
	}
	return lookupPath(e.M, field)
}

func lookupPath(m map[string]any, path string) (Value, bool) {
	// Try the longest key prefix first so keys that contain dots still resolve.
	for i := len(path); i > 0; i-- {
		if i < len(path) && path[i] != '.' {
			continue
		}
		v, ok := m[path[:i]]
		if !ok {
			continue
		}
		if i == len(path) {
			return FromAny(v), true
		}
		if sub, ok := v.(map[string]any); ok {
			if r, ok := lookupPath(sub, path[i+1:]); ok {
				return r, true
			}
		}
	}
	return Value{}, false
}

// Each visits every scalar leaf with its dotted path, keys in sorted order.
func (e *MapEvent) Each(fn func(field string, v Value) bool) {
	if e.keys == nil {
		e.keys = slices.Sorted(maps.Keys(e.M))
	}
	for _, k := range e.keys {
		if !eachAny(k, e.M[k], fn) {
			return
		}
	}
}

func eachAny(path string, v any, fn func(string, Value) bool) bool {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if !eachAny(path+"."+k, x[k], fn) {
				return false
			}
		}
		return true
	case []any:
		for _, it := range x {
			if !eachAny(path, it, fn) {
				return false
			}
		}
		return true
	}
	return fn(path, FromAny(v))
}

// FromAny converts decoded JSON data to a Value.
func FromAny(v any) Value {
	switch x := v.(type) {
	case nil:
		return Value{Kind: KindNull}
	case string:
		return Value{Kind: KindString, S: x}
	case json.Number:
		f, _ := x.Float64()
		return Value{Kind: KindNumber, S: x.String(), N: f}
	case float64:
		return Value{Kind: KindNumber, S: strconv.FormatFloat(x, 'f', -1, 64), N: x}
	case int:
		return Value{Kind: KindNumber, S: strconv.Itoa(x), N: float64(x)}
	case int64:
		return Value{Kind: KindNumber, S: strconv.FormatInt(x, 10), N: float64(x)}
	case bool:
		return Value{Kind: KindBool, S: strconv.FormatBool(x), B: x}
	case []any:
		arr := make([]Value, len(x))
		for i, it := range x {
			arr[i] = FromAny(it)
		}
		return Value{Kind: KindArray, Arr: arr}
	case map[string]any:
		return Value{Kind: KindObject}
	}
	return Value{Kind: KindNull}
}

// FlatEvent is an Event over a flat field map, e.g. a Windows event flattened to Sigma field names.
type FlatEvent struct {
	Fields map[string]Value
	// Source is what is known of the event's origin (zero: unknown).
	Source Source
	keys   []string
}

// NewFlatEvent wraps a flat field map.
func NewFlatEvent(fields map[string]Value) *FlatEvent { return &FlatEvent{Fields: fields} }

// EventSource returns what is known of the event's origin.
func (e *FlatEvent) EventSource() Source { return e.Source }

// Get returns a field by exact name.
func (e *FlatEvent) Get(field string) (Value, bool) {
	v, ok := e.Fields[field]
	return v, ok
}

// Each visits every field in sorted order.
func (e *FlatEvent) Each(fn func(string, Value) bool) {
	if e.keys == nil {
		e.keys = make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			e.keys = append(e.keys, k)
		}
		sort.Strings(e.keys)
	}
	for _, k := range e.keys {
		v := e.Fields[k]
		if v.Kind == KindArray {
			for _, it := range v.Arr {
				if !fn(k, it) {
					return
				}
			}
			continue
		}
		if !fn(k, v) {
			return
		}
	}
}
