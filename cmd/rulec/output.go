package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// stdio is the path that names standard input or output: `-o -`, `rulec scan -`.
const stdio = "-"

// atomicFile is an output file written under a temporary name in the same
// folder and renamed over the destination by Commit, so that a reader never
// sees a partial file and a failed run leaves the previous output in place.
type atomicFile struct {
	*os.File
	path string
	mode fs.FileMode
	// direct: the destination is not a regular file (/dev/null, a FIFO, a
	// terminal) and is written in place; renaming over it would replace it.
	direct bool
}

// createAtomic starts writing path. The temporary file is hidden (a dot
// name, which go build, rule loading and most globs skip) until Commit.
func createAtomic(path string) (*atomicFile, error) {
	mode := fs.FileMode(0o644)
	if st, err := os.Lstat(path); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a folder", path)
		}
		if err := refuseInput(path); err != nil {
			return nil, err
		}
		mode = st.Mode().Perm()
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &atomicFile{File: f, path: path, direct: true}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &atomicFile{File: f, path: path, mode: mode}, nil
}

// Commit closes the temporary file and renames it to the destination.
func (a *atomicFile) Commit() error {
	if a.direct {
		if err := a.File.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", a.path, err)
		}
		return nil
	}
	err := a.File.Sync()
	err = errors.Join(err, a.File.Close())
	if err == nil {
		err = os.Chmod(a.File.Name(), a.mode)
	}
	if err == nil {
		err = os.Rename(a.File.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.File.Name())
		return fmt.Errorf("writing %s: %w", a.path, err)
	}
	return nil
}

// Abort drops the temporary file; the destination is left as it was. It is a
// no-op after Commit.
func (a *atomicFile) Abort() {
	a.File.Close()
	if !a.direct {
		os.Remove(a.File.Name())
	}
}

// outputFlags are the flags whose value is an output path.
var outputFlags = map[string]bool{"o": true, "output": true, "report": true, "id-map": true}

// refuseInput refuses to replace an input: a file named on the command line
// (`build a.yml -o a.yml`), or a YAML file holding a Sigma rule or a fixture
// (`build rules/ -o rules/a.yml`): top-level title:, detection:,
// correlation:, filter: or tests:. A symbolic link is replaced itself by the
// rename, never the file it points to.
func refuseInput(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	args := os.Args[1:]
	for i, a := range args {
		if a == "" || a[0] == '-' {
			continue
		}
		if i > 0 && outputFlags[strings.TrimLeft(args[i-1], "-")] {
			continue // the value of -o itself
		}
		if ast, err := os.Stat(a); err == nil && os.SameFile(st, ast) {
			return fmt.Errorf("%s is an input of this run; not writing over it", path)
		}
	}
	switch filepath.Ext(path) {
	case ".yml", ".yaml", ".YML", ".YAML":
	default:
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	for _, line := range strings.Split(string(head[:n]), "\n") {
		for _, key := range []string{"title:", "detection:", "correlation:", "filter:", "tests:"} {
			if strings.HasPrefix(line, key) {
				return fmt.Errorf("%s holds a Sigma rule or fixture (%s); not writing over it", path, strings.TrimSuffix(key, ":"))
			}
		}
	}
	return nil
}

// checkOutput checks, before any work, that an output file can be written
// where -o says: not a folder, in a folder that exists ("" and "-" are
// standard output). Its error is a usage error.
func checkOutput(cmd, path string) error {
	if path == "" || path == stdio {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageError{fmt.Sprintf("rulec %s: -o %s is a folder (give a file name, or - for standard output)", cmd, path)}
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return usageError{fmt.Sprintf("rulec %s: -o %s: folder %s does not exist", cmd, path, filepath.Dir(path))}
	}
	return nil
}

// checkOutputDir checks that an output folder is one or can be created (-o of gen-go).
func checkOutputDir(cmd, path string) error {
	if path == stdio {
		return nil
	}
	if st, err := os.Stat(path); err == nil && !st.IsDir() {
		return usageError{fmt.Sprintf("rulec %s: -o %s is a file, not a folder (or give - for standard output)", cmd, path)}
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file and a rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := createAtomic(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}

// writeOutput writes data to standard output when path is "" or "-", else to
// the file path (atomically).
func writeOutput(stdout io.Writer, path string, data []byte) error {
	if path == "" || path == stdio {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("writing standard output: %w", err)
		}
		return nil
	}
	return writeFileAtomic(path, data)
}
