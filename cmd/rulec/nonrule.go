package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// ruleKeys are the top-level keys that make a YAML document a Sigma rule, correlation, filter or
// collection document (a rule missing its detection is still a rule: lint reports it).
var ruleKeys = map[string]bool{
	"detection": true, "correlation": true, "filter": true, "action": true,
	"title": true, "logsource": true,
}

// nonRuleKind says, from its content, why a YAML file is not a Sigma rule file: "" when it is
// one (or may be: unreadable, oversized, not a block mapping, broken YAML is left to the front
// end to report). It reads only the top-level keys (lines that start a key in column 0).
func nonRuleKind(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4<<20+1))
	if err != nil || len(data) > 4<<20 || bytes.IndexByte(data, 0) >= 0 {
		return ""
	}
	return nonRuleContent(data)
}

// nonRuleContent is nonRuleKind on a file's content.
func nonRuleContent(data []byte) string {
	keys := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20+1)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '-' || line[0] == '.' {
			continue // indented content, comments, list items, document markers (--- and ...)
		}
		k, _, ok := strings.Cut(line, ":")
		if !ok || line[0] == '{' || line[0] == '[' || line[0] == '?' || line[0] == '!' || line[0] == '&' || line[0] == '*' || line[0] == '|' || line[0] == '>' {
			return "" // a top-level scalar or flow collection: not a shape we can judge
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		keys[k] = true
	}
	if sc.Err() != nil || len(keys) == 0 {
		return ""
	}
	for k := range keys {
		if ruleKeys[k] {
			return ""
		}
	}
	switch {
	case keys["tests"]:
		return "a rulec fixture file (top-level tests:; run it with rulec test)"
	case keys["regression_tests_info"]:
		return "a SigmaHQ regression test description (regression_tests_info:)"
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) > 4 {
		names = append(names[:4], "...")
	}
	return "YAML without detection, correlation, filter, title or logsource (keys: " + strings.Join(names, ", ") + ")"
}

// skippedFile is a YAML file left out of a run because it is not a Sigma rule.
type skippedFile struct {
	Path, Why string
	Explicit  bool // named on the command line, not found in a folder
}

// splitRuleFiles expands paths as the front end does (folders recursively, .yml/.yaml, no
// dot-files or dot-folders; paths that do not exist are kept for the front end to report) and
// sets aside the YAML files whose content is not a Sigma rule.
func splitRuleFiles(paths []string) (rules []string, skipped []skippedFile) {
	seen := map[string]bool{}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			rules = append(rules, root)
			continue
		}
		if !st.IsDir() {
			if seen[filepath.Clean(root)] {
				continue
			}
			seen[filepath.Clean(root)] = true
			if why := nonRuleKind(root); why != "" {
				skipped = append(skipped, skippedFile{root, why, true})
			} else {
				rules = append(rules, root)
			}
			continue
		}
		var found []string
		walkErr := filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if de.IsDir() {
				if p != root && strings.HasPrefix(de.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			ext := strings.ToLower(filepath.Ext(de.Name()))
			if de.Type().IsRegular() && (ext == ".yml" || ext == ".yaml") && !strings.HasPrefix(de.Name(), ".") {
				found = append(found, p)
			}
			return nil
		})
		if walkErr != nil {
			rules = append(rules, root) // let the front end report it
			continue
		}
		sort.Strings(found)
		if len(found) == 0 {
			rules = append(rules, root) // an empty folder loads nothing, as before
		}
		for _, p := range found {
			if seen[filepath.Clean(p)] {
				continue
			}
			seen[filepath.Clean(p)] = true
			if why := nonRuleKind(p); why != "" {
				skipped = append(skipped, skippedFile{p, why, false})
			} else {
				rules = append(rules, p)
			}
		}
	}
	return rules, skipped
}

// reportSkipped prints, on w, a note for each file named on the command line that was skipped,
// and for the files found in folders one count (each with verbose).
func reportSkipped(w io.Writer, cmd string, skipped []skippedFile, verbose bool) {
	inFolders := 0
	for _, s := range skipped {
		if s.Explicit || verbose {
			fmt.Fprintf(w, "%s: note: not a Sigma rule, skipped: %s\n", s.Path, s.Why)
		}
		if !s.Explicit {
			inFolders++
		}
	}
	if inFolders > 0 && !verbose {
		fmt.Fprintf(w, "rulec %s: %d YAML files in the folders given are not Sigma rules (fixtures, regression test descriptions...) and were skipped; -v lists them\n", cmd, inFolders)
	}
}

// setAsideNonRules takes out of res the files that failed to load because their content is not a
// Sigma rule (a fixture, a SigmaHQ info.yml) and were found in a folder given on the command line:
// their diagnostics go, they no longer count as failed or read, and they are returned (reportSkipped
// prints them). A file named on the command line stays an error: its diagnostics about a rule without
// detection or title become one not-a-rule error that says what the file is.
func setAsideNonRules(res *frontend.Result, cmd string, paths []string) []skippedFile {
	named := map[string]bool{}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			named[filepath.Clean(p)] = true
		}
	}
	why := map[string]string{}
	var skipped []skippedFile
	failed := res.FailedFiles[:0]
	for _, f := range res.FailedFiles {
		w := nonRuleKind(f)
		switch {
		case w == "":
			failed = append(failed, f)
		case named[filepath.Clean(f)]:
			why[f] = w
			failed = append(failed, f)
		default:
			why[f] = ""
			skipped = append(skipped, skippedFile{Path: f, Why: w})
		}
	}
	res.FailedFiles = failed
	res.Files -= len(skipped)
	if len(why) == 0 {
		return nil
	}
	kept := res.Diagnostics[:0]
	done := map[string]bool{}
	for _, d := range res.Diagnostics {
		w, ok := why[d.Pos.File]
		if !ok {
			kept = append(kept, d)
			continue
		}
		if w == "" || done[d.Pos.File] {
			continue
		}
		done[d.Pos.File] = true
		kept = append(kept, ast.Diagnostic{Pos: ast.Pos{File: d.Pos.File}, Severity: ast.SeverityError, Code: "not-a-rule",
			Message: fmt.Sprintf("not a Sigma rule: %s; rulec %s reads rules only (found in a folder, such a file is skipped)", w, cmd)})
	}
	res.Diagnostics = kept
	return skipped
}
