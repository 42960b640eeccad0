package lint

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/sarifcheck"
)

var update = flag.Bool("update", false, "rewrite the golden files under golden/lint and lint/CHECKS.md")

// compareGolden compares got with a golden file, or rewrites it with -update.
func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./lint/... -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date (run go test ./lint/... -update and review the diff); got:\n%s", path, got)
	}
}

// corpusReport lints corpus/lint with its .rulec.yml, the way `rulec lint corpus/lint` does.
func corpusReport(t *testing.T) *Report {
	t.Helper()
	dir := filepath.Join("..", "corpus", "lint")
	cfg, err := LoadConfig(filepath.Join(dir, ".rulec.yml"))
	if err != nil {
		t.Fatal(err)
	}
	res := frontend.Load([]string{dir}, frontend.Options{})
	return Run(res, Options{Config: cfg, Backends: backends(), Root: dir, ReadFile: os.ReadFile})
}

func TestGolden(t *testing.T) {
	rep := corpusReport(t)
	var text, js, sarif bytes.Buffer
	if err := rep.WriteText(&text, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteSARIF(&sarif, SARIFOptions{ToolVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("..", "golden", "lint")
	compareGolden(t, filepath.Join(golden, "corpus.txt"), []byte(strings.ReplaceAll(text.String(), filepath.Join("..", "corpus")+string(filepath.Separator), "corpus/")))
	compareGolden(t, filepath.Join(golden, "corpus.json"), js.Bytes())
	compareGolden(t, filepath.Join(golden, "corpus.sarif"), sarif.Bytes())
	sarifcheck.ValidateSARIF(t, sarif.Bytes())
}

// TestChecksDoc keeps lint/CHECKS.md (the help anchors' target) in step with the catalogue.
func TestChecksDoc(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, Checks()); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "CHECKS.md", b.Bytes())
	for _, c := range Checks() {
		if !strings.Contains(b.String(), "\n### "+c.Anchor()+"\n") {
			t.Errorf("CHECKS.md has no heading for anchor %q", c.Anchor())
		}
	}
}
