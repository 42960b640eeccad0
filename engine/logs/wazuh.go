package logs

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/engine"
)

// Events as a Wazuh manager stores them (archives.json, alerts.json): JSON
// objects with agent, decoder and location, the decoded fields under data and
// the original log in full_log. A Windows event (data.win, from the
// eventchannel decoder) is mapped back to the Sigma field names of the event
// log record: win.system.eventID is EventID, providerName Provider_Name,
// systemTime TimeCreated_SystemTime, processID Execution_ProcessID, the other
// System children and every win.eventdata name with their first letter
// upper-cased (commandLine is CommandLine), and the backslashes and quotes the
// decoder doubled are undone; the event is then read as any Windows event
// (typed values, product windows), with agent.id, agent.name and agent.ip
// added. Other Wazuh events are read as plain JSON, of unknown origin.

// isWazuhEvent reports whether a decoded JSON object is an event as Wazuh stores it.
func isWazuhEvent(m map[string]any) bool {
	_, dec := m["decoder"].(map[string]any)
	_, agent := m["agent"].(map[string]any)
	_, loc := m["location"].(string)
	_, full := m["full_log"]
	_, data := m["data"]
	return dec && agent && loc && (full || data)
}

// wazuhSystemNames maps the eventchannel decoder's System names to the
// element (and attribute) names of the event log record.
var wazuhSystemNames = map[string][2]string{
	"providerName":    {"Provider", "Name"},
	"providerGuid":    {"Provider", "Guid"},
	"eventSourceName": {"Provider", "EventSourceName"},
	"systemTime":      {"TimeCreated", "SystemTime"},
	"processID":       {"Execution", "ProcessID"},
	"threadID":        {"Execution", "ThreadID"},
	"userID":          {"Security", "UserID"},
	"securityUserID":  {"Security", "UserID"},
	"eventID":         {"EventID", ""},
	"eventRecordID":   {"EventRecordID", ""},
}

// wazuhEvent maps a Wazuh event (isWazuhEvent) to an engine event and its time.
func wazuhEvent(m map[string]any) (engine.Event, time.Time) {
	t := jsonTime(m)
	data, _ := m["data"].(map[string]any)
	win, _ := data["win"].(map[string]any)
	if win == nil {
		return engine.NewMapEvent(m), t
	}
	sys := map[string]any{}
	if s, ok := win["system"].(map[string]any); ok {
		for k, v := range s {
			str, ok := v.(string)
			if !ok || k == "severityValue" || k == "message" {
				continue
			}
			str = unescapeEventchannel(str)
			if n, ok := wazuhSystemNames[k]; ok {
				if n[1] == "" {
					sys[n[0]] = str
					continue
				}
				el, _ := sys[n[0]].(map[string]any)
				if el == nil {
					el = map[string]any{"#attributes": map[string]any{}}
					sys[n[0]] = el
				}
				el["#attributes"].(map[string]any)[n[1]] = str
				continue
			}
			sys[ucfirst(k)] = str
		}
	}
	root := map[string]any{"System": sys}
	if ed, ok := win["eventdata"].(map[string]any); ok {
		out := make(map[string]any, len(ed))
		for k, v := range ed {
			if s, ok := v.(string); ok {
				v = unescapeEventchannel(s)
			}
			out[ucfirst(k)] = v
		}
		root["EventData"] = out
	}
	for k, v := range win {
		if k != "system" && k != "eventdata" {
			if root["UserData"] == nil {
				root["UserData"] = map[string]any{}
			}
			root["UserData"].(map[string]any)[ucfirst(k)] = v
		}
	}
	ev, wt := WindowsEvent(map[string]any{"Event": root})
	if agent, ok := m["agent"].(map[string]any); ok {
		for _, k := range []string{"id", "name", "ip"} {
			if s, ok := agent[k].(string); ok {
				ev.Fields["agent."+k] = engine.Value{Kind: engine.KindString, S: s}
			}
		}
	}
	if t.IsZero() {
		t = wt
	}
	return ev, t
}

// unescapeEventchannel undoes the eventchannel decoder's escaping of the
// agent's XML: every \ arrives as \\ and every " as \".
func unescapeEventchannel(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '"') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func ucfirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
