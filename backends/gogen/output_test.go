package gogen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSingleFile: the package merged into one file (rulec gen-go -o -) builds
// and vets like the folder of files.
func TestSingleFile(t *testing.T) {
	rules, _ := filepath.Abs(filepath.Join("..", "..", "corpus", "rules"))
	dir := genDir(t, "single")
	res, _, err := GeneratePaths([]string{rules}, Options{Package: "single", BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	src, err := SingleFile(res.Files)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(src), Header+"\n\n// Package single ") || strings.Count(string(src), "\nimport") != 1 {
		t.Errorf("header, package documentation or imports:\n%.400s", src)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules_gen.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd(t, dir, "vet", ".")
	if _, err := SingleFile(nil); err == nil {
		t.Error("no files: no error")
	}
}

// TestWriteDirChecksFirst: a hand-written file in the way fails WriteDir
// before it writes or removes anything, and no temporary file is left.
func TestWriteDirChecksFirst(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "rules_old_gen.go")
	os.WriteFile(stale, []byte(Header+"\n\npackage x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b_gen.go"), []byte("package x // mine\n"), 0o644)
	files := []File{{Name: "a_gen.go", Data: []byte(Header + "\n\npackage x\n")}, {Name: "b_gen.go", Data: []byte(Header + "\n\npackage x\n")}}
	if err := WriteDir(dir, files); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "b_gen.go rules_old_gen.go" {
		t.Errorf("folder changed by a failed WriteDir: %v", names)
	}
	os.Remove(filepath.Join(dir, "b_gen.go"))
	if err := WriteDir(dir, files); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	names = names[:0]
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "a_gen.go b_gen.go" {
		t.Errorf("after WriteDir: %v", names)
	}
}
