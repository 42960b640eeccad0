// Package logs reads log files into engine events: JSON lines, JSON arrays,
// EVTX (read directly), OpenTelemetry log records, Linux audit.log, syslog
// (RFC 3164 and 5424), logfmt, W3C extended logs (IIS) and Zeek logs (TSV and
// JSON), each also gzip-compressed. The format is sniffed from the content
// unless one is named.
//
// Readers never stop at a bad record: each one is reported as a *RecordError
// naming the file, line and record, and the next call to Next continues after it.
package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rulec/rulec/engine"
)

// Format names a log format; "" or FormatAuto sniffs by content.
type Format string

// Log formats.
const (
	FormatAuto      Format = "auto"
	FormatJSONLines Format = "jsonl"
	FormatJSONArray Format = "json"
	FormatEVTX      Format = "evtx"
	FormatOTel      Format = "otel"
	FormatAudit     Format = "auditd"
	FormatSyslog    Format = "syslog"
	FormatLogfmt    Format = "logfmt"
	// FormatLines reads any text, one event per line with the line as the
	// field "message" (and "msg"): for keyword rules over raw logs. Sniffing
	// picks it for printable text that matches no other format.
	FormatLines Format = "lines"
	// FormatW3C is the W3C extended log format (IIS): #Fields headers, space-separated values.
	FormatW3C Format = "w3c"
	// FormatZeek is Zeek's TSV log format (#separator, #fields, #types headers).
	// Zeek's JSON logs are read as jsonl.
	FormatZeek Format = "zeek"
)

// Formats lists the formats a caller may name explicitly, for help texts.
func Formats() []Format {
	return []Format{FormatAuto, FormatJSONLines, FormatJSONArray, FormatEVTX, FormatOTel, FormatAudit, FormatSyslog, FormatLogfmt, FormatW3C, FormatZeek, FormatLines}
}

// ParseFormat checks a format name given by a user ("" means auto).
func ParseFormat(s string) (Format, error) {
	if s == "" {
		return FormatAuto, nil
	}
	for _, f := range Formats() {
		if string(f) == strings.ToLower(s) {
			return f, nil
		}
	}
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown log format %q (want one of %s)", s, strings.Join(names, ", "))
}

// MaxRecordSize is the largest record (line, JSON value) a reader accepts;
// a larger one is reported as a RecordError and skipped without being loaded.
const MaxRecordSize = 16 << 20

// Record is one event read from a log source.
type Record struct {
	// Event is the record as rules see it.
	Event engine.Event
	// Source is the file path (or the name given to NewReader).
	Source string
	// Index is the 0-based record index in the source.
	Index int
	// Line is the 1-based line where the record starts, 0 if not applicable (EVTX).
	Line int
	// Time is the event's own timestamp, zero if unknown.
	Time time.Time
}

// RecordError is a non-fatal problem with one record; reading continues after it.
type RecordError struct {
	Source string
	Index  int
	Line   int
	Err    error
}

// Error renders "file:line: record N: msg" ("file: record N: msg" without a line).
func (e *RecordError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: record %d: %v", e.Source, e.Line, e.Index, e.Err)
	}
	return fmt.Sprintf("%s: record %d: %v", e.Source, e.Index, e.Err)
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

// Errors wrapped by RecordError, for errors.Is.
var (
	// ErrTooLarge reports a record larger than MaxRecordSize.
	ErrTooLarge = errors.New("record too large")
	// ErrInvalidUTF8 reports a record with invalid UTF-8; the record is still
	// delivered (invalid bytes replaced by U+FFFD) and this error follows it.
	ErrInvalidUTF8 = errors.New("invalid UTF-8 (replaced by U+FFFD)")
	// ErrTruncated reports a record cut off by the end of the input or by the start of the next record.
	ErrTruncated = errors.New("truncated record")
)

// Reader yields records. Next returns io.EOF at the end, a *RecordError for a
// bad record (call Next again), and any other error is fatal.
type Reader interface {
	Next() (Record, error)
	Close() error
}

// Open opens a log file in the given format ("" or FormatAuto sniffs it).
func Open(path string, f Format) (Reader, error) { return open(path, f, Limits{}) }

func open(path string, f Format, lim Limits) (Reader, error) {
	// Only regular files are opened: a FIFO without a writer blocks in open
	// itself, and a device such as /dev/zero never ends. Standard input (`-`
	// in rulec) is read through NewReader. The check is made before the open
	// and again on the opened file (the path may have changed in between).
	if st, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	} else if err := regularLog(path, st); err != nil {
		return nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("open log: %w", err)
	}
	if err := regularLog(path, st); err != nil {
		fh.Close()
		return nil, err
	}
	if f == "" || f == FormatAuto {
		magic := make([]byte, len(evtxFileMagic))
		n, _ := fh.ReadAt(magic, 0)
		if string(magic[:n]) == evtxFileMagic {
			f = FormatEVTX
		}
	}
	if magic := make([]byte, len(gzipMagic)); f != FormatEVTX {
		n, _ := io.ReadFull(fh, magic)
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			fh.Close()
			return nil, fmt.Errorf("open log: %w", err)
		}
		if string(magic[:n]) == gzipMagic {
			r, err := newGzipReader(path, fh, f, fh, lim)
			if err != nil {
				fh.Close()
				return nil, err
			}
			return r, nil
		}
	}
	if f == FormatEVTX {
		r, err := newEVTXReader(path, fh, fh)
		if err != nil {
			fh.Close()
			return nil, err
		}
		return r, nil
	}
	r, err := newTextReader(path, fh, f, fh, lim)
	if err != nil {
		fh.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads a log from r (stdin, tests) in the given format. EVTX input
// that is not an io.ReadSeeker is buffered in memory.
func NewReader(name string, r io.Reader, f Format) (Reader, error) {
	return newReader(name, r, f, Limits{})
}

func newReader(name string, r io.Reader, f Format, lim Limits) (Reader, error) {
	if f != FormatEVTX {
		br := bufio.NewReaderSize(r, readBufSize)
		if magic, _ := br.Peek(len(gzipMagic)); string(magic) == gzipMagic {
			return newGzipReader(name, br, f, nil, lim)
		}
		r = br
	}
	return newPlainReader(name, r, f, lim)
}

// newPlainReader is newReader for input that is not compressed.
func newPlainReader(name string, r io.Reader, f Format, lim Limits) (Reader, error) {
	if f == FormatEVTX {
		return newEVTXFromReader(name, r)
	}
	if f == "" || f == FormatAuto {
		br := bufio.NewReaderSize(r, readBufSize)
		magic, _ := br.Peek(len(evtxFileMagic))
		if string(magic) == evtxFileMagic {
			return newEVTXFromReader(name, br)
		}
		r = br
	}
	return newTextReader(name, r, f, nil, lim)
}

func newEVTXFromReader(name string, r io.Reader) (Reader, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		return newEVTXReader(name, rs, nil)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: read evtx: %w", name, err)
	}
	return newEVTXReader(name, bytes.NewReader(data), nil)
}

// ReadAll reads a whole log file: its records, the per-record errors, and a fatal error if any.
func ReadAll(path string, f Format) ([]Record, []error, error) {
	r, err := Open(path, f)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	return drain(r)
}

func drain(r Reader) ([]Record, []error, error) {
	var recs []Record
	var errs []error
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs, errs, nil
		}
		var re *RecordError
		if errors.As(err, &re) {
			errs = append(errs, err)
			continue
		}
		if err != nil {
			return recs, errs, err
		}
		recs = append(recs, rec)
	}
}

const readBufSize = 64 << 10

// textReader reads the line- and JSON-based formats.
type textReader struct {
	name   string
	closer io.Closer
	next   func() (Record, error)
}

func (t *textReader) Next() (Record, error) { return t.next() }

func (t *textReader) Close() error {
	if t.closer != nil {
		c := t.closer
		t.closer = nil
		return c.Close()
	}
	return nil
}

func newTextReader(name string, r io.Reader, f Format, closer io.Closer, lim Limits) (Reader, error) {
	lim = lim.withDefaults()
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < readBufSize {
		br = bufio.NewReaderSize(r, readBufSize)
	}
	skipBOM(br)
	if f == "" || f == FormatAuto {
		sniffed, err := sniff(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		f = sniffed
	}
	t := &textReader{name: name, closer: closer}
	switch f {
	case FormatJSONLines, FormatJSONArray:
		t.next = newJSONReader(name, br, false, lim).Next
	case FormatOTel:
		t.next = newJSONReader(name, br, true, lim).Next
	case FormatAudit:
		t.next = newAuditReader(name, br, lim).Next
	case FormatSyslog:
		t.next = newSyslogReader(name, br, time.Now).Next
	case FormatLogfmt:
		t.next = newLogfmtReader(name, br).Next
	case FormatLines:
		t.next = newPerLineReader(name, br, parseLine).Next
	case FormatW3C:
		t.next = newW3CReader(name, br).Next
	case FormatZeek:
		t.next = newZeekReader(name, br).Next
	case formatEmpty:
		t.next = func() (Record, error) { return Record{}, io.EOF }
	default:
		return nil, fmt.Errorf("%s: unsupported log format %q", name, f)
	}
	return t, nil
}

// formatEmpty is what sniffing an empty input gives: a reader with no records.
const formatEmpty Format = "empty"

func skipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3)
	}
}

var (
	sniffAudit   = regexp.MustCompile(`^(node=\S+ )?type=\S+ msg=audit\(`)
	sniffPRI     = regexp.MustCompile(`^<\d{1,3}>`)
	sniffBSD     = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9]\d \d\d:\d\d:\d\d `)
	sniffISOHost = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d) \S+ \S+`)
	sniffLogfmt  = regexp.MustCompile(`^[A-Za-z_@][A-Za-z0-9_.@/\-]*=`)
)

// sniff picks a format from the first bytes of the input (without consuming them).
func sniff(br *bufio.Reader) (Format, error) {
	head, _ := br.Peek(4096)
	// Skip leading whitespace.
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		if len(head) == 0 {
			return formatEmpty, nil
		}
		if len(head) < 4096 {
			return formatEmpty, nil
		}
		// 4 KiB of whitespace: let the JSON reader skip it.
		return FormatJSONLines, nil
	}
	first := trimmed
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	switch {
	case trimmed[0] == '[' || trimmed[0] == '{':
		return FormatJSONLines, nil
	case bytes.HasPrefix(first, []byte("#separator ")):
		return FormatZeek, nil
	case sniffW3C(first):
		return FormatW3C, nil
	case sniffAudit.Match(first):
		return FormatAudit, nil
	case sniffPRI.Match(first), sniffBSD.Match(first), sniffISOHost.Match(first):
		return FormatSyslog, nil
	case sniffLogfmt.Match(first):
		return FormatLogfmt, nil
	case isText(first):
		return FormatLines, nil
	}
	show := first
	if len(show) > 32 {
		show = show[:32]
	}
	return "", fmt.Errorf("cannot detect the log format (input starts with %q); name the format explicitly", show)
}

// isText reports whether a line is printable UTF-8 text (tabs allowed).
func isText(b []byte) bool {
	b = bytes.TrimRight(b, "\r")
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if (r < 0x20 && r != '\t') || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// parseLine makes a raw line an event.
func parseLine(line string) (engine.Event, time.Time, error) {
	v := engine.Value{Kind: engine.KindString, S: line}
	return engine.NewFlatEvent(map[string]engine.Value{"message": v, "msg": v}), time.Time{}, nil
}

// WithSource declares the source of every event r reads (e.g. product=zeek,
// service=rdp for a Zeek log in a format that does not say it; see
// engine.ParseSource), replacing what the reader knows.
func WithSource(r Reader, src engine.Source) Reader {
	return &sourceReader{Reader: r, src: src}
}

type sourceReader struct {
	Reader
	src engine.Source
}

func (s *sourceReader) Next() (Record, error) {
	rec, err := s.Reader.Next()
	if rec.Event != nil {
		rec.Event = engine.WithSource(rec.Event, s.src)
	}
	return rec, err
}

// regularLog refuses what is not a regular file: directories, FIFOs, sockets and
// devices (a FIFO with no writer blocks forever, /dev/zero never ends).
func regularLog(path string, st os.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return fmt.Errorf("open log %s: is a directory", path)
	case m&os.ModeNamedPipe != 0:
		return fmt.Errorf("open log %s: is a FIFO, not a regular file (pipe it into standard input, -, instead)", path)
	case m&(os.ModeDevice|os.ModeCharDevice) != 0:
		return fmt.Errorf("open log %s: is a device, not a regular file (pipe it into standard input, -, instead)", path)
	case m&os.ModeSocket != 0:
		return fmt.Errorf("open log %s: is a socket, not a regular file", path)
	}
	return fmt.Errorf("open log %s: not a regular file (%v)", path, m.Type())
}
