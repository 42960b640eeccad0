package logs

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return m
}

// wantField is an expected field: its text and kind.
type wantField struct {
	s    string
	kind engine.Kind
}

func str(s string) wantField { return wantField{s, engine.KindString} }
func num(s string) wantField { return wantField{s, engine.KindNumber} }

func TestWindowsEvent(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   map[string]wantField
		absent []string
		time   string
	}{
		{
			name: "evtx_dump",
			in: `{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},
				"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon","Guid":"5770385F-C22A-43E0-BF4C-06F5698FFBD9"}},
				"EventID":1,"Version":5,"Level":4,"Task":1,"Opcode":0,"Keywords":"0x8000000000000000",
				"TimeCreated":{"#attributes":{"SystemTime":"2025-11-28T08:30:20.966901Z"}},"EventRecordID":2584270,
				"Correlation":null,"Execution":{"#attributes":{"ProcessID":3544,"ThreadID":4264}},
				"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"host","Security":{"#attributes":{"UserID":"S-1-5-18"}}},
				"EventData":{"Image":"C:\\x.exe","ProcessId":6336,"LogonId":"0x3b5e64"}}}`,
			want: map[string]wantField{
				"EventID": num("1"), "Version": num("5"), "Level": num("4"), "Keywords": str("0x8000000000000000"),
				"Provider_Name": str("Microsoft-Windows-Sysmon"), "Provider_Guid": str("5770385F-C22A-43E0-BF4C-06F5698FFBD9"),
				"TimeCreated_SystemTime": str("2025-11-28T08:30:20.966901Z"), "EventRecordID": num("2584270"),
				"Execution_ProcessID": num("3544"), "Execution_ThreadID": num("4264"), "Security_UserID": str("S-1-5-18"),
				"Channel": str("Microsoft-Windows-Sysmon/Operational"), "Computer": str("host"),
				"Image": str(`C:\x.exe`), "ProcessId": num("6336"), "LogonId": str("0x3b5e64"),
			},
			absent: []string{"Correlation", "Security", "xmlns", "Event"},
			time:   "2025-11-28T08:30:20.966901Z",
		},
		{
			name: "no Event wrapper, EventID with qualifiers",
			in: `{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},"Provider":{"#attributes":{"Name":"Service Control Manager","EventSourceName":"Service Control Manager"}}},
				"EventData":{"ServiceName":"evil","ImagePath":"C:\\evil.exe"}}`,
			want: map[string]wantField{
				"EventID": num("7045"), "EventID_Qualifiers": num("16384"), "Provider_Name": str("Service Control Manager"),
				"Provider_EventSourceName": str("Service Control Manager"), "ServiceName": str("evil"),
			},
		},
		{
			name: "xmltodict shape",
			in: `{"Event":{"System":{"Provider":{"@Name":"Microsoft-Windows-Security-Auditing"},"EventID":{"@Qualifiers":"","#text":"4688"},
				"TimeCreated":{"@SystemTime":"2021-01-02T03:04:05.1234567Z"},"Execution":{"@ProcessID":"4","@ThreadID":"8"},"Keywords":"0x8020000000000000"},
				"EventData":{"Data":[{"@Name":"NewProcessName","#text":"C:\\Windows\\System32\\cmd.exe"},{"@Name":"NewProcessId","#text":"0x1a2b"},{"@Name":"Empty"}]}}}`,
			want: map[string]wantField{
				"EventID": num("4688"), "Provider_Name": str("Microsoft-Windows-Security-Auditing"),
				"Execution_ProcessID": num("4"), "NewProcessName": str(`C:\Windows\System32\cmd.exe`), "NewProcessId": str("0x1a2b"),
				"Empty": {"", engine.KindNull}, "EventID_Qualifiers": str(""),
			},
			time: "2021-01-02T03:04:05.1234567Z",
		},
		{
			name: "velocidex shape",
			in: `{"Event":{"System":{"Provider":{"Name":"P","Guid":"G"},"EventID":{"Value":4624},"Keywords":9232379236109516800,
				"TimeCreated":{"SystemTime":"2019-02-06T14:17:53.3172597Z"}},
				"EventData":{"Data":[{"Name":"A","Value":"1"},{"Name":"B"}]}}}`,
			want: map[string]wantField{
				"EventID": num("4624"), "Provider_Name": str("P"), "Provider_Guid": str("G"), "Keywords": str("0x8020000000000000"),
				"A": str("1"), "B": {"", engine.KindNull},
			},
			time: "2019-02-06T14:17:53.3172597Z",
		},
		{
			name: "Sysmon UtcTime when TimeCreated is absent",
			in:   `{"Event":{"System":{"EventID":1},"EventData":{"UtcTime":"2024-01-02 03:04:05.678"}}}`,
			want: map[string]wantField{"UtcTime": str("2024-01-02 03:04:05.678")},
			time: "2024-01-02T03:04:05.678Z",
		},
		{
			name: "unnamed data and binary",
			in:   `{"Event":{"System":{"EventID":1000},"EventData":{"Data":["a","b"],"Binary":"00FF"}}}`,
			want: map[string]wantField{"EventID": num("1000"), "Binary": str("00FF")},
		},
		{
			name: "user data",
			in: `{"Event":{"System":{"EventID":1102},"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"http://x"},
				"SubjectUserName":"test","SubjectLogonId":"0x29936","Nested":{"Deep":"v"}}}}}`,
			want:   map[string]wantField{"EventID": num("1102"), "SubjectUserName": str("test"), "SubjectLogonId": str("0x29936"), "Deep": str("v")},
			absent: []string{"xmlns", "LogFileCleared"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, tm := WindowsEvent(decodeJSON(t, tt.in))
			for k, w := range tt.want {
				got, ok := ev.Get(k)
				if !ok || got.S != w.s || got.Kind != w.kind {
					t.Errorf("%s = %q kind %d (present %v), want %q kind %d", k, got.S, got.Kind, ok, w.s, w.kind)
				}
			}
			for _, k := range tt.absent {
				if v, ok := ev.Get(k); ok {
					t.Errorf("%s present: %q", k, v.S)
				}
			}
			if tt.time != "" {
				want, _ := time.Parse(time.RFC3339Nano, tt.time)
				if !tm.Equal(want) {
					t.Errorf("time %v, want %v", tm, want)
				}
			}
		})
	}
	// Unnamed data values are an array under "Data".
	for _, in := range []string{
		`{"Event":{"System":{"EventID":1000},"EventData":{"Data":["a","b"]}}}`,
		`{"Event":{"System":{"EventID":1000},"EventData":{"Data":{"#text":["a","b"]}}}}`,
	} {
		ev, _ := WindowsEvent(decodeJSON(t, in))
		if v, _ := ev.Get("Data"); v.Kind != engine.KindArray || len(v.Arr) != 2 || v.Arr[1].S != "b" {
			t.Errorf("%s: Data = %+v", in, v)
		}
	}
}

func TestHasWindowsShape(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"Event":{"System":{}}}`, true},
		{`{"System":{},"EventData":{}}`, true},
		{`{"System":{},"UserData":{}}`, true},
		{`{"System":{}}`, false},
		{`{"Event":"x"}`, false},
		{`{"Event":{"EventData":{}}}`, false},
		{`{"a":1}`, false},
	}
	for _, tt := range tests {
		if got := hasWindowsShape(decodeJSON(t, tt.in)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.in, got, tt.want)
		}
	}
}
