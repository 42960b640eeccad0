// Package shared locates the shared reference material (../shared from the
// project root, or $RULEC_SHARED) for conformance tests and benchmarks.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the shared folder, or "" when it is absent.
func Root() string {
	if env := os.Getenv("RULEC_SHARED"); env != "" {
		return env
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(dir), "shared")
			if st, err := os.Stat(s); err == nil && st.IsDir() {
				return s
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns a path inside the shared folder, skipping the test (saying so) when it is absent.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	root := Root()
	p := filepath.Join(append([]string{root}, elem...)...)
	if root == "" {
		tb.Skipf("shared material not found (../shared from the project root, or $RULEC_SHARED): skipping")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s not present: skipping", p)
	}
	return p
}

// SigmaHQRuleDirs returns the SigmaHQ rule folders (rules*), skipping when absent.
func SigmaHQRuleDirs(tb testing.TB) []string {
	tb.Helper()
	base := Path(tb, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(base, "rules*"))
	if len(dirs) == 0 {
		tb.Skipf("no rules* folders under %s: skipping", base)
	}
	return dirs
}
