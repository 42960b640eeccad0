package analysisd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
	"github.com/rulec/rulec/engine"
)

// EventNS is the namespace of rendered Windows event XML.
const EventNS = "http://schemas.microsoft.com/win/2004/08/events/event"

// systemOrder is the order in which Windows renders the System elements.
var systemOrder = []string{"Provider", "EventID", "Version", "Level", "Task", "Opcode", "Keywords", "TimeCreated",
	"EventRecordID", "Correlation", "Execution", "Channel", "Computer", "Security"}

// object is a JSON object that keeps its key order (the order of the EventData
// elements in the rendered XML).
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func newObject() *object { return &object{vals: map[string]any{}} }

// fromMap turns a decoded map into an object: System children in Windows'
// order, every other key sorted (a Go map has no order).
func fromMap(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := newObject()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if _, sys := x["Provider"]; sys {
			rank := map[string]int{}
			for i, k := range systemOrder {
				rank[k] = i + 1
			}
			sort.SliceStable(keys, func(i, j int) bool {
				ri, rj := rank[keys[i]], rank[keys[j]]
				if ri == 0 {
					ri = len(systemOrder) + 1
				}
				if rj == 0 {
					rj = len(systemOrder) + 1
				}
				return ri < rj
			})
		}
		for _, k := range keys {
			o.set(k, fromMap(x[k]))
		}
		return o
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromMap(e)
		}
		return out
	}
	return v
}

// decodeOrdered reads one JSON value with objects as *object and numbers as json.Number.
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			var out []any
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if out == nil {
				out = []any{}
			}
			return out, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	}
	return tok, nil
}

// xmlText escapes text as Python's xml.sax.saxutils.escape does (&, <, >),
// which is what the Windows renderer produces for element text.
func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// xmlAttr quotes an attribute value with single quotes, as Windows renders them.
func xmlAttr(s string) string {
	return "'" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&apos;").Replace(s) + "'"
}

// sval is a scalar's text (booleans as true/false, null as nothing).
func sval(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		return x
	case json.Number:
		return x.String()
	case *object, []any:
		return pyJSON(x)
	}
	return fmt.Sprint(v)
}

// pyJSON prints a value as Python's json.dumps does by default (", " and ": "
// separators, non-ASCII as \u escapes).
func pyJSON(v any) string {
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case *object:
			b.WriteByte('{')
			for i, k := range x.keys {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(pyString(k))
				b.WriteString(": ")
				walk(x.vals[k])
			}
			b.WriteByte('}')
		case []any:
			b.WriteByte('[')
			for i, e := range x {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(e)
			}
			b.WriteByte(']')
		case string:
			b.WriteString(pyString(x))
		case nil:
			b.WriteString("null")
		default:
			b.WriteString(sval(x))
		}
	}
	walk(v)
	return b.String()
}

func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r > 0x7f:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// element renders one EVTX-as-JSON node: lists repeat the element,
// "#attributes" become attributes, "#text" the text.
func element(b *strings.Builder, name string, v any) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			element(b, name, e)
		}
	case *object:
		attrs := ""
		if a, ok := x.get("#attributes"); ok {
			if ao, ok := a.(*object); ok {
				for _, k := range ao.keys {
					attrs += " " + k + "=" + xmlAttr(sval(ao.vals[k]))
				}
			}
		}
		var kids []string
		for _, k := range x.keys {
			if k != "#attributes" && k != "#text" {
				kids = append(kids, k)
			}
		}
		t, hasText := x.get("#text")
		if t == nil {
			hasText = false
		}
		if !hasText && len(kids) == 0 {
			fmt.Fprintf(b, "<%s%s/>", name, attrs)
			return
		}
		fmt.Fprintf(b, "<%s%s>", name, attrs)
		if hasText {
			if list, ok := t.([]any); ok {
				var s strings.Builder
				for _, e := range list {
					s.WriteString(sval(e))
				}
				b.WriteString(xmlText(s.String()))
			} else {
				b.WriteString(xmlText(sval(t)))
			}
		}
		for _, k := range kids {
			element(b, k, x.vals[k])
		}
		fmt.Fprintf(b, "</%s>", name)
	case nil:
		fmt.Fprintf(b, "<%s/>", name)
	default:
		fmt.Fprintf(b, "<%s>%s</%s>", name, xmlText(sval(x)), name)
	}
}

// renderEVTXJSON renders {"Event":{"System":..,"EventData":..,"UserData":..}}
// as the Windows agent sends it (oracle_client.py's evtx_json_to_wire): every
// section, a nameless <Data> list as repeated <Data>, the Provider Guid in
// lower-case braces.
func renderEVTXJSON(doc *object) (string, error) {
	ev, _ := doc.get("Event")
	e, ok := ev.(*object)
	if !ok {
		// Also accepted without the "Event" wrapper.
		if _, sys := doc.get("System"); !sys {
			return "", fmt.Errorf("not an EVTX-as-JSON event: no Event object")
		}
		e = doc
	}
	sysv, _ := e.get("System")
	sys, _ := sysv.(*object)
	if sys == nil {
		sys = newObject()
	}
	if p, ok := sys.get("Provider"); ok {
		if po, ok := p.(*object); ok {
			if a, ok := po.get("#attributes"); ok {
				if ao, ok := a.(*object); ok {
					if g, ok := ao.get("Guid"); ok && !strings.HasPrefix(sval(g), "{") {
						na := newObject()
						for _, k := range ao.keys {
							na.set(k, ao.vals[k])
						}
						na.set("Guid", "{"+strings.ToLower(sval(g))+"}")
						// The Python original replaces the whole Provider node by its attributes.
						np := newObject()
						np.set("#attributes", na)
						ns := newObject()
						for _, k := range sys.keys {
							ns.set(k, sys.vals[k])
						}
						ns.set("Provider", np)
						sys = ns
					}
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString("<Event xmlns='" + EventNS + "'>")
	element(&b, "System", sys)
	for _, sec := range e.keys {
		if sec == "System" || sec == "#attributes" {
			continue
		}
		v := e.vals[sec]
		if sec != "EventData" {
			element(&b, sec, v)
			continue
		}
		b.WriteString("<EventData>")
		if ed, ok := v.(*object); ok {
			for _, k := range ed.keys {
				d := ed.vals[k]
				if k == "#attributes" {
					continue
				}
				if k == "Data" {
					var vals any
					switch x := d.(type) {
					case *object:
						vals, _ = x.get("#text")
					case []any:
						vals = x
					}
					if _, isList := d.([]any); isList || vals != nil {
						list, ok := vals.([]any)
						if !ok {
							list = []any{vals}
						}
						for _, y := range list {
							b.WriteString("<Data>" + xmlText(sval(y)) + "</Data>")
						}
						continue
					}
					if _, isObj := d.(*object); isObj {
						b.WriteString("<Data></Data>")
						continue
					}
				}
				b.WriteString("<Data Name=" + xmlAttr(k) + ">" + xmlText(sval(d)) + "</Data>")
			}
		}
		b.WriteString("</EventData>")
	}
	b.WriteString("</Event>")
	return b.String(), nil
}

// EVTXJSONEvents renders every event of an EVTX-as-JSON text (JSON Lines,
// concatenated or pretty-printed objects, or arrays of them, as in SigmaHQ's
// regression_data; non-breaking spaces used as indentation are tolerated) as
// the event XML the Windows agent sends, keeping the element order of the text.
func EVTXJSONEvents(data []byte) ([]string, error) {
	data = bytes.ReplaceAll(data, []byte("\u00a0"), []byte(" "))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []string
	for {
		v, err := decodeOrdered(dec)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("event %d: %w", len(out)+1, err)
		}
		docs, isList := v.([]any)
		if !isList {
			docs = []any{v}
		}
		for _, d := range docs {
			o, ok := d.(*object)
			if !ok {
				return out, fmt.Errorf("event %d: not a JSON object", len(out)+1)
			}
			x, err := renderEVTXJSON(o)
			if err != nil {
				return out, fmt.Errorf("event %d: %w", len(out)+1, err)
			}
			out = append(out, x)
		}
	}
}

// EVTXJSONToXML renders one decoded EVTX-as-JSON event
// ({"Event":{"System":..,"EventData":..}}) as the agent's event XML. A Go map
// has no order: System elements are written in Windows' order and every other
// element sorted by name (use EVTXJSONEvents to keep a text's order).
func EVTXJSONToXML(m map[string]any) (string, error) {
	o, _ := fromMap(m).(*object)
	if o == nil {
		return "", fmt.Errorf("not an EVTX-as-JSON event")
	}
	return renderEVTXJSON(o)
}

// WindowsEventXML renders a Windows event read by engine/logs (Sigma field
// names: EventID, Channel, Provider_Name, ..., EventData names) as the agent's
// event XML. The System and EventData values are those wazuhsim.FromFlat
// recovers (so both engines see the same event); a nameless Data list is
// written as repeated <Data> elements. UserData cannot be told from EventData
// in the flat view and is written as EventData.
func WindowsEventXML(ev engine.Event) (string, error) {
	if _, ok := ev.Get("EventID"); !ok {
		return "", fmt.Errorf("not a Windows event: no EventID")
	}
	w := wazuhsim.FromFlat(ev)
	return RenderWindowsEvent(w, unnamedData(ev)), nil
}

// unnamedData returns the values of a nameless Data list (the flat field
// "Data" holding an array), or nil.
func unnamedData(ev engine.Event) []string {
	v, ok := ev.Get("Data")
	if !ok || v.Kind != engine.KindArray {
		return nil
	}
	out := make([]string, 0, len(v.Arr))
	for _, e := range v.Arr {
		if e.Kind == engine.KindNull {
			out = append(out, "")
			continue
		}
		out = append(out, e.S)
	}
	return out
}

// RenderWindowsEvent renders a wazuhsim.WindowsEvent (System values by their
// decoder names, EventData by Data name) as the agent's event XML; data, when
// not nil, is a nameless Data list written as repeated <Data> elements instead
// of the EventData value "Data".
func RenderWindowsEvent(w wazuhsim.WindowsEvent, data []string) string {
	s := w.System
	var b strings.Builder
	b.WriteString("<Event xmlns='" + EventNS + "'><System>")
	attrs := func(names ...string) string {
		var a string
		for i := 0; i+1 < len(names); i += 2 {
			v, ok := s[names[i+1]]
			if !ok || v == "" {
				continue
			}
			if names[i] == "Guid" && !strings.HasPrefix(v, "{") {
				v = "{" + strings.ToLower(v) + "}"
			}
			a += " " + names[i] + "=" + xmlAttr(v)
		}
		return a
	}
	elem := func(name, key string) {
		if v, ok := s[key]; ok {
			b.WriteString("<" + name + ">" + xmlText(v) + "</" + name + ">")
		}
	}
	b.WriteString("<Provider" + attrs("Name", "providerName", "Guid", "providerGuid", "EventSourceName", "eventSourceName") + "/>")
	for _, p := range [][2]string{{"EventID", "eventID"}, {"Version", "version"}, {"Level", "level"}, {"Task", "task"},
		{"Opcode", "opcode"}, {"Keywords", "keywords"}} {
		elem(p[0], p[1])
	}
	if a := attrs("SystemTime", "systemTime"); a != "" {
		b.WriteString("<TimeCreated" + a + "/>")
	}
	elem("EventRecordID", "eventRecordID")
	b.WriteString("<Correlation/>")
	if a := attrs("ProcessID", "processID", "ThreadID", "threadID"); a != "" {
		b.WriteString("<Execution" + a + "/>")
	}
	elem("Channel", "channel")
	elem("Computer", "computer")
	b.WriteString("<Security/>")
	known := map[string]bool{"providerName": true, "providerGuid": true, "eventSourceName": true, "eventID": true,
		"version": true, "level": true, "task": true, "opcode": true, "keywords": true, "systemTime": true,
		"eventRecordID": true, "processID": true, "threadID": true, "channel": true, "computer": true}
	var extra []string
	for k := range s {
		if !known[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		name := strings.ToUpper(k[:1]) + k[1:]
		b.WriteString("<" + name + ">" + xmlText(s[k]) + "</" + name + ">")
	}
	b.WriteString("</System><EventData>")
	names := make([]string, 0, len(w.EventData))
	for k := range w.EventData {
		if data != nil && k == "Data" {
			continue
		}
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString("<Data Name=" + xmlAttr(k) + ">" + xmlText(w.EventData[k]) + "</Data>")
	}
	for _, d := range data {
		b.WriteString("<Data>" + xmlText(d) + "</Data>")
	}
	b.WriteString("</EventData></Event>")
	return b.String()
}

// AgentFormat is what the Windows agent does to the rendered XML before
// sending it (logcollector.c win_format_event_string): CR and LF become
// spaces, and tabs that follow a CR, LF or ':' become spaces.
func AgentFormat(x string) string {
	var b strings.Builder
	b.Grow(len(x))
	for i := 0; i < len(x); {
		c := x[i]
		if c == '\n' || c == '\r' || c == ':' {
			if c == ':' {
				b.WriteByte(':')
			} else {
				b.WriteByte(' ')
			}
			i++
			for i < len(x) && x[i] == '\t' {
				b.WriteByte(' ')
				i++
			}
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// wireJSON is the agent's EventChannel message: {"Message":..,"Event":..}
// as compact JSON without HTML escaping (as Python's json.dumps with
// ensure_ascii=False).
func wireJSON(message, eventXML string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Message string `json:"Message"`
		Event   string `json:"Event"`
	}{message, eventXML})
	return strings.TrimRight(b.String(), "\n")
}
