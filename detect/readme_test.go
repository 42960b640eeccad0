package detect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeExample checks that the README's Go API section shows the package
// Example as it is.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	start := strings.Index(s, "func Example() {")
	end := strings.Index(s[start:], "\n}\n")
	if start < 0 || end < 0 {
		t.Fatal("no func Example in example_test.go")
	}
	example := s[start : start+end+3]
	if n := strings.Count(example, "\n"); n > 30 {
		t.Errorf("the package Example is %d lines, more than 30", n)
	}
	if !strings.Contains(strings.ReplaceAll(string(readme), "\r\n", "\n"), "//go:embed testdata/rules\nvar rules embed.FS\n\n"+example) {
		t.Errorf("README.md's Go API section does not show detect's package Example as it is in example_test.go:\n%s", example)
	}
}
