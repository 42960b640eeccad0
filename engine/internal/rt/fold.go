package rt

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// Case-insensitive matching lowers both sides with the simple Unicode lowercase
// mapping (unicode.ToLower, one rune to one rune, so `?` still matches one
// character). Bytes that are not valid UTF-8 (e.g. UTF-16 encoded needles) are
// kept as they are, so lowering never changes the byte structure of binary text.

// AppendLower appends the lowercase form of s to dst.
func AppendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return appendLowerUnicode(dst, s[i:])
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func appendLowerUnicode(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// Lower returns the lowercase form of s as used by case-insensitive matching.
// It returns s itself when s is already lowercase ASCII.
func Lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return string(AppendLower(make([]byte, 0, len(s)), s))
		}
	}
	return s
}

// isLowerASCII reports whether s is ASCII without uppercase letters. It
// reads eight bytes at a time: every field value is tested once per event.
func isLowerASCII(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		if x&hiBits != 0 {
			return false
		}
		// With every byte below 0x80, adding 0x3f sets a byte's high bit when
		// it is 'A' or above, adding 0x25 when it is above 'Z'; no carry
		// crosses bytes.
		if (x+ones*0x3f)&^(x+ones*0x25)&hiBits != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// isASCII reports whether s has only ASCII bytes, reading eight bytes at a time.
func isASCII(s string) bool {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&hiBits != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

const (
	ones   = 0x0101010101010101
	hiBits = 0x8080808080808080
)

// nextChar returns the byte length of the character at the start of s
// (a rune, or one byte of invalid UTF-8); 0 when s is empty.
func nextChar(s string) int {
	if s == "" {
		return 0
	}
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s)
	return size
}

// lastChar returns the byte length of the character at the end of s; 0 when s is empty.
func lastChar(s string) int {
	if s == "" {
		return 0
	}
	if s[len(s)-1] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeLastRuneInString(s)
	return size
}

// view returns a string sharing b's memory. The caller must not modify b while the
// string is in use and must not keep the string: it is only used for lowered
// copies of field values that live for one event evaluation.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
