package frontend

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rulec/rulec/ast"
)

// fileSystem is what the loader reads rule files through: the operating
// system's paths (Load) or an fs.FS (LoadFS). Walking, limits and decoding are
// the same for both.
type fileSystem interface {
	// expand turns the caller's paths into roots to walk, with a diagnostic per path that names nothing.
	expand(paths []string) ([]string, ast.Diagnostics)
	// stat describes a path, following symbolic links.
	stat(p string) (fs.FileInfo, error)
	// realPath names the file or folder behind p, the same for every link to it.
	realPath(p string) (string, error)
	readDir(dir string) ([]fs.DirEntry, error)
	open(p string) (io.ReadCloser, error)
	join(dir, name string) string
	clean(p string) string
	// followsFolderLinks tells whether symbolic links to folders are walked.
	followsFolderLinks() bool
}

// osFiles reads operating-system paths.
type osFiles struct{}

func (osFiles) expand(paths []string) ([]string, ast.Diagnostics) { return paths, nil }
func (osFiles) stat(p string) (fs.FileInfo, error)                { return os.Stat(p) }
func (osFiles) realPath(p string) (string, error)                 { return filepath.EvalSymlinks(p) }
func (osFiles) readDir(dir string) ([]fs.DirEntry, error)         { return os.ReadDir(dir) }
func (osFiles) open(p string) (io.ReadCloser, error)              { return os.Open(p) }
func (osFiles) join(dir, name string) string                      { return filepath.Join(dir, name) }
func (osFiles) clean(p string) string                             { return filepath.Clean(p) }
func (osFiles) followsFolderLinks() bool                          { return true }

// fsFiles reads the slash-separated paths of an fs.FS.
type fsFiles struct{ fsys fs.FS }

// expand checks that each path is valid in an fs.FS and expands patterns with fs.Glob.
func (f fsFiles) expand(paths []string) ([]string, ast.Diagnostics) {
	var out []string
	var diags ast.Diagnostics
	bad := func(p, msg string) {
		diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: p}, Severity: ast.SeverityError, Code: "io", Message: msg})
	}
	for _, p := range paths {
		if !strings.ContainsAny(p, `*?[\`) {
			if !fs.ValidPath(p) {
				bad(p, "not a valid fs.FS path (slash-separated and relative, without . or .. elements; . names the whole file system)")
				continue
			}
			out = append(out, p)
			continue
		}
		matches, err := fs.Glob(f.fsys, p)
		if err != nil {
			bad(p, fmt.Sprintf("bad pattern: %v", err))
			continue
		}
		if len(matches) == 0 {
			bad(p, "no file matches the pattern")
			continue
		}
		out = append(out, matches...)
	}
	return out, diags
}

func (f fsFiles) stat(p string) (fs.FileInfo, error)        { return fs.Stat(f.fsys, p) }
func (fsFiles) realPath(p string) (string, error)           { return path.Clean(p), nil }
func (f fsFiles) readDir(dir string) ([]fs.DirEntry, error) { return fs.ReadDir(f.fsys, dir) }
func (f fsFiles) open(p string) (io.ReadCloser, error)      { return f.fsys.Open(p) }
func (fsFiles) join(dir, name string) string                { return path.Join(dir, name) }
func (fsFiles) clean(p string) string                       { return path.Clean(p) }
func (fsFiles) followsFolderLinks() bool                    { return false }
