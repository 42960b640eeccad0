package wazuh

import (
	"testing"

	"github.com/rulec/rulec/ast"
)

// TestAltImplies: a plain-string test implies another when every value it
// accepts the other accepts too (contains, starts with, ends with, equals;
// case-insensitive only when the other folds; never for wildcards inside).
func TestAltImplies(t *testing.T) {
	for _, c := range []struct {
		a, b         string
		aCase, bCase bool
		want         bool
	}{
		{`*Process Call Create*`, `*process call*`, false, false, true},
		{`*process call*`, `*Process Call Create*`, false, false, false},
		{`*\wbem\WMIC.exe`, `*\wmic.exe`, false, false, true},
		{`C:\Windows\\*`, `C:\\*`, false, false, true}, // \\ is one backslash before the wildcard
		{`*C:\Windows\\*`, `C:\\*`, false, false, false},
		{`C:\Windows\*`, `C:\Windows*`, false, false, true}, // \* is a literal star
		{`C:\x.exe`, `*.exe`, false, false, true},
		{`C:\x.exe`, `C:\x.exe`, false, false, true},
		{`C:\x.exe`, `c:\x.EXE`, false, false, true},
		{`C:\x.exe`, `c:\x.EXE`, false, true, false}, // the other is case-sensitive
		{`C:\x.exe`, `C:\x.exe`, true, true, true},
		{`*a*b*`, `*a*`, false, false, false}, // a wildcard inside: not decided
		{`*é*`, `*É*`, false, false, false},   // non-ASCII folding: not decided
		{`x`, `x*`, false, false, true},
		{`x*`, `x`, false, false, false},
	} {
		a, err := stringAlt(ast.ParseString(c.a, false), c.aCase, EncodingEventchannel)
		if err != nil {
			t.Fatal(err)
		}
		b, err := stringAlt(ast.ParseString(c.b, false), c.bCase, EncodingEventchannel)
		if err != nil {
			t.Fatal(err)
		}
		x, y := newKeyedAtom(atom{elem: "field", name: "f", pat: pattern{a}}), newKeyedAtom(atom{elem: "field", name: "f", pat: pattern{b}})
		x.id, y.id = 1, 2
		if got := atomImplies(&x, &y); got != c.want {
			t.Errorf("%q (cased %v) implies %q (cased %v): %v, want %v", c.a, c.aCase, c.b, c.bCase, got, c.want)
		}
	}
}
