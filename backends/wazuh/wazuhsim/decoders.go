package wazuhsim

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// jsonStatic are the top-level JSON keys the JSON decoder stores as static
// fields (fillData in src/analysisd/decoders/plugins/json_decoder.c).
var jsonStatic = map[string]bool{
	"srcip": true, "dstip": true, "dstport": true, "srcport": true, "protocol": true, "action": true,
	"srcuser": true, "dstuser": true, "id": true, "status": true, "url": true, "data": true,
	"extra_data": true, "systemname": true,
}

// DecodeJSON decodes a JSON log line as wazuh-analysisd 4.x's JSON decoder does
// (the stock `json` decoder, or `json-msgraph` when the line holds
// "integration":"ms-graph"): nested keys joined with dots; strings as they
// are; true/false; integral numbers with %i of cJSON's (saturated int)
// valueint, others with %f; null as "null" (discarded by json-msgraph); arrays
// as cJSON_Print's formatted text; top-level srcip, dstip, url, id, ... as
// static fields ("user" becomes dstuser when none is set).
func DecodeJSON(line string) (*Event, error) {
	root, err := parseOrdered(json.NewDecoder(strings.NewReader(line)))
	if err != nil {
		return nil, fmt.Errorf("decoding JSON event: %w", err)
	}
	obj, ok := root.(orderedObject)
	if !ok {
		return nil, fmt.Errorf("decoding JSON event: not an object")
	}
	ev := &Event{Decoder: "json", Category: "syslog", Log: line, Fields: map[string]string{}, Static: map[string]string{}}
	discardNull := false
	if strings.Contains(line, `"integration":"ms-graph"`) {
		ev.Decoder, discardNull = "json-msgraph", true
	}
	var walk func(prefix string, o orderedObject)
	walk = func(prefix string, o orderedObject) {
		for _, kv := range o {
			key := kv.key
			if prefix != "" {
				key = prefix + "." + kv.key
			}
			var val string
			switch x := kv.val.(type) {
			case orderedObject:
				walk(key, x)
				continue
			case nil:
				if discardNull {
					continue
				}
				val = "null"
			case string:
				val = x
			case bool:
				val = strconv.FormatBool(x)
			case json.Number:
				val = jsonNumber(x)
			case []any:
				val = cjsonPrint(x, 0)
			}
			if prefix == "" && (jsonStatic[key] || key == "user" && ev.Static["dstuser"] == "") {
				if key == "user" {
					key = "dstuser"
				}
				ev.Static[key] = val
				continue
			}
			if _, dup := ev.Fields[key]; !dup {
				ev.Fields[key] = val
			}
		}
	}
	walk("", obj)
	return ev, nil
}

// jsonNumber prints a number as the JSON decoder does: %i of the saturated int
// when the value is integral, else %f.
func jsonNumber(n json.Number) string {
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	i := cjsonInt(f)
	if float64(i) == f {
		return strconv.Itoa(i)
	}
	return fmt.Sprintf("%f", f)
}

// cjsonInt is cJSON's valueint: the double saturated to the int range.
func cjsonInt(f float64) int {
	switch {
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int(f)
}

// cjsonPrint renders a value like cJSON_Print (formatted).
func cjsonPrint(v any, depth int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case string:
		return cjsonString(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatFloat(f, 'f', 0, 64)
		}
		s := strconv.FormatFloat(f, 'g', 15, 64)
		if g, _ := strconv.ParseFloat(s, 64); g != f {
			s = strconv.FormatFloat(f, 'g', 17, 64)
		}
		return s
	case []any:
		parts := make([]string, len(x))
		for i, it := range x {
			parts[i] = cjsonPrint(it, depth)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case orderedObject:
		if len(x) == 0 {
			return "{\n" + strings.Repeat("\t", depth) + "}"
		}
		var b strings.Builder
		b.WriteString("{\n")
		for i, kv := range x {
			b.WriteString(strings.Repeat("\t", depth+1))
			b.WriteString(cjsonString(kv.key))
			b.WriteString(":\t")
			b.WriteString(cjsonPrint(kv.val, depth+1))
			if i < len(x)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("\t", depth) + "}")
		return b.String()
	}
	return fmt.Sprint(v)
}

// cjsonString quotes s as cJSON prints a string.
func cjsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	writeCJSONEscaped(&b, s)
	b.WriteByte('"')
	return b.String()
}

// writeCJSONEscaped writes s with cJSON's escapes: `\`, `"` and control characters.
func writeCJSONEscaped(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
}

// orderedObject is a JSON object with its keys in document order.
type orderedObject []keyValue

type keyValue struct {
	key string
	val any
}

// parseOrdered decodes one JSON value keeping object key order.
func parseOrdered(dec *json.Decoder) (any, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o orderedObject
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := parseOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, keyValue{k, v})
			}
			_, err := dec.Token()
			if o == nil {
				o = orderedObject{}
			}
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := parseOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	}
	return tok, nil
}

// webAccessLine is the stock web-accesslog decoder's main form: srcip, then
// "METHOD URL HTTP/x" and the status (0375-web-accesslog_decoders.xml).
var webAccessLine = regexp.MustCompile(`^(\S+) \S+ \S+ (?:\S+ )?\[[^\]]*\] "(\w+) (\S+) HTTP\S+" (\d+) `)

// DecodeWebAccess decodes an NCSA/combined access log line as the stock
// web-accesslog decoder does (type web-log): srcip, protocol (the HTTP
// method), url (the request target) and id (the status code). It returns an
// error for a line the decoder would not take.
func DecodeWebAccess(line string) (*Event, error) {
	m := webAccessLine.FindStringSubmatch(line)
	if m == nil {
		return nil, fmt.Errorf("not a web access log line: %q", line)
	}
	return &Event{Decoder: "web-accesslog", Category: "web-log", Log: line, Fields: map[string]string{},
		Static: map[string]string{"srcip": m[1], "protocol": m[2], "url": m[3], "id": m[4]}}, nil
}

// auditd decoders (0040-auditd_decoders.xml): the SYSCALL/EXECVE family. Each
// child regex searches after the previous successful match, like
// offset="after_regex". OS_Regex's `\S+` before a quote stops at the quote.
var (
	auditHead          = regexp.MustCompile(`^(?:node=\S+ )?type=(SYSCALL|EXECVE) msg=audit\(\d+.\d+:(\d+)\): `)
	auditSyscall       = regexp.MustCompile(`^arch=(\S+) syscall=(\d+) success=(\S+) exit=(\S+) a0=\S+ a1=\S+ a2=\S+ a3=\S+ items=\S+ ppid=(\S+) pid=(\S+) auid=(\S+) uid=(\S+) gid=(\S+) euid=(\S+) suid=(\S+) fsuid=(\S+) egid=(\S+) sgid=(\S+) fsgid=(\S+) tty=(\S+) ses=(\S+) comm="([^\s"]+)" exe="([^\s"]+)"`)
	auditSyscallFields = []string{"audit.arch", "audit.syscall", "audit.success", "audit.exit", "audit.ppid", "audit.pid",
		"audit.auid", "audit.uid", "audit.gid", "audit.euid", "audit.suid", "audit.fsuid", "audit.egid", "audit.sgid",
		"audit.fsgid", "audit.tty", "audit.session", "audit.command", "audit.exe"}
	auditSteps = []struct {
		re    *regexp.Regexp
		order []string
	}{
		{regexp.MustCompile(`comm="([^\s"]+)"`), []string{"audit.command"}},
		{regexp.MustCompile(`exe="([^\s"]+)"`), []string{"audit.exe"}},
		{regexp.MustCompile(`key=\(([^\s)]+)\)|key="([^\s"]+)"|key=(\S+) `), []string{"audit.key"}},
		{regexp.MustCompile(`argc=(\d+)`), []string{"audit.execve.argc"}},
		{regexp.MustCompile(`a0="([^\s"]+)"`), []string{"audit.execve.a0"}},
		{regexp.MustCompile(`a1="([^\s"]+)"`), []string{"audit.execve.a1"}},
		{regexp.MustCompile(`a2="([^\s"]+)"`), []string{"audit.execve.a2"}},
		{regexp.MustCompile(`a3="([^\s"]+)"`), []string{"audit.execve.a3"}},
		{regexp.MustCompile(`a4="([^\s"]+)"`), []string{"audit.execve.a4"}},
		{regexp.MustCompile(`a5="([^\s"]+)"`), []string{"audit.execve.a5"}},
		{regexp.MustCompile(`a6="([^\s"]+)"`), []string{"audit.execve.a6"}},
		{regexp.MustCompile(`a7="([^\s"]+)"`), []string{"audit.execve.a7"}},
		{regexp.MustCompile(`type=CWD msg=audit\(\S+\):\s+cwd="([^\s"]+)" `), []string{"audit.cwd"}},
		{regexp.MustCompile(`type=PATH msg=audit\(\S+\): item=\S+ name="([^\s"]+)" inode=(\S+) dev=\S+ mode=(04\S+) ouid=\S+ ogid=\S+ `), []string{"audit.directory.name", "audit.directory.inode", "audit.directory.mode"}},
		{regexp.MustCompile(`type=PATH msg=audit\(\S+\): item=\S+ name="([^\s"]+)" inode=(\S+) dev=\S+ mode=(\S+) ouid=\S+ ogid=\S+ `), []string{"audit.file.name", "audit.file.inode", "audit.file.mode"}},
	}
)

// DecodeAuditd decodes one joined audit event line (the agent's `audit` log
// format puts the records of an event on one line, SYSCALL first) as the stock
// auditd decoders do for SYSCALL/EXECVE events: audit.type is the first
// record's type, quoted EXECVE arguments become audit.execve.a0-a7, CWD and one
// PATH name are kept. Other record types are not decoded here.
func DecodeAuditd(line string) (*Event, error) {
	h := auditHead.FindStringSubmatchIndex(line)
	if h == nil {
		return nil, fmt.Errorf("not a SYSCALL/EXECVE audit line: %.60q", line)
	}
	ev := &Event{Decoder: "auditd", Category: "syslog", Log: line, Fields: map[string]string{}, Static: map[string]string{}}
	ev.Fields["audit.type"] = line[h[2]:h[3]]
	ev.Fields["audit.id"] = line[h[4]:h[5]]
	cur := h[1]
	if m := auditSyscall.FindStringSubmatchIndex(line[cur:]); m != nil {
		for i, name := range auditSyscallFields {
			ev.Fields[name] = line[cur+m[2+2*i] : cur+m[3+2*i]]
		}
		cur += m[1]
	}
	for _, st := range auditSteps {
		m := st.re.FindStringSubmatchIndex(line[cur:])
		if m == nil {
			continue
		}
		// The key regex has three alternatives; each other step fills its order.
		vals := []string{}
		for i := 2; i+1 < len(m); i += 2 {
			if m[i] >= 0 {
				vals = append(vals, line[cur+m[i]:cur+m[i+1]])
			}
		}
		for i, name := range st.order {
			if i < len(vals) {
				ev.Fields[name] = vals[i]
			}
		}
		cur += m[1]
	}
	return ev, nil
}
