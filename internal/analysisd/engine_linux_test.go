//go:build linux

package analysisd_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/internal/analysisd"
	"github.com/rulec/rulec/internal/shared"
)

// TestRenderMatchesOracleClient renders the archive's sample and SigmaHQ's
// EVTX-as-JSON regression events and compares them with oracle_client.py's
// evtx_json_to_wire + win_format_event_string.
func TestRenderMatchesOracleClient(t *testing.T) {
	e := analysisd.Find(t)
	files := []string{filepath.Join(e.Dir, "samples", "sysmon_eid1_chcp.json")}
	if root := shared.Root(); root != "" {
		filepath.WalkDir(filepath.Join(root, "sigmahq", "regression_data"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
				files = append(files, p)
			}
			return nil
		})
	}
	script := `import sys, json
sys.path.insert(0, sys.argv[1])
import oracle_client as oc
for p in sys.argv[2:]:
    for v in oc.load_json_values(open(p, encoding="utf-8").read()):
        print(oc.win_format_event_string(oc.evtx_json_to_wire(v)["Event"]))
`
	out, err := exec.Command(e.Python, append([]string{"-c", script, e.Dir}, files...)...).Output()
	if err != nil {
		t.Fatalf("oracle_client.py: %v", err)
	}
	want := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	var got []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		xs, err := analysisd.EVTXJSONEvents(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, x := range xs {
			got = append(got, analysisd.AgentFormat(x))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d events rendered, oracle_client.py rendered %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("event %d differs:\n go: %s\n py: %s", i, got[i], want[i])
		}
	}
	t.Logf("%d events from %d files rendered as oracle_client.py renders them", len(got), len(files))
}

// TestEngine checks the engine end to end, as the archive's smoke_test.sh: -t
// accepts the stock rules and refuses a bad regex; the sample event raises a
// stock rule; a custom rule below 61603 fires instead after a reload; a
// level-0 child silences it; a syslog line and an engine/logs event go through.
func TestEngine(t *testing.T) {
	e := analysisd.Find(t)
	stock, err := e.StockLocalRules()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e.ConfigTest(stock); err != nil {
		t.Fatalf("-t on the stock rules: %v\n%s", err, out)
	}
	t.Logf("-t with the stock rules: %v", e.ConfigTestDuration)
	bad := `<group name="t,"><rule id="100010" level="5"><if_sid>61603</if_sid>` +
		`<field name="win.eventdata.image" type="pcre2">(?i</field><description>bad</description></rule></group>`
	if _, err := e.ConfigTest([]byte(bad)); err == nil {
		t.Error("-t accepted an invalid PCRE2 pattern")
	} else {
		t.Logf("-t refuses a bad pattern: %v", err)
	}
	if err := e.WriteRules(stock); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %v", e.StartDuration)
	data, err := os.ReadFile(filepath.Join(e.Dir, "samples", "sysmon_eid1_chcp.json"))
	if err != nil {
		t.Fatal(err)
	}
	xs, err := analysisd.EVTXJSONEvents(data)
	if err != nil || len(xs) != 1 {
		t.Fatalf("sample: %v (%d events)", err, len(xs))
	}
	ev := analysisd.Event{XML: xs[0]}
	line := analysisd.Event{Line: "Dec 10 01:02:02 host sshd[1234]: Failed none for root from 1.1.1.1 port 1066 ssh2", Location: "/var/log/auth.log"}
	res, err := e.Run([]analysisd.Event{ev, line, ev})
	if err != nil {
		t.Fatal(err)
	}
	if a := res[0].Final(); a == nil || a.RuleID >= 100000 || a.Level == 0 {
		t.Errorf("sample event: %+v, want a stock alert", res[0])
	} else {
		t.Logf("sample event: rule %d level %d %q", a.RuleID, a.Level, a.Description)
		if !strings.Contains(a.FullLog, `"win":{"system":`) && !strings.Contains(string(a.Raw), `"win":{"system":`) {
			t.Errorf("alert without the decoded event: %s", a.Raw)
		}
	}
	if got := res[1].RuleID(); got != 100001 {
		t.Errorf("sshd line: rule %d, want the stock local rule 100001 (%+v)", got, res[1])
	}
	if res[2].RuleID() != res[0].RuleID() {
		t.Errorf("same event twice: %d then %d", res[0].RuleID(), res[2].RuleID())
	}

	chcp := `<rule id="100010" level="12"><if_sid>61603</if_sid>` +
		`<field name="win.eventdata.image" type="pcre2">(?i)\\\\chcp\.com$</field><description>chcp</description>` +
		`<group>sigma_id_x,</group></rule>`
	custom := `<group name="t,">` + chcp + `</group>`
	silence := `<group name="t,">` + chcp + `<rule id="100011" level="0"><if_sid>100010</if_sid>` +
		`<field name="win.system.computer">\.+</field><description>quiet</description></rule></group>`
	if err := e.WriteRules([]byte(custom)); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	t.Logf("reloaded in %v", e.ReloadDuration)
	res, err = e.Run([]analysisd.Event{ev})
	if err != nil {
		t.Fatal(err)
	}
	if a := res[0].Final(); a == nil || a.RuleID != 100010 || !a.HasGroup("sigma_id_x") {
		t.Errorf("after reload: %+v, want rule 100010", res[0])
	}
	if err := e.WriteRules([]byte(silence)); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if res, err = e.Run([]analysisd.Event{ev}); err != nil {
		t.Fatal(err)
	} else if len(res[0].Alerts) != 0 {
		t.Errorf("a level-0 child should silence the event: %+v", res[0])
	}
	if err := e.WriteRules([]byte(bad)); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err == nil {
		t.Error("a reload with a bad pattern was accepted")
	}

	// An engine/logs Windows event, rendered from its flat view.
	recs, _, err := logs.ReadAll(filepath.Join(e.Dir, "samples", "sysmon_eid1_chcp.json"), logs.FormatAuto)
	if err != nil || len(recs) != 1 {
		t.Fatalf("engine/logs: %v (%d records)", err, len(recs))
	}
	x, err := analysisd.WindowsEventXML(recs[0].Event)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.WriteRules([]byte(custom)); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	res, err = e.Run([]analysisd.Event{{XML: x}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].RuleID() != 100010 {
		t.Errorf("the engine/logs event rendered as %s\nends on %+v, want rule 100010", x, res[0])
	}
}
