package logs

import (
	"bufio"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// Raw Linux audit.log. Records that share msg=audit(TS:SERIAL) form one event;
// records of different events may arrive interleaved. An event is complete at
// its EOE record, when a record more than auditWindow later (in audit time)
// arrives, when more than auditMaxPending events are open (oldest first), or at
// the end of the input. Limits bound an event's records and bytes and the bytes
// of all open events (the oldest is completed early), each cut reported.
//
// The event's fields are every record's key=value fields (quoted values
// unquoted; hex-encoded values of encoded fields such as proctitle, EXECVE
// a0.., comm, exe, name, cwd decoded). A field present in several records with
// different values is an array holding them all (so both EXECVE's a0 and
// SYSCALL's a0 match). Besides:
//   - type: the record types in arrival order (a string when there is one);
//   - TYPE.field: each field under its record's type (SYSCALL.a0, EXECVE.a0,
//     PATH.name, ...);
//   - SYSCALL: the system call's name, when the log is not enriched and the
//     architecture is x86_64 or aarch64;
//   - msg: for user-space records (msg='...'), the quoted text; its key=value
//     pairs are fields too;
//   - timestamp (RFC 3339), serial, and node when present.

const (
	auditWindow     = 2 * time.Second
	auditMaxPending = 256
)

var auditHeader = regexp.MustCompile(`^(?:node=(\S+) )?type=(\S+) msg=audit\((\d+)(?:\.(\d+))?:(\d+)\):\s?`)

// auditEvent is an event being assembled.
type auditEvent struct {
	key    string // "TS:SERIAL"
	line   int
	index  int // order of the first record in the source
	time   time.Time
	serial string
	node   string
	types  []string
	fields map[string][]string
	order  []string // field names in first-seen order
	// records and bytes are what was assembled; dropped counts the records beyond
	// Limits.MaxAuditRecords / MaxAuditEventBytes; early is set when the event was
	// completed early because of MaxAuditPendingBytes.
	records, bytes, dropped int
	early                   bool
}

type auditReader struct {
	src     lineSource
	index   int
	pending []*auditEvent // in order of first record
	byKey   map[string]*auditEvent
	queue   []item
	eof     bool
	lim     Limits
	// pendingBytes is the size of the records of all pending events.
	pendingBytes int
}

func newAuditReader(name string, br *bufio.Reader, lim Limits) *auditReader {
	return &auditReader{src: lineSource{name: name, lines: newLineReader(br)}, byKey: map[string]*auditEvent{}, lim: lim.withDefaults()}
}

// Next returns the next complete event.
func (r *auditReader) Next() (Record, error) {
	for len(r.queue) == 0 {
		if r.eof {
			return Record{}, io.EOF
		}
		if err := r.readLine(); err != nil {
			return Record{}, err
		}
	}
	it := r.queue[0]
	r.queue[0] = item{}
	r.queue = r.queue[1:]
	return it.rec, it.err
}

func (r *auditReader) readLine() error {
	line, n, bad, err := r.src.nextLine()
	if err == io.EOF {
		r.eof = true
		for len(r.pending) > 0 {
			r.complete(r.pending[0])
		}
		return nil
	}
	if errors.Is(err, ErrTooLarge) {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: r.nextIndex(), Line: n, Err: err}})
		return nil
	}
	if err != nil {
		return err
	}
	m := auditHeader.FindStringSubmatch(line)
	if m == nil {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: r.nextIndex(), Line: n,
			Err: errors.New("not an audit record (want type=... msg=audit(TS:SERIAL): ...)")}})
		return nil
	}
	node, typ, sec, frac, serial := m[1], m[2], m[3], m[4], m[5]
	key := sec + "." + frac + ":" + serial
	if node != "" {
		key = node + " " + key
	}
	t := auditTime(sec, frac)
	// Complete events that are too old to receive more records.
	for len(r.pending) > 0 && !t.IsZero() && t.Sub(r.pending[0].time) > auditWindow {
		r.complete(r.pending[0])
	}
	ev := r.byKey[key]
	if ev == nil && typ == "EOE" {
		return nil // the end of an event already completed
	}
	if ev == nil {
		ev = &auditEvent{key: key, line: n, index: r.nextIndex(), time: t, serial: serial, node: node, fields: map[string][]string{}}
		r.byKey[key] = ev
		r.pending = append(r.pending, ev)
	}
	if bad {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: ev.index, Line: n, Err: ErrInvalidUTF8}})
	}
	if typ == "EOE" {
		r.complete(ev)
		return nil
	}
	if ev.records > 0 && (ev.records >= r.lim.MaxAuditRecords || ev.bytes+len(line) > r.lim.MaxAuditEventBytes) {
		ev.dropped++ // the event is full: the record is counted, not kept
		return nil
	}
	ev.records++
	ev.bytes += len(line)
	r.pendingBytes += len(line)
	ev.types = append(ev.types, typ)
	parseAuditFields(ev, typ, line[len(m[0]):])
	if len(r.pending) > auditMaxPending {
		r.complete(r.pending[0])
	}
	for len(r.pending) > 1 && r.pendingBytes > r.lim.MaxAuditPendingBytes {
		r.pending[0].early = true
		r.complete(r.pending[0])
	}
	return nil
}

// nextIndex hands out record indexes: events are numbered by their first
// record, bad lines as they are met. Events complete out of order, so their
// indexes need not increase.
func (r *auditReader) nextIndex() int {
	i := r.index
	r.index++
	return i
}

// complete turns a pending event into a record.
func (r *auditReader) complete(ev *auditEvent) {
	delete(r.byKey, ev.key)
	for i, p := range r.pending {
		if p == ev {
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			break
		}
	}
	r.pendingBytes -= ev.bytes
	r.queue = append(r.queue, item{rec: Record{Event: ev.event(), Source: r.src.name, Index: ev.index, Line: ev.line, Time: ev.time}})
	if ev.dropped > 0 {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: ev.index, Line: ev.line,
			Err: limitError("audit event %s: %d records beyond %d records or %d bytes per event (Limits.MaxAuditRecords, MaxAuditEventBytes) were dropped", ev.key, ev.dropped, r.lim.MaxAuditRecords, r.lim.MaxAuditEventBytes)}})
	}
	if ev.early {
		r.queue = append(r.queue, item{err: &RecordError{Source: r.src.name, Index: ev.index, Line: ev.line,
			Err: limitError("audit event %s completed before its end: the events being assembled took more than %d bytes (Limits.MaxAuditPendingBytes); later records of it form another event", ev.key, r.lim.MaxAuditPendingBytes)}})
	}
}

func auditTime(sec, frac string) time.Time {
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}
	}
	ns := int64(0)
	if frac != "" {
		f := (frac + "000000000")[:9]
		ns, _ = strconv.ParseInt(f, 10, 64)
	}
	return time.Unix(s, ns).UTC()
}

// auditEncoded are fields whose value is hex-encoded when written without quotes.
var auditEncoded = map[string]bool{
	"proctitle": true, "comm": true, "exe": true, "ocomm": true, "name": true, "path": true, "cwd": true,
	"dir": true, "file": true, "watch": true, "key": true, "cmd": true, "acct": true, "data": true,
	"old-chardev": true, "new-chardev": true, "root_dir": true, "sauid": true, "grp": true, "new_group": true,
}

var execveArg = regexp.MustCompile(`^a(\d+)(?:\[(\d+)\])?$`)

// parseAuditFields adds a record's fields to the event.
func parseAuditFields(ev *auditEvent, typ, s string) {
	add := func(k, v string) {
		if _, ok := ev.fields[k]; !ok {
			ev.order = append(ev.order, k)
		}
		ev.fields[k] = append(ev.fields[k], v)
	}
	var longArgs map[string]*strings.Builder
	for _, kv := range splitKV(s) {
		k, v, quoted := kv.key, kv.value, kv.quoted
		if k == "msg" && quoted {
			add("msg", v)
			// User-space records nest their own key=value pairs.
			for _, in := range splitKV(v) {
				iv := in.value
				if !in.quoted && auditEncoded[in.key] {
					iv = decodeAuditHex(iv)
				}
				add(in.key, iv)
				add(typ+"."+in.key, iv)
			}
			continue
		}
		if !quoted {
			switch {
			case typ == "EXECVE" && execveArg.MatchString(k):
				v = decodeAuditHex(v)
			case auditEncoded[k]:
				v = decodeAuditHex(v)
			}
		}
		if k == "proctitle" {
			v = strings.TrimRight(strings.ReplaceAll(v, "\x00", " "), " ")
		}
		if k == "key" && strings.Contains(v, "\x01") {
			for _, part := range strings.Split(v, "\x01") {
				add(k, part)
				add(typ+"."+k, part)
			}
			continue
		}
		if typ == "EXECVE" {
			if m := execveArg.FindStringSubmatch(k); m != nil && m[2] != "" {
				// a1[0]=.. a1[1]=..: the pieces of a long argument.
				name := "a" + m[1]
				if longArgs == nil {
					longArgs = map[string]*strings.Builder{}
				}
				b := longArgs[name]
				if b == nil {
					b = &strings.Builder{}
					longArgs[name] = b
				}
				b.WriteString(v)
				continue
			}
		}
		add(k, v)
		add(typ+"."+k, v)
	}
	for i := 0; len(longArgs) > 0; i++ {
		name := "a" + strconv.Itoa(i)
		if b, ok := longArgs[name]; ok {
			add(name, b.String())
			add("EXECVE."+name, b.String())
			delete(longArgs, name)
		}
		if i > 1<<20 {
			break
		}
	}
}

// decodeAuditHex decodes an unquoted encoded value (uppercase or lowercase hex);
// other values ("(null)", "?") are kept.
func decodeAuditHex(v string) string {
	if len(v) < 2 || len(v)%2 != 0 {
		return v
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return v
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

type kvPair struct {
	key, value string
	quoted     bool
}

// splitKV splits `k=v k2="v 2" k3='v3' flag` into pairs; the enriched-log
// separator (0x1d) counts as a space. Words without '=' are skipped.
func splitKV(s string) []kvPair {
	var out []kvPair
	i := 0
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == 0x1d) {
			i++
		}
		start := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != 0x1d {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			continue
		}
		key := s[start:i]
		i++ // '='
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				out = append(out, kvPair{key, s[i+1:], true})
				i = len(s)
				continue
			}
			out = append(out, kvPair{key, s[i+1 : i+1+end], true})
			i += end + 2
			continue
		}
		vs := i
		for i < len(s) && s[i] != ' ' && s[i] != '\t' && s[i] != 0x1d {
			i++
		}
		if key != "" {
			out = append(out, kvPair{key, s[vs:i], false})
		}
	}
	return out
}

// event builds the flat event.
func (ev *auditEvent) event() *engine.FlatEvent {
	f := make(map[string]engine.Value, len(ev.order)+6)
	for _, k := range ev.order {
		f[k] = stringsValue(ev.fields[k])
	}
	f["type"] = stringsValue(ev.types)
	if !ev.time.IsZero() {
		f["timestamp"] = engine.Value{Kind: engine.KindString, S: ev.time.Format(time.RFC3339Nano)}
	}
	f["serial"] = engine.Value{Kind: engine.KindString, S: ev.serial}
	if ev.node != "" {
		if _, ok := f["node"]; !ok {
			f["node"] = engine.Value{Kind: engine.KindString, S: ev.node}
		}
	}
	if _, ok := f["SYSCALL"]; !ok {
		if name := syscallName(first1(ev.fields["SYSCALL.arch"]), first1(ev.fields["SYSCALL.syscall"])); name != "" {
			f["SYSCALL"] = engine.Value{Kind: engine.KindString, S: name}
		}
	}
	e := engine.NewFlatEvent(f)
	e.Source = engine.Source{Product: "linux", Service: "auditd"}
	return e
}

func first1(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// stringsValue is a string, or an array of the distinct strings in order.
func stringsValue(vs []string) engine.Value {
	if len(vs) == 1 {
		return engine.Value{Kind: engine.KindString, S: vs[0]}
	}
	var arr []engine.Value
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			arr = append(arr, engine.Value{Kind: engine.KindString, S: v})
		}
	}
	if len(arr) == 1 {
		return arr[0]
	}
	return engine.Value{Kind: engine.KindArray, Arr: arr}
}

// syscallName names a system call for the audit arch codes of x86_64 and aarch64.
func syscallName(arch, nr string) string {
	n, err := strconv.Atoi(nr)
	if err != nil || n < 0 {
		return ""
	}
	var table []string
	switch strings.ToLower(arch) {
	case "c000003e", "x86_64":
		table = syscallsX8664[:]
	case "c00000b7", "aarch64":
		table = syscallsAArch64[:]
	default:
		return ""
	}
	if n >= len(table) {
		return ""
	}
	return table[n]
}
