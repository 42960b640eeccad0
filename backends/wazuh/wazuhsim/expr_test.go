package wazuhsim

import "testing"

// TestOSRegex pins OS_Regex matching (case-insensitive, backslash classes
// with + and *, ^ and $, | alternatives, the saved points of _OS_Regex) on
// cases whose answers the port gave before it was split into steps; the
// analysisd tests of backends/wazuh check it against the real engine.
func TestOSRegex(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{`(\w+)-(\d+)`, "", false},
		{`(\w+)-(\d+)`, "1.25", false},
		{`(\w+)-(\d+)`, "a-b-", false},
		{`\d+\.\d+`, "A.B", false},
		{`\d+\.\d+`, "abc  123 ", true},
		{`\d+\.\d+`, "abc 123", true},
		{`\d+\.\d+`, "foo-42", true},
		{`\d+\.\d+`, "zzxyz", false},
		{`\d\d\d`, "?!x", false},
		{`\d\d\d`, "x1234", true},
		{`\d\d\d`, "zzxyz", false},
		{`\p+x`, "", false},
		{`\p+x`, "ABCdef", false},
		{`\p+x`, "a.b.c", false},
		{`\s*x`, "GET /x", true},
		{`\s*x`, "a-b-", false},
		{`\s*x`, "foo-42", false},
		{`\s*x`, "x1234", true},
		{`\s*x`, "zzxyz", true},
		{`\w*`, "  x", true},
		{`\w*`, "1.25", true},
		{`\w*`, "?!x", true},
		{`\w*`, "GET /x", true},
		{`\w*`, "a.b.c", true},
		{`\w*`, "abc  123 ", true},
		{`\w*`, "abc 123", true},
		{`\w*`, "x1234", true},
		{`\w*`, "zzxyz", true},
		{`^(\w+)$`, "1.25", false},
		{`^(\w+)$`, "a__b", true},
		{`^(\w+)$`, "abc  123 ", false},
		{`^(\w+)$`, "word", true},
		{`^(\w+)$`, "zb", true},
		{`^(\w+)$`, "zzxyz", true},
		{`^\S+ \w+`, "1.25", false},
		{`^\S+ \w+`, "GET /x", false},
		{`^\S+ \w+`, "abc  123 ", false},
		{`^\w+\s+\d+$`, "a__b", false},
		{`^\w+\s+\d+$`, "abc 123", true},
		{`^\w+\s+\d+$`, "word", false},
		{`^\w+\s+\d+$`, "zb", false},
		{`^abc`, "?!x", false},
		{`^abc`, "ABCdef", true},
		{`^abc`, "zzxyz", false},
		{`a\.b`, "A.B", true},
		{`a\.b`, "a.b.c", true},
		{`a\.b`, "foo-42", false},
		{`a\.b`, "x1234", false},
		{`a\w*b`, "A.B", false},
		{`a\w*b`, "a__b", true},
		{`a\w*b`, "abc  123 ", true},
		{`a\w*b`, "foo-42", false},
		{`a|b$`, "GET /x", false},
		{`a|b$`, "a.b.c", true},
		{`a|b$`, "a__b", true},
		{`a|b$`, "abc  123 ", true},
		{`a|b$`, "zb", true},
		{`xyz$`, "abc 123", false},
		{`xyz$`, "word", false},
		{`xyz$`, "zb", false},
		{`xyz$`, "zzxyz", true},
	}
	for _, tc := range tests {
		match, err := compileOSRegex(tc.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tc.pattern, err)
		}
		if got := match(tc.s); got != tc.want {
			t.Errorf("%q on %q = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
