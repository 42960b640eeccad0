package engine_test

import (
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// TestDefenderSpacedNames runs SigmaHQ's Defender rules, which say SourceName
// and ProcessName, on Defender events as EVTX readers give them ("Source Name",
// "Process Name"): the filters on the spaced names must hold as the selections.
func TestDefenderSpacedNames(t *testing.T) {
	dir := shared.Path(t, "sigmahq", "rules", "windows", "builtin", "windefend")
	res := frontend.Load([]string{
		filepath.Join(dir, "win_defender_malware_detected_amsi_source.yml"),
		filepath.Join(dir, "win_defender_asr_lsass_access.yml"),
	}, frontend.Options{})
	rules := res.Detections()
	if len(rules) != 2 {
		t.Fatalf("%d rules loaded: %v", len(rules), res.Diagnostics)
	}
	rs, diags := engine.NewRuleset(rules, engine.Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	defender := func(id int, kv ...string) engine.Event {
		f := map[string]engine.Value{
			"Channel": {Kind: engine.KindString, S: "Microsoft-Windows-Windows Defender/Operational"},
			"EventID": {Kind: engine.KindNumber, S: engine.FromAny(id).S, N: float64(id)},
		}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i]] = engine.Value{Kind: engine.KindString, S: kv[i+1]}
		}
		ev := engine.NewFlatEvent(f)
		ev.Source = engine.Source{Product: "windows"}
		return ev
	}
	tests := []struct {
		name string
		ev   engine.Event
		want []string // titles
	}{
		{"AMSI detection, Source Name", defender(1116, "Source Name", "AMSI", "Threat Name", "Trojan:PowerShell/x"), []string{"Windows Defender AMSI Trigger Detected"}},
		{"real-time protection detection", defender(1116, "Source Name", "Real-Time Protection"), nil},
		{"ASR lsass access by an unknown process", defender(1121, "Path", `C:\Windows\System32\lsass.exe`, "Process Name", `C:\Users\x\dump.exe`),
			[]string{"LSASS Access Detected via Attack Surface Reduction"}},
		{"ASR lsass access by svchost: filtered on Process Name", defender(1121, "Path", `C:\Windows\System32\lsass.exe`, "Process Name", `C:\Windows\System32\svchost.exe`), nil},
		{"ASR lsass access by a Program Files process: filtered", defender(1121, "Path", `C:\Windows\System32\lsass.exe`, "Process Name", `C:\Program Files\x\y.exe`), nil},
	}
	e := rs.NewEvaluator()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, i := range e.Match(tt.ev) {
				got = append(got, rs.Rule(i).Title)
			}
			if len(got) != len(tt.want) || (len(got) > 0 && got[0] != tt.want[0]) {
				t.Errorf("matches %q, want %q", got, tt.want)
			}
		})
	}
}
