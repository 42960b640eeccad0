package wazuh_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// evtxCase is one EVTX regression case of SigmaHQ's regression_data whose
// rule is loaded.
type evtxCase struct {
	rule *ast.Rule
	// evtx is the capture's path (it may be absent: only half the cases are shared).
	evtx string
	// matchCount is the case's match_count, nil when it gives none.
	matchCount *int
}

type regressionInfo struct {
	RuleMetadata []struct {
		ID string `yaml:"id"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Type       string `yaml:"type"`
		Path       string `yaml:"path"`
		MatchCount *int   `yaml:"match_count"`
	} `yaml:"regression_tests_info"`
}

// evtxCases reads every info.yml under root (a regression_data folder) in
// path order and returns its EVTX cases whose rule id is in byID. A case's
// path is relative to root's parent; when no file is there, the capture next
// to info.yml of the same name is taken.
func evtxCases(t *testing.T, root string, byID map[string]*ast.Rule) []evtxCase {
	t.Helper()
	var infos []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return nil
	})
	sort.Strings(infos)
	var out []evtxCase
	for _, p := range infos {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var info regressionInfo
		if err := yaml.Unmarshal(data, &info); err != nil || len(info.RuleMetadata) == 0 {
			continue
		}
		r := byID[info.RuleMetadata[0].ID]
		if r == nil {
			continue
		}
		for _, tc := range info.Tests {
			if tc.Type != "evtx" {
				continue
			}
			evtx := filepath.Join(filepath.Dir(root), filepath.FromSlash(tc.Path))
			if _, err := os.Stat(evtx); err != nil {
				evtx = filepath.Join(filepath.Dir(p), filepath.Base(tc.Path))
			}
			out = append(out, evtxCase{rule: r, evtx: evtx, matchCount: tc.MatchCount})
		}
	}
	return out
}
