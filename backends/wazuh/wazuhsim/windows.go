package wazuhsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/engine"
)

// WindowsEvent is a Windows event given by its original System and EventData values.
type WindowsEvent struct {
	// System holds the System values by Wazuh name without prefix (providerName,
	// eventID, channel, computer, level, keywords, ...), original text.
	System map[string]string
	// EventData holds the EventData values by their Data Name, original text.
	EventData map[string]string
}

// Decode returns the event as wazuh-analysisd's eventchannel decoder leaves it:
// fields win.system.* and win.eventdata.* (first letter lower-cased), values
// escaped and filtered as EventchannelValue says, severityValue added, and the
// JSON text of the event as the log.
func (w WindowsEvent) Decode() *Event {
	ev := &Event{Decoder: "windows_eventchannel", Category: "ossec", Fields: map[string]string{}, Static: map[string]string{"location": "EventChannel"}}
	sys := map[string]string{}
	for k, v := range w.System {
		if v == "" {
			continue
		}
		enc, _ := EventchannelValue(v)
		if v == "-" || v == "(NULL)" {
			enc = v
		}
		sys[k] = enc
	}
	if sev := severity(w.System["level"], w.System["keywords"]); sev != "" {
		sys["severityValue"] = sev
	}
	data := map[string]string{}
	for k, v := range w.EventData {
		enc, ok := EventchannelValue(v)
		if !ok || k == "" {
			continue
		}
		data[lcfirst(k)] = enc
	}
	for k, v := range sys {
		ev.Fields["win.system."+k] = v
	}
	for k, v := range data {
		ev.Fields["win.eventdata."+k] = v
	}
	var b bytes.Buffer
	b.WriteString(`{"win":{"system":`)
	writeObject(&b, sys)
	if len(data) > 0 {
		b.WriteString(`,"eventdata":`)
		writeObject(&b, data)
	}
	b.WriteString("}}")
	ev.Log = b.String()
	return ev
}

func writeObject(b *bytes.Buffer, m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		// cJSON_PrintUnformatted, as analysisd prints the decoded event.
		b.WriteString(cjsonString(k))
		b.WriteByte(':')
		b.WriteString(cjsonString(m[k]))
	}
	b.WriteByte('}')
}

func lcfirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}

// severity computes severityValue from Level and Keywords as the decoder does.
func severity(level, keywords string) string {
	if level == "" || keywords == "" {
		return ""
	}
	n, _ := strconv.Atoi(level)
	kw, _ := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(keywords), "0x"), 16, 64)
	switch n {
	case 1:
		return "CRITICAL"
	case 2:
		return "ERROR"
	case 3:
		return "WARNING"
	case 4:
		return "INFORMATION"
	case 5:
		return "VERBOSE"
	case 0:
		if kw&0x10000000000000 != 0 {
			return "AUDIT_FAILURE"
		}
		if kw&0x20000000000000 != 0 {
			return "AUDIT_SUCCESS"
		}
	}
	return "UNKNOWN"
}

// ParseEVTXJSON reads the JSON rendering of EVTX records used by the SigmaHQ
// regression data (one or more {"Event": {"System": ..., "EventData": ...}}
// objects; non-breaking spaces used as indentation are tolerated). It returns the
// events and, for each, the flat Sigma view (EventData names, System as EventID,
// Channel, Provider_Name, Computer, ...).
func ParseEVTXJSON(data []byte) ([]WindowsEvent, []map[string]any, error) {
	data = bytes.ReplaceAll(data, []byte("\u00a0"), []byte(" "))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var evs []WindowsEvent
	var flats []map[string]any
	for dec.More() {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			return nil, nil, fmt.Errorf("event %d: %w", len(evs)+1, err)
		}
		e, _ := doc["Event"].(map[string]any)
		if e == nil {
			return nil, nil, fmt.Errorf("event %d: no Event object", len(evs)+1)
		}
		w := WindowsEvent{System: map[string]string{}, EventData: map[string]string{}}
		flat := map[string]any{}
		sys, _ := e["System"].(map[string]any)
		for k, v := range sys {
			attrs := attributes(v)
			switch k {
			case "Provider":
				w.System["providerName"], flat["Provider_Name"] = attrs["Name"], attrs["Name"]
				w.System["providerGuid"] = attrs["Guid"]
				if s := attrs["EventSourceName"]; s != "" {
					w.System["eventSourceName"] = s
				}
			case "TimeCreated":
				w.System["systemTime"] = attrs["SystemTime"]
			case "Execution":
				w.System["processID"], w.System["threadID"] = attrs["ProcessID"], attrs["ThreadID"]
			case "Security":
				// The 4.x decoder compares the attribute's value with "UserID"
				// instead of its name, so securityUserID is in practice never set.
			case "Correlation":
			default:
				s := text(v)
				w.System[lcfirst(k)] = s
				flat[k] = scalar(v)
			}
		}
		for _, sec := range []string{"EventData", "UserData"} {
			ed, _ := e[sec].(map[string]any)
			if sec == "UserData" && len(ed) == 1 {
				for _, inner := range ed {
					if m, ok := inner.(map[string]any); ok {
						ed = m
					}
				}
			}
			for k, v := range ed {
				if k == "#attributes" {
					continue
				}
				w.EventData[k] = text(v)
				flat[k] = scalar(v)
			}
		}
		evs = append(evs, w)
		flats = append(flats, flat)
	}
	return evs, flats, nil
}

func attributes(v any) map[string]string {
	out := map[string]string{}
	m, _ := v.(map[string]any)
	a, _ := m["#attributes"].(map[string]any)
	for k, x := range a {
		out[k] = text(x)
	}
	return out
}

// text renders a JSON value as the event XML's text.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case map[string]any:
		if t, ok := x["#text"]; ok {
			return text(t)
		}
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = text(it)
		}
		return strings.Join(parts, "\n")
	}
	return fmt.Sprint(v)
}

// scalar is the value for the Sigma view: numbers stay numbers.
func scalar(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["#text"]; ok {
			return scalar(t)
		}
		return text(v)
	case []any:
		return text(v)
	}
	return v
}

// flatSystem maps the flat Sigma names of Windows System values (as
// engine/logs.WindowsEvent names them) to the eventchannel decoder's names.
// Security_UserID is left out: the 4.x decoder only keeps it when the value is
// the literal text "UserID" (it compares the value, not the attribute name), and
// Correlation is skipped by the decoder.
var flatSystem = map[string]string{
	"EventID": "eventID", "Version": "version", "Level": "level", "Task": "task", "Opcode": "opcode",
	"Keywords": "keywords", "EventRecordID": "eventRecordID", "Channel": "channel", "Computer": "computer",
	"Provider_Name": "providerName", "Provider_Guid": "providerGuid", "Provider_EventSourceName": "eventSourceName",
	"TimeCreated_SystemTime": "systemTime", "Execution_ProcessID": "processID", "Execution_ThreadID": "threadID",
}

// systemPrefixes mark the other System attributes in flat names (dropped by the decoder).
var systemPrefixes = []string{"Provider_", "TimeCreated_", "Execution_", "Security_", "Correlation_", "EventID_"}

// FromFlat rebuilds the original System and EventData values of a Windows
// event read by engine/logs (an *engine.FlatEvent with Sigma field names):
// the System names above, everything else EventData (an unnamed Data list is
// joined with ", " as the decoder does). UserData cannot be told apart from
// EventData in the flat view: events that carry UserData decode as if it were
// EventData here.
func FromFlat(ev engine.Event) WindowsEvent {
	w := WindowsEvent{System: map[string]string{}, EventData: map[string]string{}}
	text := func(v engine.Value) (string, bool) {
		switch v.Kind {
		case engine.KindNull, engine.KindObject:
			return "", false
		case engine.KindArray:
			parts := make([]string, 0, len(v.Arr))
			for _, e := range v.Arr {
				if e.Kind != engine.KindNull && e.S != "" {
					parts = append(parts, e.S)
				}
			}
			return strings.Join(parts, ", "), len(parts) > 0
		}
		return v.S, true
	}
	seen := map[string]bool{}
	ev.Each(func(name string, _ engine.Value) bool {
		if seen[name] {
			return true
		}
		seen[name] = true
		v, ok := ev.Get(name)
		if !ok {
			return true
		}
		s, ok := text(v)
		if !ok {
			return true
		}
		if sys, isSys := flatSystem[name]; isSys {
			w.System[sys] = s
			return true
		}
		for _, p := range systemPrefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		w.EventData[name] = s
		return true
	})
	return w
}
