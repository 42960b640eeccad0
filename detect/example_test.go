package detect_test

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log"
	"path/filepath"
	"strings"
	"testing/fstest"
	"time"

	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
	"github.com/rulec/rulec/frontend"
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

// Compile reports every problem with its position and compiles the rules that
// have none: a broken rule does not stop the others.
func ExampleCompile() {
	fsys := fstest.MapFS{
		"rules/good.yml": {Data: []byte("title: Good\nlogsource: {product: windows}\ndetection:\n  sel: {EventID: 4625}\n  condition: sel\n")},
		"rules/bad.yml":  {Data: []byte("title: Bad\nlogsource: {product: windows}\ndetection:\n  sel: {EventID: 4625}\n  condition: sel and other\n")},
	}
	prog, err := detect.Compile(fsys, detect.Paths("rules/*.yml"))
	var list detect.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Println(e)
		}
	}
	fmt.Println(prog.Len(), "rule compiled")
	// Output:
	// rules/bad.yml:5:22: error: condition references undefined search identifier "other" [undefined-identifier]
	// 1 rule compiled
}

// A Stream is fed one event at a time; Flush ends the stream. Streams of one
// Program may run in parallel, one per goroutine.
func ExampleProgram_NewStream() {
	prog, err := detect.Compile(rules, detect.Paths("testdata/rules"))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	stream := prog.NewStream(detect.TimeFields("UtcTime"), detect.Tolerance(time.Minute))
	for i, user := range []string{"alice", "bob", "alice", "alice"} {
		ev := engine.NewMapEvent(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1,
			"Image": `C:\Windows\System32\whoami.exe`, "User": user, "UtcTime": fmt.Sprintf("2026-03-01T10:0%d:00Z", i)})
		results, err := stream.Detect(ctx, detect.Event{Fields: ev, Source: "example", Index: i})
		if err != nil {
			log.Fatal(err)
		}
		for _, r := range results {
			if r.Alert != nil {
				fmt.Printf("event %d completes %q for %v at %s\n", i, r.Rule.Title, r.Alert.Group, r.Alert.Time.Format(time.Kitchen))
			}
		}
	}
	results, _ := stream.Flush(ctx)
	fmt.Println(len(results), "alerts at the end of the stream")
	// Output:
	// event 3 completes "Whoami burst" for [{User alice}] at 10:03AM
	// 0 alerts at the end of the stream
}

// CompileRules compiles rules that the front end loaded from the operating
// system's paths (frontend.Load), for instance after processing pipelines.
func ExampleCompileRules() {
	res := frontend.Load([]string{filepath.Join("testdata", "rules")}, frontend.Options{})
	prog, err := detect.CompileRules(res.Rules, detect.MaxGroups(1000))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prog.Len(), "detection rule,", len(prog.Rules()), "rules in all")
	// Output: 1 detection rule, 2 rules in all
}

// Run stops when emit returns an error (here at the first alert), when an event
// carries one, or when the context ends, and returns that error.
func ExampleRun() {
	prog, err := detect.Compile(rules, detect.Paths("testdata/rules"))
	if err != nil {
		log.Fatal(err)
	}
	rd, err := logs.NewReader("sysmon.jsonl", strings.NewReader(sysmonLog), logs.FormatJSONLines)
	if err != nil {
		log.Fatal(err)
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errFound := errors.New("found")
	err = detect.Run(ctx, prog.NewStream(), detect.Records(rd), func(r detect.Result) error {
		if r.Alert != nil && !r.Suppressed {
			fmt.Printf("[%s] %s, completed by %s #%d\n", r.Rule.Level, r.Rule.Title, r.Event.Source, r.Event.Index)
			return errFound
		}
		return nil
	})
	fmt.Println(errors.Is(err, errFound))
	// Output:
	// [medium] Whoami burst, completed by sysmon.jsonl #3
	// true
}
