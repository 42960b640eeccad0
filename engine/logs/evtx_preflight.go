package logs

import (
	"encoding/binary"
	"fmt"
)

// The velocidex parser trusts the counts and lengths of a record: a template
// instance claiming 0x4e4e4e4e arguments makes it loop a billion times
// appending to a slice (reading zeros past the chunk's end), and arguments
// past the end are allocated in full. preflight walks each record's BinXML
// exactly as the parser will (same tokens, same offsets, same template cache)
// and refuses, before the parser runs, the records that would exceed these
// bounds; the reader then neutralises them as it does records that make the
// parser panic.

// refusedRecord is what parseChunkSafe reports for a record preflight refuses.
type refusedRecord struct{ why string }

func (r refusedRecord) String() string { return r.why }

const (
	// maxWalkSteps bounds the tokens and arguments the parser may read for
	// one record (nested BinXML arguments can make it read bytes again).
	maxWalkSteps = 1 << 18
	// maxPastEnd bounds what the parser may allocate for reads past the
	// chunk's end in one record.
	maxPastEnd = 1 << 20
	// maxChunkSteps bounds them for all the records of a chunk.
	maxChunkSteps = 1 << 22
	// maxWalkDepth bounds nested template instances.
	maxWalkDepth = 64
)

// preflight checks the first n records of a chunk; it returns the index of the
// first record the parser must not see, and why, or -1.
func preflight(chunk []byte, n int) (int, string) {
	w := &walker{buf: chunk, known: map[uint32]bool{}}
	p, total := evtxChunkHeader, 0
	for i := 0; i < n; i++ {
		if p+evtxRecordHead > len(chunk) {
			return -1, ""
		}
		size := int(binary.LittleEndian.Uint32(chunk[p+4:]))
		w.steps, w.pastEnd, w.bad = 0, 0, ""
		w.binxml(p+evtxRecordHead, 0)
		total += w.steps
		if w.bad == "" && total > maxChunkSteps {
			w.fail("the chunk's records take more than %d BinXML tokens and arguments", maxChunkSteps)
		}
		if w.bad != "" {
			return i, w.bad
		}
		if size <= 0 {
			return -1, ""
		}
		p += size
	}
	return -1, ""
}

// walker follows the parser's reads. Offsets move as the parser's do: reads
// past the end return zero without moving, skips move regardless.
type walker struct {
	buf     []byte
	known   map[uint32]bool // template ids the parser has seen in this chunk
	steps   int
	pastEnd int
	bad     string
}

func (w *walker) fail(format string, args ...any) {
	if w.bad == "" {
		w.bad = fmt.Sprintf(format, args...)
	}
}

func (w *walker) step() bool {
	w.steps++
	if w.steps > maxWalkSteps {
		w.fail("more than %d BinXML tokens and arguments", maxWalkSteps)
	}
	return w.bad == ""
}

func (w *walker) u8(off *int) uint8 {
	if *off < 0 || *off+1 > len(w.buf) {
		return 0
	}
	v := w.buf[*off]
	*off++
	return v
}

func (w *walker) u16(off *int) uint16 {
	if *off < 0 || *off+2 > len(w.buf) {
		return 0
	}
	v := binary.LittleEndian.Uint16(w.buf[*off:])
	*off += 2
	return v
}

func (w *walker) u32(off *int) uint32 {
	if *off < 0 || *off+4 > len(w.buf) {
		return 0
	}
	v := binary.LittleEndian.Uint32(w.buf[*off:])
	*off += 4
	return v
}

// bytes is the parser's ConsumeBytes: past the end it allocates and does not move.
func (w *walker) bytes(off *int, n int) {
	if *off+n > len(w.buf) || *off < 0 {
		w.pastEnd += n
		if w.pastEnd > maxPastEnd {
			w.fail("reads %d bytes past the chunk's end", w.pastEnd)
		}
		return
	}
	*off += n
}

// str is ReadPrefixedUnicodeString.
func (w *walker) str(off *int, nullTerminated bool) {
	n := int(w.u16(off))
	if nullTerminated {
		n++
	}
	w.bytes(off, 2*n)
}

// name is ReadName: a chunk offset, the name inline when it points here.
func (w *walker) name(off *int) {
	at := int(w.u32(off))
	if at != *off {
		tmp := at + 6
		w.str(&tmp, true)
		return
	}
	*off += 6
	w.str(off, true)
}

// binxml is ParseBinXML from off; it returns where the parser stops.
func (w *walker) binxml(off, depth int) int {
	for w.step() {
		switch tag := w.u8(&off); tag {
		case 0x00:
			return off
		case 0x01, 0x41:
			off += 6
			w.name(&off)
			if tag == 0x41 {
				w.u32(&off)
			}
		case 0x02, 0x03, 0x04, 0x07, 0x47, 0x08, 0x48, 0x09, 0x49, 0x0a, 0x0b:
		case 0x05, 0x45:
			w.u8(&off)
			w.str(&off, false)
		case 0x06, 0x46:
			w.name(&off)
		case 0x0c:
			var ok bool
			if off, ok = w.template(off, depth); !ok {
				return off
			}
		case 0x0d, 0x0e:
			w.u16(&off)
			if w.u8(&off) == 0 {
				w.u8(&off)
			}
		case 0x0f:
			off += 3
		default:
			return off
		}
	}
	return off
}

// template is ParseTemplateInstance; ok is false where the parser stops.
func (w *walker) template(off, depth int) (int, bool) {
	if depth >= maxWalkDepth {
		w.fail("template instances nested deeper than %d", maxWalkDepth)
		return off, false
	}
	if w.u8(&off) != 0x01 {
		return off, false
	}
	id := w.u32(&off)
	if id == 0 {
		return off, false
	}
	off += 4
	n := int(w.u32(&off))
	if !w.known[id] {
		off += 16
		bodyLen := int(w.u32(&off))
		w.known[id] = true
		w.binxml(off, depth+1)
		off += bodyLen
		n = int(w.u32(&off))
	}
	if off < 0 || n > (len(w.buf)-off)/4 {
		w.fail("a template instance claims %d arguments", n)
		return off, false
	}
	type desc struct{ l, t int }
	args := make([]desc, n)
	for i := range args {
		args[i] = desc{int(w.u16(&off)), int(w.u16(&off))}
	}
	for _, a := range args {
		if !w.step() {
			return off, false
		}
		switch a.t {
		case 0x00:
			off += a.l
		case 0x04:
			w.u8(&off)
		case 0x06:
			w.u16(&off)
		case 0x08, 0x14:
			w.u32(&off)
		case 0x0a, 0x15, 0x11:
			if off+8 <= len(w.buf) {
				off += 8
			}
		case 0x0d:
			switch a.l {
			case 8:
				if off+8 <= len(w.buf) {
					off += 8
				}
			case 4:
				w.u32(&off)
			case 2:
				w.u16(&off)
			case 1:
				w.u8(&off)
			}
		case 0x13:
			w.u8(&off)
			w.u8(&off)
			w.bytes(&off, 6)
			for k := 0; k < a.l-8; k += 4 {
				w.u32(&off)
			}
		case 0x21:
			w.binxml(off, depth+1)
			off += a.l
		default: // strings, binary, GUID, lists and unknown types: ConsumeBytes
			w.bytes(&off, a.l)
		}
	}
	return off, w.bad == ""
}
