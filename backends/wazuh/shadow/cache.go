package shadow

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Verdicts is a table of overlap verdicts kept across builds: for a set of
// regular expressions (by the SHA-256 of their sorted texts), whether one
// string can match them all and how many product states the search explored.
// A verdict depends on nothing but the expressions and the analysis, so a
// table read from a file can only save work; a file that does not verify
// (truncated, altered, of another version) is ignored and rebuilt. A nil
// *Verdicts keeps nothing.
type Verdicts struct {
	m       map[[32]byte]verdict
	used    map[[32]byte]bool
	added   int
	maxSize int
	// Note says what became of the file read (for a verbose report).
	Note string
}

type verdict struct {
	overlap, over bool
	states        uint32
}

// cacheMagic starts a verdicts file; cacheVersion changes whenever the
// analysis could decide differently (search, budget, translation of patterns).
const (
	cacheMagic   = "rulec shadow verdicts\n"
	cacheVersion = 1
	entrySize    = 32 + 4 + 1
	// DefaultMaxVerdicts bounds a verdicts file (about 37 bytes an entry).
	DefaultMaxVerdicts = 1 << 20
)

// CacheFile names the verdicts file of a stock ruleset (by its fingerprint,
// see Ruleset.Fingerprint) inside a cache folder.
func CacheFile(dir string, fingerprint [32]byte) string {
	return filepath.Join(dir, "shadow-"+hex.EncodeToString(fingerprint[:12])+".verdicts")
}

// ReadVerdicts reads a verdicts file; a missing or damaged file gives an
// empty table (Note says why).
func ReadVerdicts(path string) *Verdicts {
	v := &Verdicts{m: map[[32]byte]verdict{}, used: map[[32]byte]bool{}, maxSize: DefaultMaxVerdicts}
	data, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		v.Note = "no verdicts cache yet"
	case err != nil:
		v.Note = fmt.Sprintf("verdicts cache not read: %v", err)
	default:
		if err := v.decode(data); err != nil {
			v.m = map[[32]byte]verdict{}
			v.Note = fmt.Sprintf("verdicts cache %s ignored and rebuilt: %v", path, err)
		} else {
			v.Note = fmt.Sprintf("%d verdicts read from %s", len(v.m), path)
		}
	}
	return v
}

func (v *Verdicts) decode(data []byte) error {
	head := len(cacheMagic) + 4 + 4 + 4
	if len(data) < head+sha256.Size {
		return fmt.Errorf("%d bytes: too short", len(data))
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return fmt.Errorf("checksum mismatch")
	}
	if string(body[:len(cacheMagic)]) != cacheMagic {
		return fmt.Errorf("not a verdicts file")
	}
	p := body[len(cacheMagic):]
	if ver, budget := binary.LittleEndian.Uint32(p), binary.LittleEndian.Uint32(p[4:]); ver != cacheVersion || budget != defaultBudget {
		return fmt.Errorf("version %d budget %d (want %d, %d)", ver, budget, cacheVersion, defaultBudget)
	}
	n := int(binary.LittleEndian.Uint32(p[8:]))
	p = p[12:]
	if n > DefaultMaxVerdicts || len(p) != n*entrySize {
		return fmt.Errorf("%d entries in %d bytes", n, len(p))
	}
	for i := 0; i < n; i++ {
		e := p[i*entrySize:]
		var k [32]byte
		copy(k[:], e)
		flags := e[36]
		if flags&^3 != 0 || flags&2 != 0 && flags&1 == 0 {
			return fmt.Errorf("entry %d: bad flags %#x", i, flags)
		}
		v.m[k] = verdict{overlap: flags&1 != 0, over: flags&2 != 0, states: binary.LittleEndian.Uint32(e[32:])}
	}
	return nil
}

func (v *Verdicts) get(k [32]byte) (verdict, bool) {
	if v == nil {
		return verdict{}, false
	}
	e, ok := v.m[k]
	if ok {
		v.used[k] = true
	}
	return e, ok
}

func (v *Verdicts) put(k [32]byte, e verdict) {
	if v == nil {
		return
	}
	v.m[k] = e
	v.used[k] = true
	v.added++
}

// Changed tells whether the table learned verdicts since it was read.
func (v *Verdicts) Changed() bool { return v != nil && v.added > 0 }

// Len is the number of verdicts held.
func (v *Verdicts) Len() int {
	if v == nil {
		return 0
	}
	return len(v.m)
}

// Write saves the table (through a temporary file renamed over path, so a
// reader sees the old file or the new one). Over the size bound, verdicts
// this run did not use are left out first. The entries are sorted: the same
// table gives the same bytes.
func (v *Verdicts) Write(path string) error {
	keys := make([][32]byte, 0, len(v.m))
	for k := range v.m {
		keys = append(keys, k)
	}
	if len(keys) > v.maxSize {
		keys = keys[:0]
		for k := range v.used {
			keys = append(keys, k)
		}
		for k := range v.m {
			if len(keys) >= v.maxSize {
				break
			}
			if !v.used[k] {
				keys = append(keys, k)
			}
		}
		keys = keys[:min(len(keys), v.maxSize)]
	}
	slices.SortFunc(keys, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
	buf := make([]byte, 0, len(cacheMagic)+12+len(keys)*entrySize+sha256.Size)
	buf = append(buf, cacheMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, cacheVersion)
	buf = binary.LittleEndian.AppendUint32(buf, defaultBudget)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(keys)))
	for _, k := range keys {
		e := v.m[k]
		buf = append(buf, k[:]...)
		buf = binary.LittleEndian.AppendUint32(buf, e.states)
		var flags byte
		if e.overlap {
			flags |= 1
		}
		if e.over {
			flags |= 2
		}
		buf = append(buf, flags)
	}
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:]...)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing the verdicts cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".shadow-*.tmp")
	if err != nil {
		return fmt.Errorf("writing the verdicts cache: %w", err)
	}
	_, err = f.Write(buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing the verdicts cache: %w", err)
	}
	v.added = 0
	return nil
}
