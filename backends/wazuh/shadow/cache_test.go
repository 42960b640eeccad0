package shadow

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerdictsFile: a written table reads back the same; a damaged,
// truncated or foreign file reads as empty (and is said to be ignored), so a
// build recomputes instead of trusting it.
func TestVerdictsFile(t *testing.T) {
	dir := t.TempDir()
	path := CacheFile(dir, [32]byte{1, 2, 3})
	v := ReadVerdicts(path)
	if v.Len() != 0 || !strings.Contains(v.Note, "no verdicts cache") {
		t.Fatalf("missing file: %d entries, note %q", v.Len(), v.Note)
	}
	want := map[[32]byte]verdict{{1}: {overlap: true, states: 7}, {2}: {states: 1 << 20}, {3}: {overlap: true, over: true, states: 2001}}
	for k, e := range want {
		v.put(k, e)
	}
	if !v.Changed() {
		t.Fatal("new verdicts not marked as changed")
	}
	if err := v.Write(path); err != nil {
		t.Fatal(err)
	}
	got := ReadVerdicts(path)
	if got.Len() != len(want) {
		t.Fatalf("read back %d entries, want %d (%s)", got.Len(), len(want), got.Note)
	}
	for k, e := range want {
		if g, ok := got.get(k); !ok || g != e {
			t.Errorf("entry %x: %+v, want %+v", k[:1], g, e)
		}
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string]func([]byte) []byte{
		"flipped bit":  func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"truncated":    func(b []byte) []byte { return b[:len(b)-5] },
		"empty":        func(b []byte) []byte { return nil },
		"other magic":  func(b []byte) []byte { b[0] = 'R'; return b },
		"appended":     func(b []byte) []byte { return append(b, 0) },
		"only a check": func(b []byte) []byte { return b[len(b)-32:] },
	}
	for name, f := range damage {
		bad := f(append([]byte(nil), good...))
		p := filepath.Join(dir, "bad.verdicts")
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		v := ReadVerdicts(p)
		if v.Len() != 0 || !strings.Contains(v.Note, "ignored and rebuilt") {
			t.Errorf("%s: %d entries read, note %q", name, v.Len(), v.Note)
		}
	}
}
