package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
)

// buildReportVersion is the version of the --report JSON layout (buildReport); it changes when a
// field changes meaning or goes away, not when one is added.
const buildReportVersion = 1

// buildReport is the JSON document `rulec build --report FILE` writes: what was emitted, what was
// skipped and why (with positions), the generated rules a stock rule can shadow, the level-0
// exceptions left in, and analysisd's rule tree size. Positions are 1-based; files as given.
type buildReport struct {
	Version int    `json:"version"`
	Tool    string `json:"tool"`
	Target  string `json:"target"`
	// Failed is true when the run failed (a file did not load, or --strict left rules out);
	// the rules file and id map were then not written.
	Failed  bool               `json:"failed"`
	Summary buildReportSummary `json:"summary"`
	// LoadErrors are the files that did not load, with the front end's errors.
	LoadErrors []reportDiagnostic `json:"load_errors"`
	// NotRules are the YAML files found in the folders given whose content is not a Sigma rule
	// (fixtures, SigmaHQ info.yml): skipped, not failed.
	NotRules []reportNotRule  `json:"not_rules"`
	Emitted  []reportEmission `json:"emitted"`
	Skipped  []reportSkip     `json:"skipped"`
	// DroppedVariants are optional logsource variants left out of emitted rules.
	DroppedVariants []reportSkip        `json:"dropped_variants"`
	Correlations    []reportCorrelation `json:"correlations"`
	// Shadows is null when the shadowing analysis did not run (ShadowNote says why).
	Shadows    []reportShadow `json:"shadows"`
	ShadowNote string         `json:"shadow_note,omitempty"`
	// Diagnostics are the backend's warnings and notes (one per skipped rule among them).
	Diagnostics []reportDiagnostic `json:"diagnostics"`
}

type buildReportSummary struct {
	SigmaRules  int `json:"sigma_rules"`
	Emitted     int `json:"emitted"`
	Skipped     int `json:"skipped"`
	WazuhRules  int `json:"wazuh_rules"`
	FilesLoaded int `json:"files_loaded"`
	FilesFailed int `json:"files_failed"`
	// SkippedByReason counts skipped rules per reason, most frequent first.
	SkippedByReason []reportCount `json:"skipped_by_reason"`
	// ShadowedWazuhRules and ShadowedSigmaRules count the generated rules (and their Sigma
	// rules) a stock rule can take events from; ShadowsByKind the generated rules per kind.
	ShadowedWazuhRules int            `json:"shadowed_wazuh_rules"`
	ShadowedSigmaRules int            `json:"shadowed_sigma_rules"`
	ShadowsByKind      map[string]int `json:"shadows_by_kind"`
	// Exceptions counts the level-0 exception rules over all emitted rules.
	Exceptions int `json:"exceptions"`
	// CombinedGroups counts Wazuh rules whose alerts also name another Sigma rule
	// (their tests imply it), CombinedChildren the children written so that an
	// event two Sigma rules match alerts naming both.
	CombinedGroups   int `json:"combined_groups"`
	CombinedChildren int `json:"combined_children"`
	// TreeNodes and StockTreeNodes: analysisd's rule tree with the generated file and with the
	// stock rules alone (0 without --stock-rules).
	TreeNodes      int `json:"tree_nodes"`
	StockTreeNodes int `json:"stock_tree_nodes"`
}

type reportCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type reportPos struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func toReportPos(p ast.Pos) reportPos {
	return reportPos{File: filepath.ToSlash(p.File), Line: p.Line, Column: p.Col}
}

type reportDiagnostic struct {
	reportPos
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

type reportNotRule struct {
	File string `json:"file"`
	Why  string `json:"why"`
}

type reportEmission struct {
	reportPos
	Rule       string `json:"rule"`
	Title      string `json:"title"`
	Variant    string `json:"variant,omitempty"`
	Level      int    `json:"level"`
	WazuhIDs   []int  `json:"wazuh_ids"`
	AlertIDs   []int  `json:"alert_ids"`
	Parents    []int  `json:"parents"`
	Exceptions []int  `json:"exceptions"`
}

type reportSkip struct {
	reportPos
	Rule    string `json:"rule"`
	Title   string `json:"title"`
	Variant string `json:"variant,omitempty"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail,omitempty"`
}

type reportCorrelation struct {
	reportPos
	Rule       string   `json:"rule"`
	Title      string   `json:"title"`
	WazuhID    int      `json:"wazuh_id"`
	Frequency  int      `json:"frequency"`
	Timeframe  int      `json:"timeframe"`
	MatchedSID int      `json:"if_matched_sid,omitempty"`
	Groups     []string `json:"if_matched_group"`
	SameFields []string `json:"same_fields"`
}

type reportShadow struct {
	WazuhID          int    `json:"wazuh_id"`
	Rule             string `json:"rule"`
	Title            string `json:"title"`
	File             string `json:"file"`
	Variant          string `json:"variant,omitempty"`
	Parent           int    `json:"parent"`
	StockID          int    `json:"stock_id"`
	StockLevel       int    `json:"stock_level"`
	StockDescription string `json:"stock_description"`
	Kind             string `json:"kind"`
	Why              string `json:"why,omitempty"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func toReportDiags(ds ast.Diagnostics, errorsOnly bool) []reportDiagnostic {
	out := []reportDiagnostic{}
	for _, d := range ds {
		if errorsOnly && d.Severity != ast.SeverityError {
			continue
		}
		out = append(out, reportDiagnostic{toReportPos(d.Pos), d.Severity.String(), d.Code, d.Message})
	}
	return out
}

func toReportSkips(ss []wazuh.Skip) []reportSkip {
	out := []reportSkip{}
	for _, s := range ss {
		out = append(out, reportSkip{toReportPos(s.Pos), s.Rule, s.Title, s.Variant, s.Reason, s.Detail})
	}
	return out
}

// newBuildReport assembles the --report document of a build.
func newBuildReport(res *frontend.Result, out *wazuh.Result, notRules []skippedFile, shadowsRan, failed bool) *buildReport {
	r := out.Report
	rep := &buildReport{
		Version: buildReportVersion, Tool: "rulec " + rulecVersion(), Target: "wazuh", Failed: failed,
		Summary: buildReportSummary{
			SigmaRules: r.Rules, Emitted: r.Emitted, Skipped: r.Skipped, WazuhRules: r.WazuhRules,
			FilesLoaded: res.Files - len(res.FailedFiles), FilesFailed: len(res.FailedFiles),
			SkippedByReason: []reportCount{}, ShadowsByKind: map[string]int{},
			TreeNodes: r.TreeNodes, StockTreeNodes: r.StockTreeNodes,
		},
		LoadErrors:      toReportDiags(res.Diagnostics, true),
		NotRules:        []reportNotRule{},
		Emitted:         []reportEmission{},
		Skipped:         toReportSkips(r.Skips),
		DroppedVariants: toReportSkips(r.Dropped),
		Correlations:    []reportCorrelation{},
		ShadowNote:      r.ShadowNote,
		Diagnostics:     toReportDiags(out.Diagnostics, false),
	}
	rep.Summary.CombinedGroups, rep.Summary.CombinedChildren = r.CombinedGroups, r.CombinedChildren
	for _, s := range notRules {
		rep.NotRules = append(rep.NotRules, reportNotRule{File: filepath.ToSlash(s.Path), Why: s.Why})
	}
	for _, rc := range r.ByReason() {
		rep.Summary.SkippedByReason = append(rep.Summary.SkippedByReason, reportCount{rc.Reason, rc.Count})
	}
	for _, e := range r.Emissions {
		rep.Summary.Exceptions += len(e.Exceptions)
		rep.Emitted = append(rep.Emitted, reportEmission{
			reportPos: toReportPos(e.Rule.Pos), Rule: e.Rule.Ref(), Title: e.Rule.Title, Variant: e.Variant,
			Level: e.Level, WazuhIDs: nonNil(e.IDs), AlertIDs: nonNil(e.AlertIDs), Parents: nonNil(e.Parents),
			Exceptions: nonNil(e.Exceptions),
		})
	}
	for _, c := range r.Correlations {
		same := append(append([]string{}, c.SameFields...), c.SameStatic...)
		rep.Correlations = append(rep.Correlations, reportCorrelation{
			reportPos: toReportPos(c.Rule.Pos), Rule: c.Rule.Ref(), Title: c.Rule.Title, WazuhID: c.ID,
			Frequency: c.Frequency, Timeframe: c.Timeframe, MatchedSID: c.MatchedSID,
			Groups: nonNil(c.Groups), SameFields: same,
		})
	}
	if shadowsRan {
		rep.Shadows = []reportShadow{}
		byKind := map[string]map[int]bool{}
		wazuhIDs, sigma := map[int]bool{}, map[string]bool{}
		for _, s := range r.Shadows {
			rep.Shadows = append(rep.Shadows, reportShadow{
				WazuhID: s.WazuhID, Rule: s.Rule.Ref(), Title: s.Rule.Title, File: filepath.ToSlash(s.Rule.Pos.File),
				Variant: s.Variant, Parent: s.Parent, StockID: s.StockID, StockLevel: s.StockLevel,
				StockDescription: s.StockDescription, Kind: s.Kind, Why: s.Why,
			})
			if byKind[s.Kind] == nil {
				byKind[s.Kind] = map[int]bool{}
			}
			byKind[s.Kind][s.WazuhID] = true
			wazuhIDs[s.WazuhID] = true
			sigma[s.Rule.Ref()+"\x00"+s.Rule.Pos.File] = true
		}
		for k, ids := range byKind {
			rep.Summary.ShadowsByKind[k] = len(ids)
		}
		rep.Summary.ShadowedWazuhRules, rep.Summary.ShadowedSigmaRules = len(wazuhIDs), len(sigma)
	}
	return rep
}

// writeBuildReport writes the report as indented JSON to path (atomically; - is standard output).
func writeBuildReport(path string, rep *buildReport, stdout interface{ Write([]byte) (int, error) }) error {
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	data = append(data, '\n')
	if path == stdio {
		_, err = stdout.Write(data)
		return err
	}
	return writeFileAtomic(path, data)
}
