package logs

import (
	"encoding/json"
	"time"

	"github.com/rulec/rulec/engine"
)

// OpenTelemetry log records, in the OTLP/JSON encoding (lowerCamelCase, with
// attributes as [{key, value:{stringValue|intValue|...}}] lists) or as plain
// JSON objects with attributes as maps (SDK console exporters, collectors'
// file exporters after transformation).
//
// An OTel record becomes a MapEvent whose fields are:
//   - every attribute by its own key ("process.command_line"), then every
//     resource attribute not already set ("service.name");
//   - "attributes" and "resource" as objects, so "attributes.x" and
//     "resource.service.name" also resolve; "scope" for the instrumentation scope;
//   - "body" (string, or object/array for structured bodies);
//   - "severity" (text, else number), "severity_text", "severity_number",
//     "timestamp" (RFC 3339), "trace_id", "span_id", "event_name";
//   - every other key of the record as it was.

// isOTLPExport reports whether an object is an OTLP export (ExportLogsServiceRequest).
func isOTLPExport(m map[string]any) bool {
	_, ok := m["resourceLogs"].([]any)
	return ok
}

// looksLikeOTel reports whether an object is an OTel log record.
func looksLikeOTel(m map[string]any) bool {
	for _, k := range []string{"timeUnixNano", "observedTimeUnixNano", "severityNumber", "severityText"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	if l, ok := m["attributes"].([]any); ok && len(l) > 0 && isKeyValue(l[0]) {
		return true
	}
	_, body := m["body"]
	_, res := m["resource"]
	_, attrs := m["attributes"]
	return body && (res || attrs)
}

func isKeyValue(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	_, k := m["key"].(string)
	_, val := m["value"]
	return k && val
}

// emitOTLP queues one record per log record of an OTLP export.
func (r *jsonReader) emitOTLP(m map[string]any, line int) {
	rls, _ := m["resourceLogs"].([]any)
	for _, rl := range rls {
		rlm, ok := rl.(map[string]any)
		if !ok {
			continue
		}
		res := resourceAttrs(rlm["resource"])
		sls, _ := rlm["scopeLogs"].([]any)
		if sls == nil {
			sls, _ = rlm["instrumentationLibraryLogs"].([]any)
		}
		for _, sl := range sls {
			slm, ok := sl.(map[string]any)
			if !ok {
				continue
			}
			scope, _ := slm["scope"].(map[string]any)
			if scope == nil {
				scope, _ = slm["instrumentationLibrary"].(map[string]any)
			}
			lrs, _ := slm["logRecords"].([]any)
			if lrs == nil {
				lrs, _ = slm["logs"].([]any)
			}
			for _, lr := range lrs {
				lrm, ok := lr.(map[string]any)
				if !ok {
					r.recErr(line, errNotObject("OTLP logRecords element", lr))
					continue
				}
				ev, t := otelEvent(lrm, res, scope)
				r.add(ev, line, t)
			}
		}
	}
}

func errNotObject(what string, v any) error {
	return &notObjectError{what: what, kind: jsonKind(v)}
}

type notObjectError struct{ what, kind string }

func (e *notObjectError) Error() string { return e.what + " is not an object (" + e.kind + ")" }

// resourceAttrs reads a resource: {"attributes": ...} or a plain attribute map.
func resourceAttrs(v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if a, ok := m["attributes"]; ok {
		return attrMap(a)
	}
	return attrMap(m)
}

// attrMap decodes OTLP attributes: a [{key, value}] list or a map.
func attrMap(v any) map[string]any {
	switch x := v.(type) {
	case []any:
		out := make(map[string]any, len(x))
		for _, it := range x {
			kv, ok := it.(map[string]any)
			if !ok {
				continue
			}
			k, ok := kv["key"].(string)
			if !ok {
				continue
			}
			out[k] = anyValue(kv["value"])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = anyValue(val)
		}
		return out
	}
	return nil
}

// anyValue decodes an OTLP AnyValue ({"stringValue": "x"}, ...); other values are kept.
func anyValue(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if len(m) == 0 {
		return nil
	}
	if len(m) != 1 {
		return v
	}
	for k, val := range m {
		switch k {
		case "stringValue", "string_value", "bytesValue", "bytes_value", "boolValue", "bool_value":
			return val
		case "intValue", "int_value", "doubleValue", "double_value":
			if s, ok := val.(string); ok {
				return json.Number(s)
			}
			return val
		case "arrayValue", "array_value":
			vm, _ := val.(map[string]any)
			vals, _ := vm["values"].([]any)
			out := make([]any, len(vals))
			for i, it := range vals {
				out[i] = anyValue(it)
			}
			return out
		case "kvlistValue", "kvlist_value":
			vm, _ := val.(map[string]any)
			return attrMap(vm["values"])
		}
	}
	return v
}

// otelEvent converts one log record, with its resource attributes and scope.
func otelEvent(lr, res, scope map[string]any) (*engine.MapEvent, time.Time) {
	out := make(map[string]any, len(lr)+16)
	for k, v := range lr {
		out[k] = v
	}
	if res == nil {
		res = resourceAttrs(lr["resource"])
	}
	attrs := attrMap(lr["attributes"])
	for k, v := range attrs {
		out[k] = v
	}
	for k, v := range res {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	if attrs != nil {
		out["attributes"] = attrs
	}
	if res != nil {
		out["resource"] = res
	}
	if scope != nil {
		sc := make(map[string]any, len(scope))
		for k, v := range scope {
			sc[k] = v
		}
		if a, ok := scope["attributes"]; ok {
			sc["attributes"] = attrMap(a)
		}
		out["scope"] = sc
	}
	if b, ok := lr["body"]; ok {
		out["body"] = anyValue(b)
	}
	sevText := first(lr, "severityText", "severity_text", "SeverityText")
	sevNum := first(lr, "severityNumber", "severity_number", "SeverityNumber")
	if sevText != nil {
		out["severity_text"] = sevText
		out["severity"] = sevText
	}
	if sevNum != nil {
		out["severity_number"] = sevNum
		if sevText == nil {
			out["severity"] = sevNum
		}
	}
	for name, keys := range map[string][]string{
		"trace_id":   {"traceId", "trace_id", "TraceId"},
		"span_id":    {"spanId", "span_id", "SpanId"},
		"event_name": {"eventName", "event_name", "EventName"},
	} {
		if v := first(lr, keys...); v != nil {
			out[name] = v
		}
	}
	var t time.Time
	for _, k := range []string{"timeUnixNano", "time_unix_nano", "observedTimeUnixNano", "observed_time_unix_nano", "Timestamp", "timestamp", "time"} {
		if v, ok := lr[k]; ok {
			if t = otelTime(v); !t.IsZero() {
				break
			}
		}
	}
	if !t.IsZero() {
		if _, ok := lr["timestamp"]; !ok {
			out["timestamp"] = t.Format(time.RFC3339Nano)
		}
	}
	return engine.NewMapEvent(out), t
}

// otelTime reads a *UnixNano value (a decimal string or number; 0 means unset) or a timestamp.
func otelTime(v any) time.Time {
	switch x := v.(type) {
	case string, json.Number:
		var s string
		if str, ok := x.(string); ok {
			s = str
		} else {
			s = x.(json.Number).String()
		}
		if s == "0" || s == "" {
			return time.Time{}
		}
	}
	return parseTimeAny(v)
}

func first(m map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := m[k]; ok && v != nil {
			return v
		}
	}
	return nil
}
