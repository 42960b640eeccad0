package detect

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/pipeline"
)

// event is a Sysmon process creation of image by user at minute min.
func event(i int, user, image string, min int) Event {
	return Event{Fields: engine.NewMapEvent(map[string]any{"Channel": "Microsoft-Windows-Sysmon/Operational", "EventID": 1.0,
		"User": user, "Image": `C:\Windows\System32\` + image,
		"UtcTime": time.Date(2026, 3, 1, 10, min, 0, 0, time.UTC).Format("2006-01-02 15:04:05.000")}), Source: "t", Index: i}
}

//go:embed testdata/rules
var testRules embed.FS

func events(evs ...Event) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for _, ev := range evs {
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// describe renders results one per line.
func describe(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		if r.Alert != nil {
			fmt.Fprintf(&b, "alert %s %v %g suppressed=%v\n", r.Rule.Title, r.Alert.Group, r.Alert.Value, r.Suppressed)
		} else {
			fmt.Fprintf(&b, "match %d %s suppressed=%v\n", r.Event.Index, r.Rule.Title, r.Suppressed)
		}
	}
	return b.String()
}

func runAll(t *testing.T, ctx context.Context, d Detector, evs ...Event) (string, error) {
	t.Helper()
	var got []Result
	err := Run(ctx, d, events(evs...), func(r Result) error {
		got = append(got, r)
		return nil
	})
	return describe(got), err
}

var burst = []Event{event(0, "alice", "whoami.exe", 0), event(1, "bob", "whoami.exe", 1),
	event(2, "alice", "whoami.exe", 2), event(3, "alice", "notepad.exe", 3), event(4, "alice", "whoami.exe", 4)}

const burstWant = `match 0 Whoami execution suppressed=false
match 1 Whoami execution suppressed=false
match 2 Whoami execution suppressed=false
match 4 Whoami execution suppressed=false
alert Whoami burst [{User alice}] 3 suppressed=false
`

func TestCompileAndRun(t *testing.T) {
	prog, err := Compile(testRules, Paths("testdata/rules"))
	if err != nil {
		t.Fatal(err)
	}
	if prog.Len() != 1 || len(prog.Rules()) != 2 {
		t.Fatalf("Len %d, Rules %d; want 1 detection rule of 2 rules", prog.Len(), len(prog.Rules()))
	}
	got, err := runAll(t, context.Background(), prog.NewStream(), burst...)
	if err != nil || got != burstWant {
		t.Errorf("got %s(err %v), want\n%s", got, err, burstWant)
	}
	// The time fields decide the window: with a time field that no event has, times are zero
	// (every event at the same instant) and the count is the same; with a 1-minute spacing
	// pushed over 5 minutes, no alert.
	spaced := []Event{event(0, "alice", "whoami.exe", 0), event(1, "alice", "whoami.exe", 3), event(2, "alice", "whoami.exe", 6)}
	got, _ = runAll(t, context.Background(), prog.NewStream(), spaced...)
	if strings.Contains(got, "alert") {
		t.Errorf("alert over 6 minutes:\n%s", got)
	}
	got, _ = runAll(t, context.Background(), prog.NewStream(TimeFields("none")), spaced...)
	if !strings.Contains(got, "alert") {
		t.Errorf("no alert with every event at time zero:\n%s", got)
	}
}

// TestSuppressed: a correlation with generate: false marks the detections it uses.
func TestSuppressed(t *testing.T) {
	burstRule, _ := testRules.ReadFile("testdata/rules/whoami_burst.yml")
	detRule, _ := testRules.ReadFile("testdata/rules/whoami.yml")
	fsys := fstest.MapFS{
		"whoami.yml": {Data: detRule},
		"burst.yml":  {Data: []byte(strings.Replace(string(burstRule), "generate: true", "generate: false", 1))},
	}
	prog, err := Compile(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := runAll(t, context.Background(), prog.NewStream(), burst...)
	want := strings.ReplaceAll(strings.Replace(burstWant, "3 suppressed=false", "3 suppressed=X", 1), "execution suppressed=false", "execution suppressed=true")
	want = strings.Replace(want, "suppressed=X", "suppressed=false", 1)
	if got != want {
		t.Errorf("got\n%swant\n%s", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"good.yml": {Data: []byte("title: Good\nlogsource: {product: windows}\ndetection:\n  sel: {Image: x}\n  condition: sel\n")},
		"bad.yml":  {Data: []byte("title: Bad\nlogsource: {product: windows}\ndetection:\n  sel: {Image: x}\n  condition: sel and missing\n")},
	}
	prog, err := Compile(fsys)
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("err %v, want an ErrorList", err)
	}
	if !strings.HasPrefix(list[0].Error(), "bad.yml:5:") || list[0].Severity != ast.SeverityError {
		t.Errorf("first problem %q, want an error at bad.yml:5:col", list[0].Error())
	}
	if prog == nil || prog.Len() != 1 || prog.Rules()[0].Title != "Good" {
		t.Fatalf("the good rule is not compiled: %+v", prog)
	}
	if _, err := Compile(fsys, Paths("good.yml")); err != nil {
		t.Errorf("good.yml alone: %v", err)
	}
	if _, err := Compile(fsys, Paths("nothing/*.yml")); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("pattern matching nothing: %v", err)
	}
}

// TestCompileRules: rules loaded by the front end compile to the same program as Compile's.
func TestCompileRules(t *testing.T) {
	res := frontend.LoadFS(testRules, []string{"testdata/rules"}, frontend.Options{})
	prog, err := CompileRules(res.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := runAll(t, context.Background(), prog.NewStream(), burst...); got != burstWant {
		t.Errorf("got\n%swant\n%s", got, burstWant)
	}
	// IgnoreLogsource: a Security-log event matches too.
	ev := event(0, "alice", "whoami.exe", 0)
	ev.Fields.(*engine.MapEvent).M["Channel"] = "Application"
	for _, tc := range []struct {
		ignore bool
		want   int
	}{{false, 0}, {true, 1}} {
		p, _ := CompileRules(res.Rules, IgnoreLogsource(tc.ignore))
		rs, err := p.NewStream().Detect(context.Background(), ev)
		if err != nil || len(rs) != tc.want {
			t.Errorf("IgnoreLogsource(%v): %d results (%v), want %d", tc.ignore, len(rs), err, tc.want)
		}
	}
}

func TestCancel(t *testing.T) {
	prog, _ := Compile(testRules, Paths("testdata/rules"))
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	endless := func(yield func(Event, error) bool) {
		for i := 0; ; i++ {
			if i == 10 {
				cancel()
			}
			if !yield(event(i, "alice", "whoami.exe", 0), nil) {
				return
			}
		}
	}
	err := Run(ctx, prog.NewStream(), endless, func(r Result) error {
		if r.Alert == nil {
			n++
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Errorf("err %v after %d matches, want context.Canceled after 10", err, n)
	}
	if _, err := prog.NewStream().Flush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Flush on a canceled context: %v", err)
	}
}

func TestRunStopsAtErrors(t *testing.T) {
	prog, _ := Compile(testRules, Paths("testdata/rules"))
	boom := errors.New("boom")
	bad := func(yield func(Event, error) bool) {
		if yield(event(0, "alice", "whoami.exe", 0), nil) {
			yield(Event{}, boom)
		}
	}
	n := 0
	if err := Run(context.Background(), prog.NewStream(), bad, func(Result) error { n++; return nil }); err != boom || n != 1 {
		t.Errorf("event error: %v after %d results", err, n)
	}
	n = 0
	if err := Run(context.Background(), prog.NewStream(), events(burst...), func(Result) error { n++; return boom }); err != boom || n != 1 {
		t.Errorf("emit error: %v after %d results", err, n)
	}
}

// TestConcurrentStreams: one Program, a Stream per goroutine, the same results.
func TestConcurrentStreams(t *testing.T) {
	prog, _ := Compile(testRules, Paths("testdata/rules"))
	var wg sync.WaitGroup
	errs := make([]string, 8)
	for g := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if got, err := runAll(t, context.Background(), prog.NewStream(), burst...); got != burstWant || err != nil {
					errs[g] = got
					return
				}
			}
		}()
	}
	wg.Wait()
	for g, e := range errs {
		if e != "" {
			t.Errorf("goroutine %d: %s", g, e)
		}
	}
}

func TestEventTime(t *testing.T) {
	own := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	field := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	withField := event(0, "u", "x", 0)
	noField := Event{Fields: engine.NewMapEvent(map[string]any{"a": "b"})}
	for _, tc := range []struct {
		name string
		opts []StreamOption
		ev   Event
		t    time.Time
		ok   bool
	}{
		{"own time first", nil, Event{Fields: withField.Fields, Time: own}, own, true},
		{"field when no own time", nil, withField, field, true},
		{"configured field over own time", []StreamOption{TimeFields("UtcTime")}, Event{Fields: withField.Fields, Time: own}, field, true},
		{"configured field missing: own time", []StreamOption{TimeFields("nope")}, Event{Fields: withField.Fields, Time: own}, own, true},
		{"layout", []StreamOption{TimeFields("UtcTime"), TimeLayout("2006-01-02 15:04:05.000")}, withField, field, true},
		{"wrong layout", []StreamOption{TimeFields("UtcTime"), TimeLayout(time.RFC1123)}, withField, time.Time{}, false},
		{"none", nil, noField, time.Time{}, false},
	} {
		p := FromRuleset(mustRuleset(t), nil, tc.opts...)
		got, ok := p.EventTime(tc.ev)
		if !got.Equal(tc.t) || ok != tc.ok {
			t.Errorf("%s: %v %v, want %v %v", tc.name, got, ok, tc.t, tc.ok)
		}
	}
}

func mustRuleset(t *testing.T) *engine.Ruleset {
	rs, _ := engine.NewRuleset(nil, engine.Options{})
	return rs
}

// TestPipelines: a processing pipeline given to Compile maps the rules' fields.
func TestPipelines(t *testing.T) {
	pl, diags := pipeline.Parse("ecs.yml", []byte(`name: ECS
priority: 10
transformations:
  - type: field_name_mapping
    mapping:
      Image: process.executable
  - type: change_logsource
    product: ecs
    category: process_creation
`))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	ecs := Event{Fields: engine.NewMapEvent(map[string]any{"process": map[string]any{"executable": `C:\Windows\System32\whoami.exe`}})}
	for _, tc := range []struct {
		opts []Option
		want int
	}{{nil, 0}, {[]Option{Pipelines(pl)}, 1}} {
		prog, err := Compile(testRules, append(tc.opts, Paths("testdata/rules/whoami.yml"))...)
		if err != nil {
			t.Fatal(err)
		}
		rs, _ := prog.NewStream().Detect(context.Background(), ecs)
		if len(rs) != tc.want {
			t.Errorf("pipelines %d: %d results, want %d", len(tc.opts), len(rs), tc.want)
		}
	}
}
