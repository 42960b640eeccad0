package logs

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"www.velocidex.com/golang/evtx"
)

const (
	evtxFileMagic   = evtx.EVTX_HEADER_MAGIC
	evtxChunkMagic  = evtx.EVTX_CHUNK_HEADER_MAGIC
	evtxChunkSize   = evtx.EVTX_CHUNK_SIZE
	evtxChunkHeader = evtx.EVTX_CHUNK_HEADER_SIZE
	evtxRecordMagic = evtx.EVTX_EVENT_RECORD_MAGIC
	evtxRecordHead  = evtx.EVTX_EVENT_RECORD_SIZE
	// windowsTimeLayout is how Windows renders SystemTime attributes.
	windowsTimeLayout = "2006-01-02T15:04:05.0000000Z"
)

// evtxReader reads .evtx files chunk by chunk with the velocidex parser. Each
// chunk is parsed under recover; a record that makes the parser panic is
// neutralised and reported, and the rest of the chunk is parsed again.
type evtxReader struct {
	name   string
	rs     io.ReadSeeker
	ra     io.ReaderAt // rs, when it reads at an offset in one call (files, memory)
	closer io.Closer
	offset int64 // next chunk's file offset
	buf    []byte
	queue  []item
	index  int
	done   bool
	fatal  error
	// badChunks counts damaged chunks in a row.
	badChunks int
	// claimed is the file header's chunk count; chunks counts the chunks read.
	claimed, chunks int
}

// item is a queued reader result.
type item struct {
	rec Record
	err error
}

func newEVTXReader(name string, rs io.ReadSeeker, closer io.Closer) (*evtxReader, error) {
	// The header and the chunk count (at 42) are read with one read.
	var h evtx.EVTXHeader
	head := make([]byte, max(binary.Size(h), 44))
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: evtx: %w", name, err)
	}
	n, _ := io.ReadFull(rs, head)
	if err := binary.Read(bytes.NewReader(head[:n]), binary.LittleEndian, &h); err != nil {
		return nil, fmt.Errorf("%s: evtx: file header: %w", name, err)
	}
	if string(h.Magic[:]) != evtxFileMagic {
		return nil, fmt.Errorf("%s: not an EVTX file (bad magic %q)", name, h.Magic[:])
	}
	block := int64(h.HeaderBlockSize)
	if block < 128 || block > evtxChunkSize {
		block = 4096
	}
	claimed := 0
	if n >= 44 {
		claimed = int(binary.LittleEndian.Uint16(head[42:]))
	}
	r := &evtxReader{name: name, rs: rs, closer: closer, offset: block, buf: make([]byte, evtxChunkSize), claimed: claimed}
	r.ra, _ = rs.(io.ReaderAt)
	return r, nil
}

// Next returns the next event.
func (r *evtxReader) Next() (Record, error) {
	for len(r.queue) == 0 {
		if r.fatal != nil {
			return Record{}, r.fatal
		}
		if r.done {
			return Record{}, io.EOF
		}
		r.readChunk()
	}
	it := r.queue[0]
	r.queue[0] = item{}
	r.queue = r.queue[1:]
	return it.rec, it.err
}

// Close closes the underlying file, if the reader opened it.
func (r *evtxReader) Close() error {
	if r.closer != nil {
		c := r.closer
		r.closer = nil
		return c.Close()
	}
	return nil
}

func (r *evtxReader) chunkErr(off int64, format string, args ...any) {
	r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: r.index,
		Err: fmt.Errorf("chunk at offset %#x: %s", off, fmt.Sprintf(format, args...))}})
}

// maxBadChunks ends reading after this many damaged chunks in a row.
const maxBadChunks = 64

func (r *evtxReader) readChunk() {
	queued := len(r.queue)
	defer func() {
		// The parser runs under its own recover; this one guards the rest.
		if p := recover(); p != nil {
			r.queue = r.queue[:queued]
			r.chunkErr(r.offset-evtxChunkSize, "internal error: %v", p)
		}
	}()
	off := r.offset
	r.offset += evtxChunkSize
	n, err := r.readAt(off)
	switch {
	case err == io.EOF:
		r.done = true
		// A header that claims chunks over a file that holds none (cut after
		// its header) is damaged, not an empty log.
		if r.chunks == 0 && r.claimed > 0 {
			r.chunkErr(off, "the file header claims %d chunks; the file ends before the first", r.claimed)
		}
		return
	case err == io.ErrUnexpectedEOF:
		r.done = true
		r.chunks++
		if !allZero(r.buf[:n]) {
			r.chunkErr(off, "truncated (%d of %d bytes)", n, evtxChunkSize)
		}
		return
	case err != nil:
		r.fatal = fmt.Errorf("%s: evtx: read chunk at offset %#x: %w", r.name, off, err)
		return
	}
	r.chunks++
	buf := r.buf
	if string(buf[:8]) != evtxChunkMagic {
		if !allZero(buf[:evtxChunkHeader]) {
			r.chunkErr(off, "bad chunk magic %q", buf[:8])
			r.badChunks++
			if r.badChunks >= maxBadChunks {
				r.chunkErr(off, "%d damaged chunks in a row: not reading further", r.badChunks)
				r.done = true
			}
		}
		return
	}
	r.badChunks = 0
	// Find the records ourselves: the parser trusts the header's record
	// numbers, which could make it loop over garbage.
	free := int(binary.LittleEndian.Uint32(buf[0x30:]))
	if free <= evtxChunkHeader || free > evtxChunkSize {
		free = evtxChunkSize
	}
	var offs []int
	for p := evtxChunkHeader; p+evtxRecordHead <= free; {
		if string(buf[p:p+4]) != evtxRecordMagic {
			// Zeros end the records of a chunk; anything else where a
			// record should start is damage, reported (else a chunk of
			// garbage would read as no events and no message).
			if !allZero(buf[p : p+evtxRecordHead]) {
				r.chunkErr(off, "no record magic at %#x (record %d of the chunk): the rest of the chunk is not read", p, len(offs))
			}
			break
		}
		size := int(binary.LittleEndian.Uint32(buf[p+4:]))
		if size < evtxRecordHead+4 || p+size > evtxChunkSize ||
			int(binary.LittleEndian.Uint32(buf[p+size-4:])) != size {
			r.chunkErr(off, "record %d has a bad size (%d)", len(offs), size)
			break
		}
		offs = append(offs, p)
		p += size
	}
	if len(offs) == 0 {
		return
	}
	base := r.index
	r.index += len(offs)

	records, bad := parseChunkRecords(buf, len(offs), parseChunkSafe)
	for i, p := range offs {
		idx := base + i
		if msg, ok := bad[i]; ok {
			r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: idx,
				Err: fmt.Errorf("evtx parser failed on the record at chunk %#x+%#x: %s", off, p, msg)}})
			continue
		}
		if i >= len(records) || records[i] == nil || records[i].Event == nil {
			r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: idx,
				Err: fmt.Errorf("evtx record at chunk %#x+%#x: no event", off, p)}})
			continue
		}
		rec := records[i]
		size := int(binary.LittleEndian.Uint32(buf[p+4:]))
		var fx argFixes
		if rec.Header.RecordID == binary.LittleEndian.Uint64(buf[p+8:]) {
			fx = scanRecordArgs(buf, p, size)
		}
		budget := maxEvtxNodes
		conv, _ := convertEvtx(rec.Event, fx, "", &budget).(map[string]any)
		if budget < 0 {
			r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: idx,
				Err: fmt.Errorf("evtx record %d: more than %d XML nodes", rec.Header.RecordID, maxEvtxNodes)}})
			continue
		}
		if !hasWindowsShape(conv) {
			r.queue = append(r.queue, item{err: &RecordError{Source: r.name, Index: idx,
				Err: fmt.Errorf("evtx record %d: no Event/System element", rec.Header.RecordID)}})
			continue
		}
		ev, t := WindowsEvent(conv)
		if t.IsZero() {
			t = filetime(rec.Header.FileTime)
		}
		r.queue = append(r.queue, item{rec: Record{Event: ev, Source: r.name, Index: idx, Time: t}})
	}
}

// readAt reads the chunk at off into r.buf, with io.ReadFull's errors: io.EOF
// when nothing is left, io.ErrUnexpectedEOF for part of a chunk.
func (r *evtxReader) readAt(off int64) (int, error) {
	if r.ra == nil {
		if _, err := r.rs.Seek(off, io.SeekStart); err != nil {
			return 0, err
		}
		return io.ReadFull(r.rs, r.buf)
	}
	n, err := r.ra.ReadAt(r.buf, off)
	switch {
	case n == len(r.buf):
		return n, nil
	case err == io.EOF && n == 0:
		return 0, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	case err == nil: // a ReaderAt reads all it can; a short read is an end
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// parseChunkRecords parses the first n records of a chunk. When the parser
// panics, the record responsible is found by bisection, its body replaced by
// an end-of-fragment token, and the chunk parsed again; bad maps the positions
// of such records to the panic message.
func parseChunkRecords(chunk []byte, n int, parse chunkParser) ([]*evtx.EventRecord, map[int]string) {
	var bad map[int]string
	buf := chunk
	for attempt := 0; attempt <= n; attempt++ {
		recs, p := parse(buf, n)
		if p == nil {
			return recs, bad
		}
		// Smallest k such that parsing k records panics: record k-1 is bad.
		lo, hi := 1, n
		for lo < hi {
			mid := (lo + hi) / 2
			if _, q := parse(buf, mid); q != nil {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		pos, ok := recordOffset(buf, lo-1)
		if !ok {
			break
		}
		if bad == nil {
			bad = map[int]string{}
			buf = append([]byte(nil), chunk...)
		}
		if _, seen := bad[lo-1]; seen {
			break
		}
		if r, ok := p.(refusedRecord); ok {
			bad[lo-1] = "refused: " + r.why
		} else {
			bad[lo-1] = fmt.Sprintf("panic: %v", p)
		}
		buf[pos+evtxRecordHead] = 0 // end of fragment: the record parses as nothing
	}
	// Give up on the chunk: every record is bad.
	if bad == nil {
		bad = map[int]string{}
	}
	for i := 0; i < n; i++ {
		if _, ok := bad[i]; !ok {
			bad[i] = "the parser failed on this chunk"
		}
	}
	return nil, bad
}

// recordOffset walks the record list to the i-th record.
func recordOffset(buf []byte, i int) (int, bool) {
	p := evtxChunkHeader
	for ; i > 0; i-- {
		if p+8 > len(buf) {
			return 0, false
		}
		p += int(binary.LittleEndian.Uint32(buf[p+4:]))
	}
	return p, p+evtxRecordHead < len(buf)
}

// chunkParser parses the first n records of a chunk, returning what the
// parser panicked with, if it did.
type chunkParser func(buf []byte, n int) ([]*evtx.EventRecord, any)

func parseChunkSafe(buf []byte, n int) (recs []*evtx.EventRecord, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			recs, panicked = nil, p
		}
	}()
	if _, why := preflight(buf, n); why != "" {
		return nil, refusedRecord{why}
	}
	var h evtx.ChunkHeader
	copy(h.Magic[:], evtxChunkMagic)
	h.FirstEventRecNumber, h.LastEventRecNumber = 1, uint64(n)
	c := &evtx.Chunk{Header: h, Offset: 0, Fd: bytes.NewReader(buf)}
	recs, err := c.Parse(0)
	if err != nil {
		return nil, err
	}
	return recs, nil
}

// filetimeText renders a FILETIME value as Windows does: a zero FILETIME is
// 1601-01-01T00:00:00.0000000Z (the FILETIME epoch), not Go's year 1.
func filetimeText(ft uint64) string {
	if ft == 0 {
		return "1601-01-01T00:00:00.0000000Z"
	}
	return filetime(ft).Format(windowsTimeLayout)
}

// filetime converts a FILETIME to a time; zero gives the zero time (unknown).
func filetime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	d := int64(ft) - epochDiff
	return time.Unix(d/1e7, (d%1e7)*100).UTC()
}

// evtx argument value types (MS-EVEN6 2.2.18).
const (
	argString   = 0x01
	argAnsi     = 0x02
	argInt8     = 0x03
	argUint8    = 0x04
	argInt16    = 0x05
	argUint16   = 0x06
	argInt32    = 0x07
	argUint32   = 0x08
	argInt64    = 0x09
	argUint64   = 0x0a
	argReal32   = 0x0b
	argReal64   = 0x0c
	argSizeT    = 0x10
	argFileTime = 0x11
	argSysTime  = 0x12
	argHexInt32 = 0x14
	argHexInt64 = 0x15
	argGUID     = 0x0f
	argBinXML   = 0x21
)

// fixKey identifies a value as the velocidex parser renders it.
type fixKey struct {
	kind uint8 // argUint32, argUint64, argFileTime (float bits), argString or fixEmpty
	u    uint64
	s    string
}

// argFixes maps values of a record, as the parser renders them, to the text
// Windows renders for them. The parser loses the argument types: HexInt32/64
// come out as plain integers (GrantedAccess 0x1fffff as 2097151), signed
// integers, reals, SizeT and SYSTEMTIME as raw bytes, FILETIME as a rounded
// float. Values are matched back to the record's typed arguments; "" means
// "keep the parser's value", ambiguous means two arguments with the same
// rendered value disagree.
type argFixes map[fixKey]string

// fixEmpty is the fixKey kind of an element the record's template declares
// empty (<Channel/>), s being "Parent/Name": the parser expands an element
// without content to the record's first argument (an empty Channel read as
// "4"); such elements have no value.
const fixEmpty = 0xfe

const ambiguous = "\x00ambiguous"

func (f argFixes) add(k fixKey, v string) {
	if old, ok := f[k]; ok && old != v {
		f[k] = ambiguous
		return
	}
	f[k] = v
}

// scanRecordArgs reads the substitution arguments of the record at p (and of
// BinXML arguments nested in them) and records the fixes they imply.
func scanRecordArgs(chunk []byte, p, size int) argFixes {
	fx := argFixes{}
	scanBinXMLArgs(chunk, p+evtxRecordHead, p+size-4, fx, 0)
	return fx
}

func scanBinXMLArgs(b []byte, p, end int, fx argFixes, depth int) {
	if depth > 8 || end > len(b) {
		return
	}
	u32 := func(at int) int { return int(binary.LittleEndian.Uint32(b[at:])) }
	for p < end {
		switch b[p] {
		case 0x0f: // fragment header
			p += 4
		case 0x0c: // template instance
			if p+10 > end || b[p+1] != 1 {
				return
			}
			p += 2
			defOff := u32(p + 4)
			p += 8
			if defOff >= 0 && defOff+24 <= len(b) {
				scanTemplateBody(b, defOff+24, min(defOff+24+u32(defOff+20), len(b)), fx)
			}
			if defOff == p { // template definition inline
				if p+24 > end {
					return
				}
				p += 24 + u32(p+20)
			}
			if p+4 > end {
				return
			}
			n := u32(p)
			p += 4
			if n > 4096 || p+4*n > end {
				return
			}
			q := p + 4*n
			for i := 0; i < n; i++ {
				l := int(binary.LittleEndian.Uint16(b[p+4*i:]))
				t := binary.LittleEndian.Uint16(b[p+4*i+2:])
				if q+l > end {
					return
				}
				scanArg(b, q, l, t, fx, depth)
				q += l
			}
			return
		default:
			return
		}
	}
}

func scanArg(b []byte, q, l int, t uint16, fx argFixes, depth int) {
	v := b[q : q+l]
	raw := func() fixKey { return fixKey{kind: argString, s: strings.TrimRight(string(v), "\x00")} }
	switch t {
	case argUint32, argHexInt32:
		if l < 4 {
			return
		}
		x := uint64(binary.LittleEndian.Uint32(v))
		s := ""
		if t == argHexInt32 {
			s = "0x" + strconv.FormatUint(x, 16)
		}
		fx.add(fixKey{kind: argUint32, u: x}, s)
	case argUint64, argHexInt64:
		if l < 8 {
			return
		}
		x := binary.LittleEndian.Uint64(v)
		s := ""
		if t == argHexInt64 {
			s = "0x" + strconv.FormatUint(x, 16)
		}
		fx.add(fixKey{kind: argUint64, u: x}, s)
	case argString:
		fx.add(fixKey{kind: argString, s: string(evtx.UTF16LEToUTF8(v))}, "")
	case argGUID:
		// The parser renders a GUID without its braces; Windows renders {XXXXXXXX-...}.
		if l == 16 {
			g := fmt.Sprintf("%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", binary.LittleEndian.Uint32(v),
				binary.LittleEndian.Uint16(v[4:]), binary.LittleEndian.Uint16(v[6:]), v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15])
			fx.add(fixKey{kind: argString, s: g}, "{"+g+"}")
		}
	case argAnsi:
		fx.add(raw(), "")
	case argInt8, argInt16, argInt32, argInt64:
		var x int64
		switch l {
		case 1:
			x = int64(int8(v[0]))
		case 2:
			x = int64(int16(binary.LittleEndian.Uint16(v)))
		case 4:
			x = int64(int32(binary.LittleEndian.Uint32(v)))
		case 8:
			x = int64(binary.LittleEndian.Uint64(v))
		default:
			return
		}
		fx.add(raw(), strconv.FormatInt(x, 10))
	case argReal32:
		if l == 4 {
			fx.add(raw(), strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(v))), 'g', -1, 32))
		}
	case argReal64:
		if l == 8 {
			fx.add(raw(), strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(v)), 'g', -1, 64))
		}
	case argSizeT:
		switch l {
		case 4:
			fx.add(raw(), "0x"+strconv.FormatUint(uint64(binary.LittleEndian.Uint32(v)), 16))
		case 8:
			fx.add(raw(), "0x"+strconv.FormatUint(binary.LittleEndian.Uint64(v), 16))
		}
	case argFileTime:
		if l == 8 {
			ft := binary.LittleEndian.Uint64(v)
			// The parser's own conversion, to find its float again.
			f := (float64(ft) - 11644473600000*10000) / 10000000
			fx.add(fixKey{kind: argFileTime, u: math.Float64bits(f)}, filetimeText(ft))
		}
	case argSysTime:
		if l == 16 {
			w := func(i int) int { return int(binary.LittleEndian.Uint16(v[2*i:])) }
			tm := time.Date(w(0), time.Month(w(1)), w(3), w(4), w(5), w(6), w(7)*1e6, time.UTC)
			fx.add(raw(), tm.Format("2006-01-02T15:04:05.000Z"))
		}
	case argBinXML:
		scanBinXMLArgs(b, q, q+l, fx, depth+1)
	}
}

// scanTemplateBody walks a template definition's BinXML as the parser reads
// it and records the elements without attributes, text, substitutions or
// children (see fixEmpty). It stops at anything it does not know.
func scanTemplateBody(b []byte, p, end int, fx argFixes) {
	type elem struct {
		name    string
		content bool
	}
	var stack []elem
	ok := func(n int) bool { return p+n <= end }
	u16 := func(at int) int { return int(binary.LittleEndian.Uint16(b[at:])) }
	u32 := func(at int) int { return int(binary.LittleEndian.Uint32(b[at:])) }
	// name reads a name reference at p (an offset, the name inline when it points here).
	name := func() (string, bool) {
		if !ok(4) {
			return "", false
		}
		off := u32(p)
		p += 4
		if off < 0 || off+8 > len(b) {
			return "", false
		}
		n := u16(off + 6)
		if off+8+2*n > len(b) {
			return "", false
		}
		s := string(evtx.UTF16LEToUTF8(b[off+8 : off+8+2*n]))
		if off == p {
			p += 8 + 2*(n+1)
		}
		return s, p <= end
	}
	touch := func() {
		if len(stack) > 0 {
			stack[len(stack)-1].content = true
		}
	}
	for steps := 0; p < end && steps < 1<<16; steps++ {
		switch t := b[p]; t {
		case 0x00:
			return
		case 0x0f:
			p += 4
		case 0x01, 0x41: // open start element
			touch()
			p++
			if !ok(6) {
				return
			}
			p += 6
			n, good := name()
			if !good {
				return
			}
			if t == 0x41 {
				p += 4
			}
			stack = append(stack, elem{name: n})
		case 0x02: // close start element
			p++
		case 0x03, 0x04: // close empty element, close element
			p++
			if len(stack) == 0 {
				return
			}
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !e.content && len(stack) > 0 {
				fx[fixKey{kind: fixEmpty, s: stack[len(stack)-1].name + "/" + e.name}] = ""
			}
		case 0x05, 0x45: // value text
			touch()
			if !ok(4) {
				return
			}
			p += 4 + 2*u16(p+2)
		case 0x06, 0x46: // attribute
			touch()
			p++
			if _, good := name(); !good {
				return
			}
		case 0x0d, 0x0e: // substitution
			touch()
			if !ok(4) {
				return
			}
			p += 4
			if b[p-1] == 0 { // as the parser reads it: a zero type is followed by the type
				p++
			}
		default:
			return
		}
	}
}

// hexFieldNames are fields Windows declares as HexInt32/HexInt64; used only when
// a record's arguments cannot tell (two arguments with the same value).
var hexFieldNames = map[string]bool{
	"Keywords": true, "LogonId": true, "SubjectLogonId": true, "TargetLogonId": true, "TargetLinkedLogonId": true,
	"GrantedAccess": true, "AccessMask": true, "Status": true, "SubStatus": true, "TicketOptions": true,
	"TicketEncryptionType": true, "NewProcessId": true, "HandleId": true, "FailureCode": true,
}

// orderedDict is the velocidex parser's ordered map.
type orderedDict interface {
	Keys() []string
	Get(string) (any, bool)
}

// maxEvtxNodes bounds the values converted for one record: the parser's
// output may share subtrees, so a hostile record could expand exponentially.
const maxEvtxNodes = 100000

// convertEvtx turns the parser's output into decoded-JSON-like data
// (map[string]any, []any, string, json.Number, bool), applying the fixes.
// It stops (returning nil) once *budget values have been converted.
func convertEvtx(v any, fx argFixes, key string, budget *int) any {
	*budget--
	if *budget < 0 {
		return nil
	}
	switch x := v.(type) {
	case orderedDict:
		keys := x.Keys()
		m := make(map[string]any, len(keys))
		for _, k := range keys {
			if _, empty := fx[fixKey{kind: fixEmpty, s: key + "/" + k}]; empty {
				continue
			}
			val, _ := x.Get(k)
			m[k] = convertEvtx(val, fx, k, budget)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = convertEvtx(it, fx, key, budget)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = it
		}
		return out
	case string:
		if s, ok := fx[fixKey{kind: argString, s: x}]; ok && s != "" && s != ambiguous {
			return s
		}
		return x
	case uint8:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case uint16:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case uint32:
		return uintValue(uint64(x), fx[fixKey{kind: argUint32, u: uint64(x)}], key)
	case uint64:
		return uintValue(x, fx[fixKey{kind: argUint64, u: x}], key)
	case float64:
		if s, ok := fx[fixKey{kind: argFileTime, u: math.Float64bits(x)}]; ok && s != ambiguous {
			return s
		}
		sec, frac := math.Modf(x)
		return time.Unix(int64(sec), int64(math.Round(frac*1e7))*100).UTC().Format(windowsTimeLayout)
	case bool:
		return x
	case []byte:
		return strings.ToUpper(hex.EncodeToString(x))
	case nil:
		return nil
	}
	return fmt.Sprint(v)
}

func uintValue(x uint64, fix, key string) any {
	switch {
	case fix == ambiguous:
		if hexFieldNames[key] {
			return "0x" + strconv.FormatUint(x, 16)
		}
	case fix != "":
		return fix
	case key == "Keywords":
		return "0x" + strconv.FormatUint(x, 16)
	}
	return json.Number(strconv.FormatUint(x, 10))
}
