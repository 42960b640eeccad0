package logs

import (
	"bufio"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// Zeek logs. The TSV form starts with "#separator \x09" and has #set_separator,
// #empty_field, #unset_field, #path, #fields and #types headers; each other
// line is one record. Unset values ("-") are absent, empty ones ("(empty)")
// are "" (an empty list for set and vector fields); set[...] and vector[...]
// values are lists; count, int, double, port, interval and time values are
// numbers; bool values (T, F) are booleans; \xHH escapes are decoded. Field
// names stay as Zeek writes them (id.orig_h). The time is ts. Events are of
// product zeek, service the #path (else the file name's first part: conn for
// conn.log or conn.00:00:00-01:00:00.log.gz).
//
// Zeek's JSON logs (LogAscii::use_json) are read by the JSON reader: an
// object with a _path, or with ts and uid (or fuid) and no other known shape,
// is a Zeek record, of service _path or the file name's first part.

// zeekServiceFromName gives the Zeek log name of a file (conn for
// /x/conn.log, dns for dns.2024-01-01-00-00-00.log.gz), "" when the name does
// not look like one.
func zeekServiceFromName(name string) string {
	base := filepath.Base(filepath.ToSlash(name))
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if base == "" || len(base) > 64 {
		return ""
	}
	for i, c := range base {
		if !(c >= 'a' && c <= 'z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return ""
		}
	}
	return base
}

// zeekJSON returns the source of a decoded JSON object that is a Zeek
// record, nil for other objects.
func zeekJSON(m map[string]any, name string) *engine.Source {
	if _, ts := m["ts"]; !ts {
		return nil
	}
	if p, ok := m["_path"].(string); ok && p != "" {
		return &engine.Source{Product: "zeek", Service: strings.ToLower(p)}
	}
	_, uid := m["uid"]
	_, fuid := m["fuid"]
	if !uid && !fuid {
		return nil
	}
	return &engine.Source{Product: "zeek", Service: zeekServiceFromName(name)}
}

// zeekParser holds the state the headers set.
type zeekParser struct {
	sep, setSep, empty, unset string
	path, defaultService      string
	fields, types             []string
}

func newZeekReader(name string, br *bufio.Reader) *headedReader {
	p := &zeekParser{sep: "\t", setSep: ",", empty: "(empty)", unset: "-", defaultService: zeekServiceFromName(name)}
	return newHeadedReader(name, br, p.header, p.parse)
}

func (r *zeekParser) header(text string) error {
	if rest, ok := strings.CutPrefix(text, "#separator "); ok {
		sep := zeekUnescape(strings.TrimSpace(rest))
		if sep == "" {
			return errors.New("Zeek log: empty #separator")
		}
		r.sep = sep
		return nil
	}
	key, val, _ := strings.Cut(text[1:], r.sep)
	switch key {
	case "set_separator":
		r.setSep = zeekUnescape(val)
	case "empty_field":
		r.empty = val
	case "unset_field":
		r.unset = val
	case "path":
		r.path = strings.ToLower(val)
	case "fields":
		r.fields = strings.Split(val, r.sep)
		r.types = nil
	case "types":
		r.types = strings.Split(val, r.sep)
		if len(r.types) != len(r.fields) {
			r.types = nil
			return fmt.Errorf("Zeek log: #types has %d entries for %d #fields (values read as strings)", len(strings.Split(val, r.sep)), len(r.fields))
		}
	}
	return nil
}

func (r *zeekParser) parse(line string) (engine.Event, time.Time, error) {
	if r.fields == nil {
		return nil, time.Time{}, errors.New("Zeek log: record before any #fields header")
	}
	values := strings.SplitN(line, r.sep, len(r.fields)+1)
	if len(values) != len(r.fields) {
		return nil, time.Time{}, fmt.Errorf("Zeek log: %d values for the %d fields of #fields", len(values), len(r.fields))
	}
	fields := make(map[string]engine.Value, len(values))
	var t time.Time
	for i, raw := range values {
		if raw == r.unset {
			continue
		}
		typ := ""
		if r.types != nil {
			typ = r.types[i]
		}
		v := r.value(raw, typ)
		fields[r.fields[i]] = v
		if r.fields[i] == "ts" {
			t = parseTimeString(v.S)
		}
	}
	ev := engine.NewFlatEvent(fields)
	service := r.path
	if service == "" {
		service = r.defaultService
	}
	ev.Source = engine.Source{Product: "zeek", Service: service}
	return ev, t, nil
}

// value types one Zeek value.
func (r *zeekParser) value(raw, typ string) engine.Value {
	if strings.HasPrefix(typ, "set[") || strings.HasPrefix(typ, "vector[") {
		if raw == r.empty {
			return engine.Value{Kind: engine.KindArray, Arr: []engine.Value{}}
		}
		elemType := typ[strings.IndexByte(typ, '[')+1 : len(typ)-1]
		parts := strings.Split(raw, r.setSep)
		arr := make([]engine.Value, 0, len(parts))
		for _, p := range parts {
			if p == r.unset {
				continue
			}
			arr = append(arr, r.value(p, elemType))
		}
		return engine.Value{Kind: engine.KindArray, Arr: arr}
	}
	if raw == r.empty {
		return engine.Value{Kind: engine.KindString}
	}
	s := zeekUnescape(raw)
	switch typ {
	case "count", "int", "double", "port", "interval", "time":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return engine.Value{Kind: engine.KindNumber, N: f, S: s}
		}
	case "bool":
		switch s {
		case "T":
			return engine.Value{Kind: engine.KindBool, B: true, S: "true"}
		case "F":
			return engine.Value{Kind: engine.KindBool, B: false, S: "false"}
		}
	}
	return engine.Value{Kind: engine.KindString, S: s}
}

// zeekUnescape decodes Zeek's \xHH escapes (separators and unprintable bytes
// in values); any other backslash is kept.
func zeekUnescape(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}
