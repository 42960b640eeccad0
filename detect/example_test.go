package detect_test

import (
	"context"
	"embed"
	"fmt"
	"log"
	"strings"

	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine/logs"
)

//go:embed testdata/rules
var rules embed.FS

// Load rules from an embedded file system, then run detection and correlation
// over a JSON-lines log: a detection rule (whoami.exe) and an event_count
// correlation over it (3 runs by the same user within 5 minutes).
func Example() {
	prog, err := detect.Compile(rules, detect.Paths("testdata/rules"))
	if err != nil {
		log.Fatal(err) // every problem, as file:line:col
	}
	rd, err := logs.NewReader("sysmon.jsonl", strings.NewReader(sysmonLog), logs.FormatJSONLines)
	if err != nil {
		log.Fatal(err)
	}
	defer rd.Close()
	err = detect.Run(context.Background(), prog.NewStream(), detect.Records(rd), func(r detect.Result) error {
		if r.Alert != nil {
			fmt.Printf("alert %q: %v, %g events\n", r.Rule.Title, r.Alert.Group, r.Alert.Value)
		} else {
			fmt.Printf("event %d: %q\n", r.Event.Index, r.Rule.Title)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// event 0: "Whoami execution"
	// event 1: "Whoami execution"
	// event 3: "Whoami execution"
	// alert "Whoami burst": [{User alice}], 3 events
}

// sysmonLog holds four Sysmon process creations: whoami.exe three times by alice, and notepad.exe.
const sysmonLog = `{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"UtcTime":"2026-03-01 10:00:00.000","User":"alice","Image":"C:\\Windows\\System32\\whoami.exe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"UtcTime":"2026-03-01 10:01:00.000","User":"alice","Image":"C:\\Windows\\System32\\whoami.exe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"UtcTime":"2026-03-01 10:02:00.000","User":"alice","Image":"C:\\Windows\\System32\\notepad.exe"}
{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"UtcTime":"2026-03-01 10:03:00.000","User":"alice","Image":"C:\\Windows\\System32\\whoami.exe"}
`
