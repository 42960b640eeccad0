package condition

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/internal/shared"
)

// checkFast compares fastParse with the participle parse of one condition:
// the same tree (positions mapped) when fastParse takes it, and fastParse
// refuses what participle or the conversion refuses. It returns whether fastParse took it.
func checkFast(t *testing.T, text string) bool {
	t.Helper()
	mapPos := func(line, col int) ast.Pos { return ast.Pos{File: "f", Line: line + 10, Col: col + 100} }
	got, _, ok := fastParse(text, mapPos)
	want, err := parseParticiple(text, mapPos)
	switch {
	case ok && err != nil:
		t.Errorf("%q: fastParse took what participle refuses (%v)", text, err)
	case ok && !reflect.DeepEqual(got, want):
		t.Errorf("%q: fastParse = %s, participle = %s", text, dump(got), dump(want))
	}
	return ok
}

func dump(n *ast.CondNode) string {
	if n == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(string(n.Op) + "@" + n.Pos.String() + "[" + n.Quantifier + " " + n.Name)
	for _, a := range n.Args {
		b.WriteString(" " + dump(a))
	}
	return b.String() + "]"
}

// TestFastParseMatchesParticiple compares the parsers on hand-written
// conditions, mutations of them and every condition of the SigmaHQ rules
// (when ../shared is present), which fastParse must all take.
func TestFastParseMatchesParticiple(t *testing.T) {
	cases := []string{
		"selection", "selection and not filter", "a or b and c", "(a or b) and c", "not not a",
		"1 of sel_*", "any of sel*", "all of them", "1 of them and not 1 of filter_*",
		"a\n  and not\n\t(b or\r\n c)", " a ", "a.b-c_d", "all of sel*.x",
		// Refused by both or by the conversion.
		"", "a and", "and a", "(a", "a)", "()", "a b", "not", "1 of", "1 of (a)", "all of all", "x of y",
		"sel*", "or", "them", "1", "a OR b", "a && b", "a | count() > 1", "é", "a and not or b", "1 of them of",
		"all", "any of", "not 1", "(1 of x) and 1 of them and (not (a))",
	}
	rnd := rand.New(rand.NewSource(5))
	words := []string{"a", "b_1", "sel*", "not", "and", "or", "1", "all", "any", "of", "them", "(", ")", " ", "\n", "x.y", "-", "!"}
	for _, c := range cases {
		checkFast(t, c)
	}
	taken := 0
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for k := rnd.Intn(8) + 1; k > 0; k-- {
			b.WriteString(words[rnd.Intn(len(words))])
			if rnd.Intn(3) > 0 {
				b.WriteByte(' ')
			}
		}
		if checkFast(t, b.String()) {
			taken++
		}
	}
	if taken < 1000 || taken > 19000 {
		t.Errorf("fastParse took %d of 20,000 generated conditions: the generator no longer tests both sides", taken)
	}
	t.Logf("fastParse took %d of 20,000 generated conditions", taken)
	t.Run("SigmaHQ", func(t *testing.T) {
		conds := sigmaHQConditions(t) // skips without ../shared
		refused := 0
		for _, c := range conds {
			if !checkFast(t, c) {
				refused++
				t.Logf("fastParse refused %q", c)
			}
		}
		if refused > 0 {
			t.Errorf("fastParse refused %d of %d SigmaHQ conditions", refused, len(conds))
		}
		t.Logf("%d SigmaHQ conditions", len(conds))
	})
}

// sigmaHQConditions reads the detection conditions of every SigmaHQ rule file.
func sigmaHQConditions(t *testing.T) []string {
	var out []string
	for _, dir := range shared.SigmaHQRuleDirs(t) {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for {
				var doc struct {
					Detection struct {
						Condition any `yaml:"condition"`
					} `yaml:"detection"`
				}
				if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					break // not this test's concern
				}
				switch c := doc.Detection.Condition.(type) {
				case string:
					out = append(out, c)
				case []any:
					for _, e := range c {
						if s, ok := e.(string); ok {
							out = append(out, s)
						}
					}
				}
			}
			return nil
		})
	}
	return out
}

// TestParseNesting checks that conditions nested past maxNesting are refused
// with an error at the token that went past it, however deep (participle
// overflowed the stack, a fatal error, on a few hundred thousand parentheses),
// and that nesting up to it parses.
func TestParseNesting(t *testing.T) {
	for _, tc := range []struct {
		text string
		ok   bool
		col  int
	}{
		{strings.Repeat("(", maxNesting) + "a" + strings.Repeat(")", maxNesting), true, 0},
		{strings.Repeat("not ", maxNesting) + "a", true, 0},
		{strings.Repeat("(", maxNesting+1) + "a" + strings.Repeat(")", maxNesting+1), false, maxNesting + 1},
		{strings.Repeat("not (", 500) + "not a" + strings.Repeat(")", 500), false, 5*500 + 1},
		{strings.Repeat("(", 4<<20), false, maxNesting + 1},
		{strings.Repeat("not ", 1<<20) + "a", false, 4*maxNesting + 1},
		{strings.Repeat("(", 1<<20) + "a b" + strings.Repeat(")", 1<<20), false, maxNesting + 1},
		{"a b " + strings.Repeat("(", 1<<20) + "!", false, 1},
		{strings.Repeat("a and ", 1000) + "not b", true, 0},
	} {
		n, err := Parse(tc.text, nil)
		if tc.ok {
			if err != nil || n == nil {
				t.Errorf("%.40q...: %v", tc.text, err)
			}
			continue
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != 1 || ce.Col != tc.col {
			t.Errorf("%.40q...: error %v, want one at 1:%d", tc.text, err, tc.col)
		}
	}
}
