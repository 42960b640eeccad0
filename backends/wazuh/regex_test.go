package wazuh

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh/internal/pcre2test"
	"github.com/rulec/rulec/backends/wazuh/wazuhsim"
)

// sigma parses a Sigma string value the way the front end does (\ escapes * ? \).
func sigma(s string) []ast.StringPart {
	var parts []ast.StringPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, ast.StringPart{Kind: ast.PartLit, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && strings.IndexByte(`*?\`, s[i+1]) >= 0:
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			parts = append(parts, ast.StringPart{Kind: ast.PartStar})
		case c == '?':
			flush()
			parts = append(parts, ast.StringPart{Kind: ast.PartQuestion})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

func TestStringPatternText(t *testing.T) {
	tests := []struct {
		value string
		cased bool
		enc   Encoding
		want  string
	}{
		{`cmd.exe`, false, EncodingPlain, `(?i)^cmd\.exe\z`},
		{`*\certutil.exe`, false, EncodingEventchannel, `(?i)\\\\certutil\.exe\z`},
		{`C:\Windows\\*`, false, EncodingEventchannel, `(?i)^C:\\\\Windows\\\\`},
		{`*urlcache*`, false, EncodingPlain, `(?i)urlcache`},
		{`a*b`, true, EncodingPlain, `(?s)^a.*b\z`},
		{`a?b`, false, EncodingPlain, `(?i)^a[\x00-\x7f\xc0-\xff][\x80-\xbf]*+b\z`},
		{`x<y>&$z`, false, EncodingPlain, `(?i)^x\x3cy\x3e\x26\x24z\z`},
		{`x<y>&"z`, false, EncodingEventchannel, `(?i)^x(?:\x3c|\x26lt;)y(?:\x3e|\x26gt;)\x26(?:amp;)?+\\"z\z`},
		{`Ünï`, false, EncodingPlain, `(?i)^(?:Ü|ü)n(?:ï|Ï)\z`},
		{`(a|b)[c]{d}+^`, true, EncodingPlain, `^\(a\|b\)\[c\]\{d\}\+\^\z`},
		{``, false, EncodingPlain, `(?i)^\z`},
	}
	for _, tt := range tests {
		a, err := stringAlt(sigma(tt.value), tt.cased, tt.enc)
		if err != nil {
			t.Fatalf("%q: %v", tt.value, err)
		}
		if got := (pattern{a}).render(); got != tt.want {
			t.Errorf("%q (%s, cased=%v):\n got %s\nwant %s", tt.value, tt.enc, tt.cased, got, tt.want)
		}
	}
}

// TestStringPatternSemantics checks with the real PCRE2 library that each generated
// pattern matches the Wazuh form of a value exactly when the Sigma pattern matches
// the original value.
func TestStringPatternSemantics(t *testing.T) {
	values := []string{`*\certutil.exe`, `C:\Windows\*`, `*urlcache*`, `a?b`, `*x?z*`, `"C:\a b"*`, `*&&*`, `*>*`, `*<script*`,
		`ä*Ö`, `*\\*`, `*\*`, `?`, `??`, `-`, `*$x*`, `*`, `a\*b`, `*\?`, `line1
line2`}
	subjects := []string{`C:\Windows\System32\certutil.exe`, `c:\windows\x`, `C:/Windows/x`, `x -URLCACHE -f`, `ab`, `a b`, `a\b`, `aéb`, `a"b`,
		`xyz`, `xÿz`, `x\z`, `"C:\a b" -x`, `cmd /c a && b`, `echo > f`, `<SCRIPT>`, `äÖ`, `Äxö`, `\\srv\share`, `a*b`, `a\*b`, `axb`, `?`,
		`é`, `\`, `"`, `ab`, `x`, `x$x`, `line1
line2`, `line1\nline2`, `-x`, ``}
	var cases []pcre2test.Case
	type key struct {
		value, enc string
		cased      bool
	}
	var keys []key
	for _, enc := range []Encoding{EncodingPlain, EncodingEventchannel} {
		for _, cased := range []bool{false, true} {
			for _, v := range values {
				a, err := stringAlt(sigma(v), cased, enc)
				if err != nil {
					t.Fatal(err)
				}
				c := pcre2test.Case{Pattern: pattern{a}.render()}
				for _, s := range subjects {
					if enc == EncodingEventchannel {
						w, ok := wazuhsim.EventchannelValue(s)
						if !ok {
							w = "\x00dropped"
						}
						s = w
					}
					c.Subjects = append(c.Subjects, s)
				}
				cases = append(cases, c)
				keys = append(keys, key{v, string(enc), cased})
			}
		}
	}
	res := pcre2test.Run(t, cases)
	for i, r := range res {
		k := keys[i]
		if r.CompileError != "" {
			t.Errorf("%q: %s: %s", k.value, cases[i].Pattern, r.CompileError)
			continue
		}
		for j, s := range subjects {
			if k.enc == string(EncodingEventchannel) {
				if _, ok := wazuhsim.EventchannelValue(s); !ok {
					continue
				}
			}
			want := globMatch(sigma(k.value), s, k.cased)
			if r.Matches[j] != want {
				t.Errorf("%s cased=%v: Sigma %q vs %q: pattern %s gives %v, want %v", k.enc, k.cased, k.value, s, cases[i].Pattern, r.Matches[j], want)
			}
		}
	}
}

func TestCIDRPatterns(t *testing.T) {
	tests := []struct {
		cidr string
		in   []string
		out  []string
	}{
		{"10.0.0.0/8", []string{"10.0.0.1", "10.255.255.255", " 10.1.2.3 ", "::ffff:10.1.2.3", "0:0:0:0:0:ffff:10.1.2.3"}, []string{"11.0.0.1", "010.0.0.1", "10.0.0.256", "10.0.0", "110.0.0.1"}},
		{"172.16.0.0/12", []string{"172.16.0.1", "172.31.255.255"}, []string{"172.15.0.1", "172.32.0.0", "172.3.0.1"}},
		{"192.168.1.128/25", []string{"192.168.1.128", "192.168.1.255"}, []string{"192.168.1.127", "192.168.1.1"}},
		{"0.0.0.0/0", []string{"1.2.3.4", "255.255.255.255"}, []string{"1.2.3", "x"}},
		{"::1/128", []string{"::1", "0:0:0:0:0:0:0:1", "0000::0001", "::0:1", "0::1"}, []string{"::2", "1::", "::1:1", "::"}},
		{"fe80::/10", []string{"fe80::1", "FEBF::", "fe80:0:0:0:0:0:0:1", "fe80::1%12", "fe9a:1::2:3"}, []string{"fec0::1", "fe8::1", "::fe80:1", "fe80:::1"}},
		{"fc00::/7", []string{"fc00::", "fdff:1:2:3:4:5:6:7", "fd12::abcd"}, []string{"fe00::", "fb00::"}},
		{"2620:1ec:a92::152/128", []string{"2620:1ec:a92::152", "2620:01EC:0a92:0:0:0:0:0152", "2620:1ec:a92:0::152", "2620:1ec:a92::0:0:152"}, []string{"2620:1ec:a92::153", "2620:1ec:a92:1::152"}},
		{"2603:1026::/36", []string{"2603:1026::1", "2603:1026:fff::", "2603:1026:0fff:ffff:ffff:ffff:ffff:ffff"}, []string{"2603:1026:1000::1", "2603:1027::"}},
		{"2a01:111:f400::/48", []string{"2a01:111:f400::1", "2a01:111:f400:1:2:3:4:5"}, []string{"2a01:111:f401::"}},
	}
	var cases []pcre2test.Case
	for _, tt := range tests {
		a, err := cidrAlt(tt.cidr)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, pcre2test.Case{Pattern: pattern{a}.render(), Subjects: append(append([]string{}, tt.in...), tt.out...)})
	}
	for i, r := range pcre2test.Run(t, cases) {
		tt := tests[i]
		if r.CompileError != "" {
			t.Fatalf("%s: %s", tt.cidr, r.CompileError)
		}
		for j, s := range cases[i].Subjects {
			if want := j < len(tt.in); r.Matches[j] != want {
				t.Errorf("%s vs %q: got %v want %v (pattern %s)", tt.cidr, s, r.Matches[j], want, cases[i].Pattern)
			}
		}
	}
}

func TestNumRange(t *testing.T) {
	tests := []struct {
		lo, hi uint64
		base   int
		want   string
	}{
		{0, 255, 10, `[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5]`},
		{16, 31, 10, `1[6-9]|2[0-9]|3[01]`},
		{7, 7, 10, `7`},
		{0xfe80, 0xfebf, 16, `fe[8-9a-b][0-9a-f]`},
	}
	for _, tt := range tests {
		got := strings.Join(numRange(tt.lo, tt.hi, tt.base, false), "|")
		if got != tt.want {
			t.Errorf("%d-%d: got %s want %s", tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestRegexTranslation(t *testing.T) {
	tests := []struct {
		re, flags string
		enc       Encoding
		in, out   []string
	}{
		{`\\Windows\\`, "", EncodingEventchannel, []string{`C:\Windows\x`}, []string{`C:/Windows/x`, `C:\windows\x`}},
		{`\\windows\\`, "i", EncodingEventchannel, []string{`C:\Windows\x`}, []string{`C:/Windows/x`}},
		{`^[a-z]:\\[^\\]+\.exe$`, "", EncodingEventchannel, []string{`c:\foo.exe`}, []string{`c:\a\foo.exe`, `C:\foo.exe`}},
		{`".*"`, "", EncodingEventchannel, []string{`a "b" c`}, []string{`a b c`}},
		{`a.c`, "", EncodingPlain, []string{"abc", "aéc"}, []string{"a\nc", "ac"}},
		{`(?:x|y){2,3}$`, "", EncodingPlain, []string{"axy", "xyx"}, []string{"x", "xyz"}},
		{`<>&`, "", EncodingEventchannel, []string{`<>&`}, []string{`lt;gt;amp;`}},
		// A counted repetition of a class whose characters take several forms
		// in the value (here up to 64 characters, entities and escapes among them).
		{`(?i)\.exe["']?\s+[^"]{0,64}werfaultsecure\.exe["']?\s+\d{2,10}`, "", EncodingEventchannel,
			[]string{`"C:\x\wsass.exe" C:\Windows\System32\WerFaultSecure.exe 1234`, `a.exe werfaultsecure.exe 12`, `a.exe ` + strings.Repeat(`&<\`, 21) + `xwerfaultsecure.exe 12`},
			[]string{`a.exe ` + strings.Repeat(`&<\`, 21) + `xywerfaultsecure.exe 12`, `a.exe "werfaultsecure.exe 12`, `a.exe werfaultsecure.exe 1`}},
	}
	var cases []pcre2test.Case
	for _, tt := range tests {
		a, err := regexAlt(tt.re, tt.flags, tt.enc)
		if err != nil {
			t.Fatal(err)
		}
		c := pcre2test.Case{Pattern: pattern{a}.render()}
		for _, s := range append(append([]string{}, tt.in...), tt.out...) {
			if tt.enc == EncodingEventchannel {
				s, _ = wazuhsim.EventchannelValue(s)
			}
			c.Subjects = append(c.Subjects, s)
		}
		cases = append(cases, c)
	}
	for i, r := range pcre2test.Run(t, cases) {
		tt := tests[i]
		if r.CompileError != "" {
			t.Fatalf("%s: %s (%s)", tt.re, r.CompileError, cases[i].Pattern)
		}
		for j := range cases[i].Subjects {
			if want := j < len(tt.in); r.Matches[j] != want {
				t.Errorf("%s vs subject %d %q: got %v want %v (pattern %s)", tt.re, j, cases[i].Subjects[j], r.Matches[j], want, cases[i].Pattern)
			}
		}
	}
	if _, err := regexAlt(`(?=x)`, "", EncodingPlain); err == nil {
		t.Error("lookahead should be refused")
	}
}
