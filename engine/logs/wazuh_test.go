package logs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

// TestWazuhArchive reads events as Wazuh stores them in archives.json: a
// Windows event is mapped back to Sigma names with its values un-escaped,
// other events stay plain JSON of unknown origin.
func TestWazuhArchive(t *testing.T) {
	recs, errs, err := ReadAll("testdata/wazuh/archives.json", FormatAuto)
	if err != nil || len(errs) != 0 || len(recs) != 3 {
		t.Fatalf("%d records, %v, %v", len(recs), errs, err)
	}
	ev := recs[0].Event
	want := map[string]string{"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational", "Provider_Name": "Microsoft-Windows-Sysmon",
		"Provider_Guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}", "Computer": "WIN-1.corp.example", "Execution_ProcessID": "2164",
		"TimeCreated_SystemTime": "2023-10-01T10:00:01.1234567Z", "Image": `C:\Windows\System32\whoami.exe`, "CommandLine": "whoami /all",
		"User": `CORP\alice`, "ParentImage": `C:\Windows\System32\cmd.exe`, "EventRecordID": "1001", "agent.name": "WIN-1", "Keywords": "0x8000000000000000"}
	for f, v := range want {
		if got, ok := ev.Get(f); !ok || got.S != v {
			t.Errorf("%s = %q (%v), want %q", f, got.S, ok, v)
		}
	}
	if v, _ := ev.Get("EventID"); v.Kind != engine.KindNumber || v.N != 1 {
		t.Errorf("EventID %+v", v)
	}
	for _, f := range []string{"message", "severityValue", "SeverityValue", "full_log"} {
		if _, ok := ev.Get(f); ok {
			t.Errorf("field %s kept", f)
		}
	}
	if v, _ := recs[1].Event.Get("CommandLine"); v.S != `notepad.exe "C:\Users\alice\a b.txt"` {
		t.Errorf("CommandLine %q", v.S)
	}
	if src := engine.EventSource(ev); src != (engine.Source{Product: "windows"}) {
		t.Errorf("source %+v", src)
	}
	if !recs[0].Time.Equal(time.Date(2023, 10, 1, 10, 0, 1, 500e6, time.UTC)) {
		t.Errorf("time %v", recs[0].Time)
	}
	ssh := recs[2].Event
	if v, _ := ssh.Get("data.srcip"); v.S != "192.0.2.9" || !engine.EventSource(ssh).IsZero() {
		t.Errorf("sshd event: %+v %+v", v, engine.EventSource(ssh))
	}
}

// TestFollowRotation follows a growing archives.json that is rotated (renamed,
// then created again) and truncated: every event is read once, in order, a
// line is read only once complete, and Idle ends the run.
func TestFollowRotation(t *testing.T) {
	data, err := os.ReadFile("testdata/wazuh/archives.json")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		lines = append(lines, l)
	}
	// Numbered copies of the first event: the record id tells them apart.
	event := func(n int) string {
		return strings.Replace(lines[0], `"eventRecordID":"1001"`, fmt.Sprintf(`"eventRecordID":"%d"`, n), 1) + "\n"
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "archives.json")
	old := event(0) // present before Follow starts: skipped without FromStart
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	const poll = 10 * time.Millisecond
	var mu sync.Mutex
	var got []string
	var notes []string
	done := make(chan error, 1)
	go func() {
		done <- Follow(context.Background(), path, FollowOptions{Poll: poll, Idle: 300 * poll, // Idle well above the waits, on a loaded machine too
			Notify: func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }},
			func(rec Record, err error) error {
				if err != nil {
					return err
				}
				v, _ := rec.Event.Get("EventRecordID")
				mu.Lock()
				got = append(got, v.S)
				mu.Unlock()
				return nil
			})
	}()
	wait := func() { time.Sleep(8 * poll) }
	appendTo := func(p, s string) {
		fh, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fh.WriteString(s)
		fh.Close()
	}
	wait()
	appendTo(path, event(1)+event(2))
	wait()
	// Half a line, then the rest.
	e3 := event(3)
	appendTo(path, e3[:50])
	wait()
	appendTo(path, e3[50:])
	wait()
	// Rotation: renamed (one more line reaches the old file), a new file.
	os.Rename(path, filepath.Join(dir, "archives-1.json"))
	appendTo(filepath.Join(dir, "archives-1.json"), event(4))
	appendTo(path, event(5))
	wait()
	appendTo(path, event(6))
	wait()
	// Truncation, then new lines.
	os.WriteFile(path, nil, 0o644)
	wait()
	appendTo(path, event(7))
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Follow did not stop after Idle")
	}
	mu.Lock()
	defer mu.Unlock()
	if g := strings.Join(got, " "); g != "1 2 3 4 5 6 7" {
		t.Errorf("events %q, want 1 2 3 4 5 6 7 (notes %q)", g, notes)
	}
	if n := strings.Join(notes, "\n"); !strings.Contains(n, "rotated") || !strings.Contains(n, "truncated") {
		t.Errorf("notes %q", n)
	}
}

// TestFollowStops: a cancelled context ends Follow; FromStart reads what is
// there; a missing file is waited for; an error from fn ends Follow with it.
func TestFollowStops(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "later.json")
	go func() {
		time.Sleep(50 * time.Millisecond)
		os.WriteFile(path, []byte(`{"a":1}`+"\n"+`{"a":2}`+"\n"+"not json\n"), 0o644)
	}()
	var recs, bad int
	stop := errors.New("stop")
	err := Follow(context.Background(), path, FollowOptions{Poll: 10 * time.Millisecond, Idle: time.Second}, func(r Record, err error) error {
		if err != nil {
			bad++
			return stop
		}
		recs++
		return nil
	})
	if !errors.Is(err, stop) || recs != 2 || bad != 1 {
		t.Errorf("%v, %d records, %d errors", err, recs, bad)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	recs = 0
	err = Follow(ctx, path, FollowOptions{Poll: 10 * time.Millisecond, FromStart: true}, func(r Record, err error) error {
		if err == nil {
			recs++
		}
		return nil
	})
	if err != nil || recs != 2 {
		t.Errorf("cancel: %v, %d records", err, recs)
	}
}
