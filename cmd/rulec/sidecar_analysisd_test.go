package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/internal/analysisd"
)

// TestSidecarAnalysisd runs the sidecar deployment end to end on the real
// wazuh-analysisd (../shared/wazuh; skipped, saying why, when it cannot run):
// rulec scan --follow turns archives.json events into alert lines, rulec
// build --sidecar writes the rules, `wazuh-analysisd -t` accepts them, and the
// alert line fed as the <localfile> sends it raises the Sigma rule's Wazuh
// rule with its level, MITRE id and groups; an unknown Sigma id raises the
// catch-all, another integration's JSON nothing of ours.
func TestSidecarAnalysisd(t *testing.T) {
	e := analysisd.Find(t)
	dir := t.TempDir()
	alerts := filepath.Join(dir, "alerts.json")
	code, _, stderr := cliRun(t, "", "scan", "--rules", "../../corpus/rules/windows", "--follow", "--from-start",
		"--follow-idle", "500ms", "--follow-poll", "20ms", "-o", alerts, "../../engine/logs/testdata/wazuh/archives.json")
	if code != 0 {
		t.Fatalf("scan --follow: exit %d\n%s", code, stderr)
	}
	lines, _ := os.ReadFile(alerts)
	alertLine := strings.SplitN(string(lines), "\n", 2)[0]
	if !strings.Contains(alertLine, `"rule_id":"0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01"`) {
		t.Fatalf("no whoami alert line: %s", lines)
	}
	sidecar := filepath.Join(dir, "sidecar.xml")
	if code, _, stderr := cliRun(t, "", "build", "--sidecar", "--stock-rules", "none", "-o", sidecar, "../../corpus/rules"); code != 0 {
		t.Fatalf("build --sidecar: exit %d\n%s", code, stderr)
	}
	xml, err := os.ReadFile(sidecar)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<rule id="(\d+)" level="(\d+)">\s*<if_sid>\d+</if_sid>\s*<field name="rule_id" type="pcre2">\^0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01\\z</field>`).FindSubmatch(xml)
	if m == nil {
		t.Fatalf("no sidecar rule for the whoami rule:\n%s", xml)
	}
	wantID, _ := strconv.Atoi(string(m[1]))
	prof, _ := wazuh.DefaultProfile()
	if lvl, _ := strconv.Atoi(string(m[2])); lvl != prof.Level("medium") {
		t.Errorf("level %d, want %d (medium)", lvl, prof.Level("medium"))
	}
	if out, err := e.ConfigTest(xml); err != nil {
		t.Fatalf("wazuh-analysisd -t refused the sidecar rules: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	unknown := strings.Replace(alertLine, "0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01", "ffffffff-0000-4000-8000-000000000000", 1)
	other := `{"integration":"virustotal-like","rule_id":"0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01"}`
	res, err := e.Run([]analysisd.Event{
		{Line: alertLine, Location: sidecarAlertsPath},
		{Line: unknown, Location: sidecarAlertsPath},
		{Line: other, Location: sidecarAlertsPath},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := res[0].Final()
	if a == nil || a.RuleID != wantID || a.Level != prof.Level("medium") || !a.HasGroup("sigma_id_0b7e2a1c-6f41-4a51-9c1e-3d1f1e6a9b01") ||
		!a.HasGroup("attack.t1033") || !a.HasGroup("rulec") {
		t.Fatalf("alert line raised %+v, want rule %d", a, wantID)
	}
	var raw struct {
		Rule struct {
			Mitre struct {
				ID []string `json:"id"`
			} `json:"mitre"`
		} `json:"rule"`
		Data map[string]any `json:"data"`
	}
	json.Unmarshal(a.Raw, &raw)
	// The rule says its MITRE technique (accepted by -t); the alert's mitre
	// block comes from wazuh-db's MITRE database, which the stand-in lacks.
	if !regexp.MustCompile(`(?s)<rule id="`+strconv.Itoa(wantID)+`".*?<mitre>\s*<id>T1033</id>`).Match(xml) ||
		(raw.Rule.Mitre.ID != nil && strings.Join(raw.Rule.Mitre.ID, ",") != "T1033") || raw.Data["title"] != "Whoami Execution" {
		t.Errorf("alert: %s", a.Raw)
	}
	catch := regexp.MustCompile(`<rule id="(\d+)" level="\d+">\s*<if_sid>\d+</if_sid>\s*<description>rulec: alert of a Sigma rule this rule set does not know`).FindSubmatch(xml)
	if u := res[1].Final(); catch == nil || u == nil || strconv.Itoa(u.RuleID) != string(catch[1]) || !strings.Contains(u.Description, "Whoami Execution") {
		t.Errorf("unknown id raised %+v", u)
	}
	if o := res[2].Final(); o != nil && o.HasGroup("rulec") {
		t.Errorf("another integration's line raised %+v", o)
	}
	t.Logf("alert line -> rule %d level %d groups %v", a.RuleID, a.Level, a.Groups)
}
