package lint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/rulec/rulec/ast"
)

// SARIFOptions configures the SARIF report.
type SARIFOptions struct {
	// ToolVersion is the rulec version.
	ToolVersion string
	// RootURI, when set, is written as the %SRCROOT% base of the relative artifact URIs
	// (e.g. file:///home/me/rules/). Leave it empty for reproducible output.
	RootURI string
}

// FingerprintKey names rulec's entry in partialFingerprints.
const FingerprintKey = "rulecFinding/v1"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult               `json:"results"`
	ColumnKind         string                      `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifRuleConf  `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifRuleConf struct {
	Level string `json:"level"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifLocation struct {
	ID               *int           `json:"id,omitempty"`
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	Message          *sarifText     `json:"message,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifName turns a check id into the PascalCase name SARIF recommends.
func sarifName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// WriteSARIF writes the report as a SARIF 2.1.0 log that GitHub code scanning accepts:
// one rule per check that ran (with its help text and anchor), one result per finding
// with its location relative to the report root, stable partial fingerprints, and
// suppressed findings marked as suppressed in source.
func (r *Report) WriteSARIF(w io.Writer, opts SARIFOptions) error {
	driver := sarifDriver{Name: "rulec", InformationURI: "https://github.com/rulec/rulec", Version: opts.ToolVersion, Rules: []sarifRule{}}
	index := map[string]int{}
	for i, c := range r.Checks {
		index[c.ID] = i
		props := map[string]any{"tags": []string{string(c.Category)}}
		if c.Target != "" {
			props["tags"] = []string{string(c.Category), "target:" + c.Target}
		}
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   c.ID,
			Name:                 sarifName(c.ID),
			ShortDescription:     sarifText{Text: c.Summary},
			FullDescription:      sarifText{Text: c.Doc},
			Help:                 sarifText{Text: c.Doc + "\n\nSee " + c.HelpURI(), Markdown: fmt.Sprintf("**%s**: %s\n\n%s\n\n[Documentation](%s)", c.ID, c.Summary, c.Doc, c.HelpURI())},
			HelpURI:              c.HelpURI(),
			DefaultConfiguration: sarifRuleConf{Level: c.Severity.String()},
			Properties:           props,
		})
	}
	base := ""
	run := sarifRun{Tool: sarifTool{Driver: driver}, Results: []sarifResult{}, ColumnKind: "unicodeCodePoints"}
	if opts.RootURI != "" {
		base = "%SRCROOT%"
		run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{base: {URI: opts.RootURI}}
	}
	location := func(p ast.Pos) sarifLocation {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLoc{URI: uriPath(r.RelPath(p.File)), URIBaseID: base}}}
		if p.Line > 0 {
			loc.PhysicalLocation.Region = &sarifRegion{StartLine: p.Line, StartColumn: p.Col}
		}
		return loc
	}
	seen := map[string]int{}
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:              f.Check,
			RuleIndex:           index[f.Check],
			Level:               f.Severity.String(),
			Message:             sarifText{Text: f.Message},
			Locations:           []sarifLocation{location(f.Pos)},
			PartialFingerprints: map[string]string{FingerprintKey: r.fingerprint(f, seen)},
		}
		for i, rp := range f.Related {
			loc := location(rp)
			id := i + 1
			loc.ID = &id
			res.RelatedLocations = append(res.RelatedLocations, loc)
		}
		if f.Suppressed {
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: "rulec:disable comment"}}
		}
		run.Results = append(run.Results, res)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("writing SARIF report: %w", err)
	}
	return nil
}

// fingerprint identifies a finding independently of its line and column, so that it
// survives edits elsewhere in the file: check, relative path, rule, message (or key),
// and a counter that separates identical findings in the same file.
func (r *Report) fingerprint(f Finding, seen map[string]int) string {
	key := f.Key
	if key == "" {
		key = f.Message
	}
	base := strings.Join([]string{f.Check, r.RelPath(f.Pos.File), f.Rule, key}, "\x00")
	n := seen[base]
	seen[base] = n + 1
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", base, n)))
	return hex.EncodeToString(sum[:16])
}

// uriPath escapes a slash path for a URI reference, keeping the slashes.
func uriPath(p string) string {
	parts := strings.Split(filepath.ToSlash(p), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
