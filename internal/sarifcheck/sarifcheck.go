// Package sarifcheck is a test helper: it validates SARIF reports against the
// official SARIF 2.1.0 schema (read from ../shared, so tests skip, saying so,
// when it is absent) and against what GitHub code scanning requires.
package sarifcheck

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rulec/rulec/internal/shared"
)

const schemaURL = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// ValidateSARIF checks a SARIF log against the official 2.1.0 JSON schema (read from
// ../shared/reference/sarif; the test is skipped, saying so, when it is absent) and
// against what GitHub code scanning requires beyond the schema.
func ValidateSARIF(tb testing.TB, data []byte) {
	tb.Helper()
	checkGitHub(tb, data)
	path := shared.Path(tb, "reference", "sarif", "sarif-schema-2.1.0.json")
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("opening the SARIF schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		tb.Fatalf("reading the SARIF schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		tb.Fatalf("adding the SARIF schema: %v", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		tb.Fatalf("compiling the SARIF schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("SARIF report is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		tb.Fatalf("SARIF report does not validate against the 2.1.0 schema: %v", err)
	}
}

// checkGitHub asserts what GitHub code scanning needs: a driver name and rules, and
// for each result a rule id present in the rules, a message, a location with a relative
// artifact URI and a 1-based region, and partial fingerprints.
func checkGitHub(tb testing.TB, data []byte) {
	tb.Helper()
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
						Help    struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		tb.Fatalf("SARIF report is not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 {
		tb.Fatalf("want one SARIF 2.1.0 run, got version %q and %d runs", log.Version, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name == "" {
		tb.Errorf("SARIF driver has no name")
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.HelpURI == "" || r.Help.Text == "" {
			tb.Errorf("SARIF rule %q lacks an id, helpUri or help text", r.ID)
		}
	}
	for i, res := range run.Results {
		switch {
		case res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID:
			tb.Errorf("result %d: ruleIndex %d does not point at rule %q", i, res.RuleIndex, res.RuleID)
		case res.Message.Text == "":
			tb.Errorf("result %d has no message", i)
		case len(res.Locations) == 0:
			tb.Errorf("result %d has no location", i)
		case len(res.PartialFingerprints) == 0:
			tb.Errorf("result %d has no partial fingerprints", i)
		}
		for _, l := range res.Locations {
			uri := l.PhysicalLocation.ArtifactLocation.URI
			if uri == "" || strings.HasPrefix(uri, "/") || strings.Contains(uri, "://") || strings.HasPrefix(uri, "..") {
				tb.Errorf("result %d: artifact URI %q is not relative to the repository root", i, uri)
			}
			if reg := l.PhysicalLocation.Region; reg != nil && (reg.StartLine < 1 || reg.StartColumn < 0) {
				tb.Errorf("result %d: bad region %+v", i, *reg)
			}
		}
	}
}
