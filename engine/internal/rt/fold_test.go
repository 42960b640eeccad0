package rt

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestASCIIWordChecks compares the eight-bytes-at-a-time isASCII and
// isLowerASCII with a byte loop, with each interesting byte at every position
// of strings of every length up to 24.
func TestASCIIWordChecks(t *testing.T) {
	refASCII := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return false
			}
		}
		return true
	}
	refLower := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
				return false
			}
		}
		return true
	}
	bytes := []byte{'@', 'A', 'M', 'Z', '[', '`', 'a', 'z', '{', 0, 0x3f, 0x7f, 0x80, 0xc3, 0xff}
	for n := 0; n <= 24; n++ {
		for pos := 0; pos < max(n, 1); pos++ {
			for _, c := range bytes {
				b := []byte(strings.Repeat("x", n))
				if n > 0 {
					b[pos] = c
				}
				s := string(b)
				if got, want := isASCII(s), refASCII(s); got != want {
					t.Errorf("isASCII(%q) = %v, want %v", s, got, want)
				}
				if got, want := isLowerASCII(s), refLower(s); got != want {
					t.Errorf("isLowerASCII(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}
