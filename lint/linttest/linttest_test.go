package linttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/lint"
)

// recorder is a TB that records the failures.
type recorder struct{ errs []string }

func (*recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

const rule = `title: Unused search in a fixture rule
id: 0b6e3a51-8f8e-4b0e-9d7c-3a9f1c1e2d09
status: test
description: A rule with one unused search identifier.
author: rulec
date: 2024-01-15
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\x.exe'
    unused:%s
        User: SYSTEM
    condition: selection
falsepositives:
    - Unknown
level: low
`

// TestRun: a met want passes; a finding without a want and a want without a
// finding both fail the test.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name, comment string
		errs          []string
	}{
		{"met", `  # want "\\[unused-search\\]"`, nil},
		{"unexpected", "", []string{`unexpected finding: search identifier "unused" is not used by the condition [unused-search]`}},
		{"missing", `  # want "\\[unused-search\\]" "another"`, []string{`no finding matches "another"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "fixture_rule.yml"), []byte(fmt.Sprintf(rule, tc.comment)), 0o644); err != nil {
				t.Fatal(err)
			}
			var r recorder
			Run(&r, dir, lint.Options{})
			if len(r.errs) != len(tc.errs) {
				t.Fatalf("failures %q, want %q", r.errs, tc.errs)
			}
			for i, e := range tc.errs {
				if !strings.Contains(r.errs[i], e) {
					t.Errorf("failure %q, want one containing %q", r.errs[i], e)
				}
			}
		})
	}
}
