package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

// TestTestTargetWazuh runs a SigmaHQ regression case through the generated
// Wazuh rules under the stock ruleset (rulec test --target wazuh).
func TestTestTargetWazuh(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	rule := filepath.Join(shared.Path(t, "sigmahq", "rules"), "windows", "process_creation", "proc_creation_win_wmic_process_creation.yml")
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "--target", "wazuh", "--stock-rules", stock, "-v", rule}, &out, &errOut)
	if code != 0 || !strings.HasSuffix(out.String(), "1 passed, 0 failed\n") {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
	// A rule the backend cannot express fails with the backend's reason.
	out.Reset()
	code = run([]string{"rulec", "test", "--target", "wazuh", "--stock-rules", stock, "../../corpus/rules/windows/net_connection_win_internal_smb.yml", "../../corpus/tests/windows.yml"}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "not converted for Wazuh: numeric comparison") {
		t.Errorf("exit %d: %s", code, out.String())
	}
	// --target wazuh needs the stock rules.
	if code := run([]string{"rulec", "test", "--target", "wazuh", rule}, &out, &errOut); code != 2 {
		t.Errorf("without --stock-rules: exit %d", code)
	}
}

// TestTestTargetWazuhStrict: a case passes only when the event's one alert
// names the rule under test; when a higher-level rule that also matches takes
// the event (and the build cannot prove the overlap, so the alert does not
// name both), the failure names it.
func TestTestTargetWazuhStrict(t *testing.T) {
	stock := shared.Path(t, "reference", "wazuh-ruleset", "rules")
	dir := t.TempDir()
	rules := `title: Certutil Run
id: 00000000-0000-4000-8000-0000000000b1
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|contains: ' -f '
    condition: selection
level: medium
---
title: Certutil Download
id: 00000000-0000-4000-8000-0000000000b2
logsource: {product: windows, category: process_creation}
detection:
    selection:
        Image|endswith: '\certutil.exe'
        CommandLine|contains: 'urlcache'
    condition: selection
level: high
`
	fixtures := `tests:
  - rule: 00000000-0000-4000-8000-0000000000b1
    name: certutil without download
    match:
      - {Channel: Microsoft-Windows-Sysmon/Operational, Provider_Name: Microsoft-Windows-Sysmon, EventID: 1, Level: 4, Keywords: '0x8000000000000000', Computer: pc1, Image: 'C:\Windows\System32\certutil.exe', CommandLine: 'certutil -dump -f a'}
  - rule: 00000000-0000-4000-8000-0000000000b1
    name: certutil download (taken by the high rule)
    match:
      - {Channel: Microsoft-Windows-Sysmon/Operational, Provider_Name: Microsoft-Windows-Sysmon, EventID: 1, Level: 4, Keywords: '0x8000000000000000', Computer: pc1, Image: 'C:\Windows\System32\certutil.exe', CommandLine: 'certutil -urlcache -f http://x/a a'}
`
	rp, fp := filepath.Join(dir, "rules.yml"), filepath.Join(dir, "tests.yml")
	if err := os.WriteFile(rp, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fp, []byte(fixtures), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"rulec", "test", "--target", "wazuh", "--stock-rules", stock, rp, fp}, &out, &errOut)
	if code != 1 || !strings.HasSuffix(out.String(), "1 passed, 1 failed\n") ||
		!strings.Contains(out.String(), `of Sigma rule "Certutil Download", tried first (one alert per event); the Sigma interpreter matches the rule on this event`) {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errOut.String())
	}
}
