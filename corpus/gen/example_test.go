package gen

import (
	"context"
	"fmt"
	"log"

	"github.com/rulec/rulec/detect"
	"github.com/rulec/rulec/engine/correlation"
	"github.com/rulec/rulec/engine/logs"
)

// A generated package's Detector runs through detect.Run as the interpreter's
// detect.Stream does.
func ExampleNewDetector() {
	rd, err := logs.Open("../logs/windows_security.jsonl", logs.FormatAuto)
	if err != nil {
		log.Fatal(err)
	}
	defer rd.Close()
	var d detect.Detector = NewDetector(correlation.TimeSource{}, correlation.Options{})
	err = detect.Run(context.Background(), d, detect.Records(rd), func(r detect.Result) error {
		if r.Alert != nil {
			fmt.Printf("alert %q %v\n", r.Rule.Title, r.Alert.Group)
		} else if !r.Suppressed {
			fmt.Printf("event %d: %q\n", r.Event.Index, r.Rule.Title)
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// event 0: "Whoami Execution"
	// alert "Many Failed Logins" [{TargetUserName frank}]
	// alert "Multiple Failed Logins Followed By A Success" [{TargetUserName frank}]
	// alert "One Source Logging Into Many Hosts" [{IpAddress 10.9.9.9}]
	// event 9: "Legacy Collection Rule"
}
