package logs

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// WalkResult is what ExpandPaths found under the paths it was given.
type WalkResult struct {
	// Files are the log files to read: named files as given, and the regular
	// files under named folders (recursively, in lexical order of their paths).
	Files []string
	// Notes name what was skipped in folders: files that are not regular
	// (FIFOs, sockets, devices) and folders reached again through a link.
	Notes []string
	// Errors are folders that could not be read (their readable part is kept).
	Errors []error
}

// ExpandPaths replaces each folder among paths by the regular files under it,
// recursively and in a deterministic (lexical) order, following symbolic links
// (a folder reached again, as through a link cycle, is read once). Other paths
// (files, "-") are kept as given, for the reader to accept or refuse.
func ExpandPaths(paths []string) WalkResult {
	var res WalkResult
	var seen []os.FileInfo
	var walk func(dir string)
	walk = func(dir string) {
		st, err := os.Stat(dir)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("read log folder: %w", err))
			return
		}
		for _, s := range seen {
			if os.SameFile(s, st) {
				res.Notes = append(res.Notes, fmt.Sprintf("%s: folder already read (a symbolic link cycle or a second link); skipped", dir))
				return
			}
		}
		seen = append(seen, st)
		entries, err := os.ReadDir(dir)
		if err != nil {
			res.Errors = append(res.Errors, fmt.Errorf("read log folder: %w", err))
		}
		sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			mode := e.Type()
			if mode&fs.ModeSymlink != 0 {
				st, err := os.Stat(p)
				if err != nil {
					res.Notes = append(res.Notes, fmt.Sprintf("%s: broken symbolic link; skipped", p))
					continue
				}
				mode = st.Mode().Type()
			}
			switch {
			case mode.IsDir():
				walk(p)
			case mode.IsRegular():
				res.Files = append(res.Files, p)
			default:
				res.Notes = append(res.Notes, fmt.Sprintf("%s: not a regular file (%v); skipped", p, mode))
			}
		}
	}
	for _, p := range paths {
		if st, err := os.Stat(p); p != "-" && err == nil && st.IsDir() {
			walk(p)
			continue
		}
		res.Files = append(res.Files, p)
	}
	return res
}
