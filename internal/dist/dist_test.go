package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"testing"
	"time"
)

// TestArchivesDeterministic: the same files give the same bytes, in sorted order, with the fixed
// date, 0:0 ownership and the modes given, whatever order they come in.
func TestArchivesDeterministic(t *testing.T) {
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	files := []entry{{"r/rulec", []byte("binary"), 0o755}, {"r/README.md", []byte("# rulec\n"), 0o644}}
	swapped := []entry{files[1], files[0]}

	a, err := tarGz("r", files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tarGz("r", swapped, mtime)
	if !bytes.Equal(a, b) {
		t.Error("tar.gz differs with the input order")
	}
	zr, err := gzip.NewReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() {
		t.Errorf("gzip header carries %q %v", zr.Name, zr.ModTime)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(mtime) || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: %v %d:%d %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname)
		}
		if h.Name == "r/rulec" && h.Mode != 0o755 {
			t.Errorf("binary mode %o", h.Mode)
		}
	}
	if want := "r/ r/README.md r/rulec"; join(names) != want {
		t.Errorf("tar entries %q, want %q", join(names), want)
	}

	z1, err := zipArchive(files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	z2, _ := zipArchive(swapped, mtime)
	if !bytes.Equal(z1, z2) {
		t.Error("zip differs with the input order")
	}
	zrd, err := zip.NewReader(bytes.NewReader(z1), int64(len(z1)))
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, f := range zrd.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(mtime) {
			t.Errorf("%s dated %v", f.Name, f.Modified)
		}
	}
	if want := "r/README.md r/rulec"; join(names) != want {
		t.Errorf("zip entries %q, want %q", join(names), want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
