// Command dist builds rulec's release archives, reproducibly: for each platform
// a tar.gz (zip for windows) holding rulec-VERSION-OS-ARCH/{rulec[.exe],
// README.md}, and SHA256SUMS over the archives.
//
//	go run ./internal/dist -version v1.2.3 -o dist
//
// The binaries are built with CGO_ENABLED=0, -trimpath, -buildvcs=false and
// -ldflags "-s -w -X main.version=VERSION"; archive entries are sorted, owned
// by 0:0 with fixed modes, and dated SOURCE_DATE_EPOCH (else the HEAD commit's
// time, else 2000-01-01), so two runs on one commit give the same bytes.
// `make dist-check` builds twice and compares SHA256SUMS.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// defaultPlatforms are the release platforms (GOOS/GOARCH).
const defaultPlatforms = "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"

func main() {
	version := flag.String("version", "", "version to stamp into the binaries and name the archives with (required)")
	out := flag.String("o", "dist", "output `folder` (created; previous archives of the same names are replaced)")
	platforms := flag.String("platforms", defaultPlatforms, "space-separated GOOS/GOARCH pairs")
	goCmd := flag.String("go", "go", "the go command")
	flag.Parse()
	if *version == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/dist -version VERSION [-o DIR] [-platforms 'os/arch ...']")
		os.Exit(2)
	}
	if err := run(*goCmd, *version, *out, strings.Fields(*platforms)); err != nil {
		fmt.Fprintln(os.Stderr, "dist:", err)
		os.Exit(1)
	}
}

func run(goCmd, version, out string, platforms []string) error {
	if strings.ContainsAny(version, "/\\ \t") {
		return fmt.Errorf("version %q: no slashes or spaces", version)
	}
	mtime, err := sourceDate()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	tmp, err := os.MkdirTemp("", "rulec-dist")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sums := map[string]string{}
	for _, p := range platforms {
		goos, goarch, ok := strings.Cut(p, "/")
		if !ok {
			return fmt.Errorf("platform %q: want GOOS/GOARCH", p)
		}
		exe := "rulec"
		if goos == "windows" {
			exe += ".exe"
		}
		bin := filepath.Join(tmp, goos+"-"+goarch, exe)
		cmd := exec.Command(goCmd, "build", "-trimpath", "-buildvcs=false",
			"-ldflags", "-s -w -buildid= -X main.version="+version, "-o", bin, "./cmd/rulec")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", p, err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		base := fmt.Sprintf("rulec-%s-%s-%s", version, goos, goarch)
		files := []entry{{base + "/" + exe, data, 0o755}, {base + "/README.md", readme, 0o644}}
		var archive []byte
		name := base + ".tar.gz"
		if goos == "windows" {
			name = base + ".zip"
			archive, err = zipArchive(files, mtime)
		} else {
			archive, err = tarGz(base, files, mtime)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(out, name), archive, 0o644); err != nil {
			return err
		}
		h := sha256.Sum256(archive)
		sums[name] = hex.EncodeToString(h[:])
		fmt.Fprintf(os.Stderr, "dist: %s (%d bytes)\n", filepath.Join(out, name), len(archive))
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(b.String()), 0o644)
}

// sourceDate is the date of every archive entry: SOURCE_DATE_EPOCH
// (https://reproducible-builds.org/specs/source-date-epoch/), else the HEAD
// commit's time, else 2000-01-01.
func sourceDate() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if out, err := exec.Command("git", "log", "-1", "--format=%ct").Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), nil
}

type entry struct {
	name string
	data []byte
	mode int64
}

func sorted(files []entry) []entry {
	out := append([]entry(nil), files...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// tarGz writes a gzip'ed ustar archive: the folder, then the files sorted by name.
func tarGz(dir string, files []entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// No name and a zero ModTime in the gzip header (the defaults): nothing of the build machine.
	tw := tar.NewWriter(zw)
	hdr := func(name string, mode int64, size int64, typ byte) *tar.Header {
		return &tar.Header{Name: name, Mode: mode, Size: size, Typeflag: typ, ModTime: mtime, Format: tar.FormatUSTAR}
	}
	if err := tw.WriteHeader(hdr(dir+"/", 0o755, 0, tar.TypeDir)); err != nil {
		return nil, err
	}
	for _, f := range sorted(files) {
		if err := tw.WriteHeader(hdr(f.name, f.mode, int64(len(f.data)), tar.TypeReg)); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipArchive writes a zip archive of the files sorted by name, deflated, dated mtime.
func zipArchive(files []entry, mtime time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range sorted(files) {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(os.FileMode(f.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(w, bytes.NewReader(f.data)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
