package main

import (
	"fmt"
	"io"

	"github.com/rulec/rulec/engine/logs"
)

// expandLogPaths replaces the folders among the log paths by the log files
// under them (recursively, in lexical order); skipped entries are noted on
// stderr, unreadable folders reported. It returns the files and the count of
// folders that failed.
func expandLogPaths(paths []string, stderr io.Writer) ([]string, int) {
	res := logs.ExpandPaths(paths)
	for _, n := range res.Notes {
		fmt.Fprintf(stderr, "note: %s\n", n)
	}
	for _, err := range res.Errors {
		fmt.Fprintf(stderr, "error: %v\n", err)
	}
	return res.Files, len(res.Errors)
}
