package main

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// platforms are the GOOS/GOARCH pairs rulec supports (the Makefile's PLATFORMS, which `make cross` builds).
var platforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

// TestPortableFileNames: a Go file is left out on a supported platform only
// when it says so in a //go:build line (platform code, which `make cross`
// checks the package builds without). A name like syscalls_linux.go without
// one is an accident: it silently left engine/logs without its tables on macOS
// and Windows.
func TestPortableFileNames(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if hasBuildLine(src) {
			return nil
		}
		var on, off []string
		for _, pl := range platforms {
			ctxt := build.Default
			ctxt.GOOS, ctxt.GOARCH, _ = strings.Cut(pl, "/")
			ctxt.CgoEnabled = false
			ok, err := ctxt.MatchFile(filepath.Dir(p), name)
			if err != nil {
				return err
			}
			if ok {
				on = append(on, pl)
			} else {
				off = append(off, pl)
			}
		}
		if len(on) > 0 && len(off) > 0 {
			t.Errorf("%s builds on %s but not on %s because of its name: rename it (or say so in a //go:build line)", p, strings.Join(on, ", "), strings.Join(off, ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPortablePaths: every file and folder of the module has a name that
// Windows can create and that a module zip accepts (`go install ...@version`
// refuses a module with one bad name): no <>:"\|?* or control characters, no
// reserved device names, no trailing dot or space, no two names differing only
// in case.
func TestPortablePaths(t *testing.T) {
	root := filepath.Join("..", "..")
	reserved := map[string]bool{"con": true, "prn": true, "aux": true, "nul": true}
	for i := 1; i <= 9; i++ {
		reserved["com"+strconv.Itoa(i)] = true
		reserved["lpt"+strconv.Itoa(i)] = true
	}
	seen := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		name := d.Name()
		if d.IsDir() && (name == ".git" || name == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if strings.ContainsAny(name, `<>:"\|?*`) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("%s: a character Windows and module zips do not accept", rel)
		}
		if stem, _, _ := strings.Cut(strings.ToLower(name), "."); reserved[stem] {
			t.Errorf("%s: a reserved device name on Windows", rel)
		}
		if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
			t.Errorf("%s: a trailing dot or space, which Windows drops", rel)
		}
		if other, ok := seen[strings.ToLower(rel)]; ok {
			t.Errorf("%s and %s differ only in case", rel, other)
		}
		seen[strings.ToLower(rel)] = rel
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// hasBuildLine reports whether a Go file has a //go:build line before its package clause.
func hasBuildLine(src []byte) bool {
	for _, l := range strings.Split(string(src), "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "//go:build") {
			return true
		}
		if strings.HasPrefix(l, "package ") {
			return false
		}
	}
	return false
}

func TestDirURI(t *testing.T) {
	want := "file:///home/x/rules/"
	in := "/home/x/rules"
	if runtime.GOOS == "windows" {
		in, want = `C:\x\my rules`, "file:///C:/x/my%20rules/"
	}
	if got := dirURI(in); got != want {
		t.Errorf("dirURI(%q) = %q, want %q", in, got, want)
	}
}
