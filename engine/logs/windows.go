package logs

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// windowsNumeric are System fields whose values are numbers.
var windowsNumeric = map[string]bool{
	"EventID": true, "EventID_Qualifiers": true, "Version": true, "Level": true, "Task": true, "Opcode": true,
	"EventRecordID": true, "Execution_ProcessID": true, "Execution_ThreadID": true,
}

// hasWindowsShape reports whether a decoded JSON object is a Windows event:
// {"Event":{"System":{...}}} or {"System":{...}} with EventData or UserData.
func hasWindowsShape(m map[string]any) bool {
	if m == nil {
		return false
	}
	if ev, ok := m["Event"].(map[string]any); ok {
		_, sys := ev["System"].(map[string]any)
		return sys
	}
	if _, ok := m["System"].(map[string]any); ok {
		_, ed := m["EventData"]
		_, ud := m["UserData"]
		return ed || ud
	}
	return false
}

// WindowsEvent flattens an EVTX-as-JSON object {"Event":{"System":{...},"EventData":{...}}}
// (also accepted without the "Event" wrapper, and with UserData) into Sigma field names:
// every EventData Data name -> value; from System: EventID, Channel, Provider_Name,
// Computer, Level, Task, Opcode, Keywords, EventRecordID, Execution_ProcessID,
// Execution_ThreadID, Security_UserID, TimeCreated_SystemTime, ... (XML attributes
// become Tag_Attr per the Sigma spec). It understands the attribute shapes of
// evtx_dump ("#attributes", "#text"), xmltodict ("@Name") and the velocidex parser
// (attributes as keys, text as "Value"). Values are typed: numbers are
// engine.KindNumber with their original text in S. The time is TimeCreated's
// SystemTime, else Sysmon's UtcTime, zero if neither.
func WindowsEvent(m map[string]any) (*engine.FlatEvent, time.Time) {
	root := m
	if ev, ok := m["Event"].(map[string]any); ok {
		root = ev
	}
	fields := make(map[string]engine.Value, 40)
	var t time.Time
	if sys, ok := root["System"].(map[string]any); ok {
		// Two System elements can only give the same field name when one's
		// name holds an underscore (Execution_ProcessID beside Execution's
		// ProcessID): then the sorted order decides, else any order gives the same.
		if anyKeyHas(sys, '_') {
			for _, k := range slices.Sorted(maps.Keys(sys)) {
				flattenSystem(fields, k, sys[k])
			}
		} else {
			for k, v := range sys {
				flattenSystem(fields, k, v)
			}
		}
		if v, ok := fields["TimeCreated_SystemTime"]; ok {
			t = parseTimeString(v.S)
		}
	}
	if ed, ok := root["EventData"]; ok {
		flattenEventData(fields, ed)
	}
	if ud, ok := root["UserData"]; ok {
		flattenLeaves(fields, "", ud)
	}
	if t.IsZero() {
		if v, ok := fields["UtcTime"]; ok { // Sysmon's own timestamp
			t = parseTimeString(v.S)
		}
	}
	ev := engine.NewFlatEvent(fields)
	ev.Source = windowsSource(fields)
	return ev, t
}

// windowsSource is the known source of a flattened event log record: product
// windows, or linux for Sysmon for Linux's channels (Linux-Sysmon/Operational);
// unknown without a Channel or Provider_Name.
func windowsSource(fields map[string]engine.Value) engine.Source {
	ch, hasCh := fields["Channel"]
	_, hasProv := fields["Provider_Name"]
	switch {
	case hasCh && len(ch.S) >= 6 && strings.EqualFold(ch.S[:6], "linux-"):
		return engine.Source{Product: "linux"}
	case hasCh || hasProv:
		return engine.Source{Product: "windows"}
	}
	return engine.Source{}
}

// node splits an XML element rendered as JSON into its text and attributes.
func node(v any) (text any, hasText bool, attrs map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, true, nil
	}
	for k, val := range m {
		switch {
		case k == "#attributes":
			if am, ok := val.(map[string]any); ok {
				if attrs == nil {
					attrs = map[string]any{}
				}
				for ak, av := range am {
					attrs[ak] = av
				}
			}
		case k == "#text" || k == "Value" || k == "":
			text, hasText = val, true
		case strings.HasPrefix(k, "@"):
			if attrs == nil {
				attrs = map[string]any{}
			}
			attrs[k[1:]] = val
		default:
			if attrs == nil {
				attrs = map[string]any{}
			}
			attrs[k] = val
		}
	}
	return text, hasText, attrs
}

func flattenSystem(fields map[string]engine.Value, k string, v any) {
	if v == nil {
		return
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		fields[k] = systemValue(k, v)
		return
	}
	// As node(m), without building the attribute map: every attribute
	// gives the field k_attr, the text (if any) the field k.
	attr := func(ak string, av any) {
		if isXMLNS(ak) || av == nil {
			return
		}
		if _, isMap := av.(map[string]any); isMap {
			return
		}
		name := k + "_" + ak
		fields[name] = systemValue(name, av)
	}
	var text any
	for mk, val := range m {
		switch {
		case mk == "#attributes":
			if am, ok := val.(map[string]any); ok {
				for ak, av := range am {
					attr(ak, av)
				}
			}
		case mk == "#text" || mk == "Value" || mk == "":
			text = val
		case strings.HasPrefix(mk, "@"):
			attr(mk[1:], val)
		default:
			attr(mk, val)
		}
	}
	if text != nil {
		if _, isMap := text.(map[string]any); !isMap {
			fields[k] = systemValue(k, text)
		}
	}
}

// anyKeyHas reports whether a key of m holds the byte c.
func anyKeyHas(m map[string]any, c byte) bool {
	for k := range m {
		if strings.IndexByte(k, c) >= 0 {
			return true
		}
	}
	return false
}

// plainEventData reports whether every member of an EventData object gives
// one field of its own name (a scalar value under a plain name): then the
// order in which they are flattened does not matter.
func plainEventData(m map[string]any) bool {
	for k, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return false
		}
		if k == "Data" || k == "#attributes" || isXMLNS(k) || strings.HasPrefix(k, "@") {
			return false
		}
	}
	return true
}

func systemValue(name string, v any) engine.Value { return systemValueOf(name, toValue(v)) }

// systemValueOf types the value of System field name: numbers of the numeric
// fields given as text become numbers, a numeric Keywords its hex text.
func systemValueOf(name string, val engine.Value) engine.Value {
	switch {
	case windowsNumeric[name] && val.Kind == engine.KindString:
		s := strings.TrimSpace(val.S)
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return engine.Value{Kind: engine.KindNumber, S: s, N: f}
		}
	case name == "Keywords" && val.Kind == engine.KindNumber:
		if u, err := strconv.ParseUint(val.S, 10, 64); err == nil {
			return engine.Value{Kind: engine.KindString, S: "0x" + strconv.FormatUint(u, 16)}
		}
	}
	return val
}

func flattenEventData(fields map[string]engine.Value, ed any) {
	m, ok := ed.(map[string]any)
	if !ok {
		if ed != nil {
			fields["Data"] = toValue(ed)
		}
		return
	}
	if plainEventData(m) {
		for k, v := range m {
			fields[k] = toValue(v)
		}
		return
	}
	var unnamed []engine.Value
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		switch {
		case k == "Data":
			items, isList := v.([]any)
			if !isList {
				items = []any{v}
			}
			for _, it := range items {
				name, text, hasName := dataItem(it)
				switch x := text.(type) {
				case nil:
					if hasName {
						fields[name] = engine.Value{Kind: engine.KindNull}
					}
				case []any: // {"#text": ["a", "b"]}: several values
					if hasName {
						fields[name] = toValue(x)
						continue
					}
					for _, e := range x {
						unnamed = append(unnamed, toValue(e))
					}
				default:
					if hasName {
						fields[name] = toValue(text)
					} else {
						unnamed = append(unnamed, toValue(text))
					}
				}
			}
		case k == "#attributes" || isXMLNS(k) || strings.HasPrefix(k, "@"):
		default:
			if sub, isMap := v.(map[string]any); isMap {
				if text, hasText, _ := node(sub); hasText {
					fields[k] = toValue(text)
				} else {
					flattenLeaves(fields, k, sub)
				}
				continue
			}
			fields[k] = toValue(v)
		}
	}
	switch len(unnamed) {
	case 0:
	case 1:
		fields["Data"] = unnamed[0]
	default:
		fields["Data"] = engine.Value{Kind: engine.KindArray, Arr: unnamed}
	}
}

// dataItem reads one <Data Name="x">text</Data> element in any JSON shape.
func dataItem(it any) (name string, text any, hasName bool) {
	m, ok := it.(map[string]any)
	if !ok {
		return "", it, false
	}
	t, _, attrs := node(m)
	if n, ok := attrs["Name"].(string); ok && n != "" {
		return n, t, true
	}
	return "", t, false
}

// isXMLNS reports whether an attribute (as a key: xmlns, xmlns:auto-ns3,
// @xmlns, @xmlns:x) declares an XML namespace: not a value of the event.
func isXMLNS(k string) bool {
	k = strings.TrimPrefix(k, "@")
	return k == "xmlns" || strings.HasPrefix(k, "xmlns:")
}

// flattenLeaves adds every scalar leaf of UserData-like content under its own
// element name (the first occurrence wins; repeated scalars become arrays).
func flattenLeaves(fields map[string]engine.Value, name string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if k == "#attributes" || isXMLNS(k) {
				continue
			}
			child := k
			if k == "#text" || k == "Value" || k == "" {
				child = name
			} else if strings.HasPrefix(k, "@") {
				child = k[1:]
			}
			if child == "" {
				continue
			}
			flattenLeaves(fields, child, x[k])
		}
	case []any:
		var scalars []engine.Value
		for _, it := range x {
			if _, isMap := it.(map[string]any); isMap {
				flattenLeaves(fields, name, it)
				continue
			}
			scalars = append(scalars, toValue(it))
		}
		if len(scalars) > 0 && name != "" {
			if _, exists := fields[name]; !exists {
				fields[name] = engine.Value{Kind: engine.KindArray, Arr: scalars}
			}
		}
	default:
		if name == "" {
			return
		}
		if _, exists := fields[name]; !exists {
			fields[name] = toValue(v)
		}
	}
}

// toValue converts decoded JSON (and Go integers) to an engine value.
func toValue(v any) engine.Value {
	switch x := v.(type) {
	case string:
		return engine.Value{Kind: engine.KindString, S: x}
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return engine.Value{Kind: engine.KindString, S: x.String()}
		}
		return engine.Value{Kind: engine.KindNumber, S: x.String(), N: f}
	case uint8:
		return uintVal(uint64(x))
	case uint16:
		return uintVal(uint64(x))
	case uint32:
		return uintVal(uint64(x))
	case uint64:
		return uintVal(x)
	case uint:
		return uintVal(uint64(x))
	case int32:
		return engine.FromAny(int64(x))
	case []any:
		arr := make([]engine.Value, len(x))
		for i, it := range x {
			arr[i] = toValue(it)
		}
		return engine.Value{Kind: engine.KindArray, Arr: arr}
	case map[string]any:
		if text, ok, _ := node(x); ok {
			return toValue(text)
		}
	}
	return engine.FromAny(v)
}

func uintVal(u uint64) engine.Value {
	return engine.Value{Kind: engine.KindNumber, S: strconv.FormatUint(u, 10), N: float64(u)}
}
