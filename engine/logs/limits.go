package logs

import (
	"errors"
	"fmt"
	"io"
	"sort"
)

// Limits bound what assembling one record may cost, against hostile logs; zero
// values take the defaults. Every cut is reported as a RecordError that follows
// the (still delivered) record.
type Limits struct {
	// MaxPathBytes bounds the dotted field paths (a.b.c) of one JSON record's nested
	// values, which dotted lookups and keyword searches build: at most this many bytes
	// in all (default: 64 KiB plus 4 times the record's size, so linear in the input
	// and at most 64 MiB + 64 KiB for a MaxRecordSize record). A nested value whose path
	// would cross the budget is replaced by the list of its scalar values: keyword
	// searches still see every value, field lookups below it find nothing.
	MaxPathBytes int
	// MaxAuditRecords caps the records assembled into one audit event (one
	// TS:SERIAL; default 1,024); MaxAuditEventBytes caps their bytes (default 1 MiB).
	// Records beyond are dropped and counted.
	MaxAuditRecords, MaxAuditEventBytes int
	// MaxAuditPendingBytes caps the bytes of all audit events being assembled
	// (default 32 MiB): past it the oldest are completed early.
	MaxAuditPendingBytes int
	// MaxDecompressedBytes caps what a gzip-compressed log may expand to
	// (default DefaultMaxDecompressedBytes); see also DecompressionRatio.
	MaxDecompressedBytes int64
}

// Defaults of Limits.
const (
	DefaultPathBytesBase        = 64 << 10
	DefaultPathBytesPerByte     = 4
	DefaultMaxAuditRecords      = 1024
	DefaultMaxAuditEventBytes   = 1 << 20
	DefaultMaxAuditPendingBytes = 32 << 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxAuditRecords <= 0 {
		l.MaxAuditRecords = DefaultMaxAuditRecords
	}
	if l.MaxAuditEventBytes <= 0 {
		l.MaxAuditEventBytes = DefaultMaxAuditEventBytes
	}
	if l.MaxAuditPendingBytes <= 0 {
		l.MaxAuditPendingBytes = DefaultMaxAuditPendingBytes
	}
	return l
}

// pathBudget is the path budget of a JSON record of n bytes.
func (l Limits) pathBudget(n int) int {
	if l.MaxPathBytes > 0 {
		return l.MaxPathBytes
	}
	return DefaultPathBytesBase + DefaultPathBytesPerByte*n
}

// ErrLimit is wrapped by the RecordErrors that report a cut made by Limits.
var ErrLimit = errors.New("record cut by a limit")

func limitError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrLimit, fmt.Sprintf(format, args...))
}

// OpenLimits is Open with limits.
func OpenLimits(path string, f Format, lim Limits) (Reader, error) { return open(path, f, lim) }

// NewReaderLimits is NewReader with limits.
func NewReaderLimits(name string, r io.Reader, f Format, lim Limits) (Reader, error) {
	return newReader(name, r, f, lim)
}

// boundPaths cuts the nested values of a decoded JSON object so that the dotted
// paths of its values take at most budget bytes; it returns the values cut.
func boundPaths(m map[string]any, budget int) int {
	used, cut := 0, 0
	var walk func(v any, pathLen int) any
	walk = func(v any, pathLen int) any {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedMapKeys(x) {
				l := len(k)
				if pathLen > 0 {
					l += pathLen + 1
				}
				used += l
				if used > budget {
					var leaves []any
					x[k] = scalarLeaves(x[k], leaves)
					cut++
					continue
				}
				if c := walk(x[k], l); c != nil {
					x[k] = c
				}
			}
		case []any:
			for i := range x {
				if c := walk(x[i], pathLen); c != nil {
					x[i] = c
				}
			}
		}
		return nil
	}
	walk(m, 0)
	return cut
}

// scalarLeaves returns v when it is a scalar, else the list of its scalar values
// (in sorted-key order, as keyword searches visit them).
func scalarLeaves(v any, out []any) any {
	switch v.(type) {
	case map[string]any, []any:
	default:
		return v
	}
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedMapKeys(x) {
				collect(x[k])
			}
		case []any:
			for _, it := range x {
				collect(it)
			}
		default:
			out = append(out, v)
		}
	}
	collect(v)
	if out == nil {
		out = []any{}
	}
	return out
}

func sortedMapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
