package analysisd_test

import (
	"strings"
	"testing"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/internal/analysisd"
)

const evtxJSON = `{"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
 "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
  "EventID": 1, "Level": 4, "Keywords": "0x8000000000000000", "Correlation": null,
  "Execution": {"#attributes": {"ProcessID": 3320, "ThreadID": 4216}},
  "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc1"},
 "EventData": {"Image": "C:\\Windows\\System32\\chcp.com", "CommandLine": "chcp & echo <x> 'y'", "Signed": true}}}
{"Event": {"System": {"EventID": 7045, "Channel": "System"}, "EventData": {"Data": ["a", "b"]}}}`

func TestEVTXJSONEvents(t *testing.T) {
	got, err := analysisd.EVTXJSONEvents([]byte(evtxJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>" +
			"<Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>" +
			"<EventID>1</EventID><Level>4</Level><Keywords>0x8000000000000000</Keywords><Correlation/>" +
			"<Execution ProcessID='3320' ThreadID='4216'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>" +
			"<Computer>pc1</Computer></System><EventData><Data Name='Image'>C:\\Windows\\System32\\chcp.com</Data>" +
			"<Data Name='CommandLine'>chcp &amp; echo &lt;x&gt; 'y'</Data><Data Name='Signed'>true</Data></EventData></Event>",
		"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>7045</EventID>" +
			"<Channel>System</Channel></System><EventData><Data>a</Data><Data>b</Data></EventData></Event>",
	}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("event %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
	m := map[string]any{"Event": map[string]any{
		"EventData": map[string]any{"B": "2", "A": "1"},
		"System":    map[string]any{"Channel": "Security", "EventID": 4688, "Provider": map[string]any{"#attributes": map[string]any{"Name": "P"}}},
	}}
	x, err := analysisd.EVTXJSONToXML(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := "<Event xmlns='" + analysisd.EventNS + "'><System><Provider Name='P'/><EventID>4688</EventID><Channel>Security</Channel>" +
		"</System><EventData><Data Name='A'>1</Data><Data Name='B'>2</Data></EventData></Event>"; x != want {
		t.Errorf("from a map:\n got %s\nwant %s", x, want)
	}
}

func TestWindowsEventXML(t *testing.T) {
	s := func(v string) engine.Value { return engine.Value{Kind: engine.KindString, S: v} }
	ev := engine.NewFlatEvent(map[string]engine.Value{
		"EventID": {Kind: engine.KindNumber, S: "1", N: 1}, "Channel": s("Microsoft-Windows-Sysmon/Operational"),
		"Provider_Name": s("Microsoft-Windows-Sysmon"), "Provider_Guid": s("5770385F-C22A-43E0-BF4C-06F5698FFBD9"),
		"Level": {Kind: engine.KindNumber, S: "4", N: 4}, "Keywords": s("0x8000000000000000"), "Computer": s("pc1"),
		"TimeCreated_SystemTime": s("2025-01-01T00:00:00Z"), "Security_UserID": s("S-1-5-18"),
		"Image": s(`C:\x.exe`), "CommandLine": s(`x "a" & b`),
	})
	x, err := analysisd.WindowsEventXML(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := "<Event xmlns='" + analysisd.EventNS + "'><System><Provider Name='Microsoft-Windows-Sysmon' Guid='{5770385f-c22a-43e0-bf4c-06f5698ffbd9}'/>" +
		"<EventID>1</EventID><Level>4</Level><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime='2025-01-01T00:00:00Z'/>" +
		"<Correlation/><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>pc1</Computer><Security/></System>" +
		"<EventData><Data Name='CommandLine'>x \"a\" &amp; b</Data><Data Name='Image'>C:\\x.exe</Data></EventData></Event>"
	if x != want {
		t.Errorf("\n got %s\nwant %s", x, want)
	}
	if _, err := analysisd.WindowsEventXML(engine.NewFlatEvent(map[string]engine.Value{"a": s("b")})); err == nil {
		t.Error("an event without EventID was rendered")
	}
}

func TestAgentFormat(t *testing.T) {
	if got := analysisd.AgentFormat("a\r\n\tb:\tc\td"); got != "a   b: c\td" {
		t.Errorf("%q", got)
	}
	if strings.Contains(analysisd.AgentFormat("x\ny"), "\n") {
		t.Error("newline kept")
	}
}
