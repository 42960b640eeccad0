package ruletest

import (
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/logs"
)

// A fixture file (documented in README.md, "Rule fixtures"):
//
//	tests:
//	  - rule: 7c2b9a4e-...          # id, name or title of the rule under test
//	    name: whoami run by Sysmon  # optional
//	    logsource: true             # default: events must also be of the rule's logsource
//	    match:                      # each item must match
//	      - {Channel: Microsoft-Windows-Sysmon/Operational, EventID: 1, Image: 'C:\Windows\System32\whoami.exe'}
//	      - file: ../logs/whoami.jsonl   # a log file: the rule must fire on it
//	        count: 1                     # ... exactly this many times (optional)
//	    no_match:                   # no item may match
//	      - {Image: 'C:\Windows\System32\cmd.exe'}
//	      - file: ../logs/benign.evtx
//
// An item is an event (a map; the EVTX-as-JSON shape {Event: {System, EventData}}
// is flattened like .evtx records), `event: {...}` for an event whose only field
// would be named file, or `file:` with optional `count` and `format`.

// A correlation test replaces rule/match/no_match with a timed event sequence and
// the alerts the correlation rule must raise on it, in order (`alerts: []` means none):
//
//	  - correlation: many_failed_logins   # id, name or title of the correlation rule
//	    tolerance: 30s                    # optional out-of-order tolerance
//	    events:                           # inline events (with a time field) and/or files
//	      - {time: '2025-03-01T09:00:00Z', Channel: Security, EventID: 4625, TargetUserName: frank}
//	      - file: ../logs/windows_security.jsonl
//	    alerts:
//	      - group: {TargetUserName: frank}  # optional: the group-by values
//	        events: [0, 1, 2]               # optional: positions of the contributing events
//	        value: 3                        # optional: the aggregate (count, sum, ...)

// Fixture is one test of a fixture file.
type Fixture struct {
	File      string
	Line      int
	Rule      string
	Name      string
	Logsource bool
	Match     []Item
	NoMatch   []Item
	// Correlation tests: the rule under test is a correlation rule fed Events.
	Correlation string
	Events      []Item
	Alerts      []ExpectedAlert
	Tolerance   time.Duration
}

// ExpectedAlert is an alert a correlation test expects.
type ExpectedAlert struct {
	Line   int
	Group  map[string]string
	Events []int
	Value  *float64
}

// Item is an inline event or a log file.
type Item struct {
	Line   int
	Event  map[string]any
	File   string
	Count  *int
	Format logs.Format
}

// LoadFixtures parses a fixture file.
func LoadFixtures(path string) ([]*Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fixtures: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: invalid YAML: %w", path, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a fixture file is a map with a tests list", path)
	}
	bad := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d:%d: %s", path, n.Line, n.Column, fmt.Sprintf(format, args...))
	}
	top := doc.Content[0]
	var tests *yaml.Node
	for k := 0; k+1 < len(top.Content); k += 2 {
		switch top.Content[k].Value {
		case "tests":
			tests = top.Content[k+1]
		default:
			return nil, bad(top.Content[k], "unknown key %q (a fixture file has only tests)", top.Content[k].Value)
		}
	}
	if tests == nil || tests.Kind != yaml.SequenceNode {
		return nil, bad(top, "tests must be a list")
	}
	var out []*Fixture
	for _, tn := range tests.Content {
		if tn.Kind != yaml.MappingNode {
			return nil, bad(tn, "each test is a map with rule, match and no_match")
		}
		fx := &Fixture{File: path, Line: tn.Line, Logsource: true}
		for k := 0; k+1 < len(tn.Content); k += 2 {
			key, val := tn.Content[k], tn.Content[k+1]
			switch key.Value {
			case "rule":
				fx.Rule = val.Value
			case "name":
				fx.Name = val.Value
			case "logsource":
				if err := val.Decode(&fx.Logsource); err != nil {
					return nil, bad(val, "logsource must be true or false")
				}
			case "correlation":
				fx.Correlation = val.Value
			case "tolerance":
				d, err := time.ParseDuration(val.Value)
				if err != nil || d < 0 {
					return nil, bad(val, "tolerance must be a duration such as 30s")
				}
				fx.Tolerance = d
			case "events":
				if val.Kind != yaml.SequenceNode {
					return nil, bad(val, "events must be a list of events or files")
				}
				for _, in := range val.Content {
					it, err := parseItem(in, bad)
					if err != nil {
						return nil, err
					}
					fx.Events = append(fx.Events, it)
				}
			case "alerts":
				if val.Kind != yaml.SequenceNode {
					return nil, bad(val, "alerts must be a list (alerts: [] for none)")
				}
				fx.Alerts = []ExpectedAlert{}
				for _, an := range val.Content {
					var a struct {
						Group  map[string]string `yaml:"group"`
						Events []int             `yaml:"events"`
						Value  *float64          `yaml:"value"`
					}
					if err := an.Decode(&a); err != nil {
						return nil, bad(an, "an alert has group, events and value: %v", err)
					}
					fx.Alerts = append(fx.Alerts, ExpectedAlert{Line: an.Line, Group: a.Group, Events: a.Events, Value: a.Value})
				}
			case "match", "no_match":
				if val.Kind != yaml.SequenceNode {
					return nil, bad(val, "%s must be a list of events or files", key.Value)
				}
				for _, in := range val.Content {
					it, err := parseItem(in, bad)
					if err != nil {
						return nil, err
					}
					if key.Value == "match" {
						fx.Match = append(fx.Match, it)
					} else {
						fx.NoMatch = append(fx.NoMatch, it)
					}
				}
			default:
				return nil, bad(key, "unknown key %q in a test (rule, name, logsource, match, no_match)", key.Value)
			}
		}
		if fx.Correlation != "" {
			if fx.Rule != "" || len(fx.Match)+len(fx.NoMatch) > 0 {
				return nil, bad(tn, "a correlation test has correlation, events and alerts, not rule/match/no_match")
			}
			if fx.Alerts == nil {
				return nil, bad(tn, "a correlation test needs alerts (alerts: [] when it must not fire)")
			}
			out = append(out, fx)
			continue
		}
		if fx.Rule == "" {
			return nil, bad(tn, "test needs the rule it tests (rule: id, name or title)")
		}
		if len(fx.Match)+len(fx.NoMatch) == 0 {
			return nil, bad(tn, "test has no match or no_match items")
		}
		out = append(out, fx)
	}
	return out, nil
}

func parseItem(n *yaml.Node, bad func(*yaml.Node, string, ...any) error) (Item, error) {
	it := Item{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return it, bad(n, "an item is an event (a map) or a file reference")
	}
	isFile, isEvent := false, false
	for k := 0; k+1 < len(n.Content); k += 2 {
		switch n.Content[k].Value {
		case "file":
			isFile = true
		case "event":
			isEvent = true
		}
	}
	switch {
	case isFile && !onlyKeys(n, "file", "count", "format"):
		return it, bad(n, "a file item has only file, count and format (write event: {...} for an event with a field named file)")
	case isFile:
		for k := 0; k+1 < len(n.Content); k += 2 {
			key, val := n.Content[k], n.Content[k+1]
			switch key.Value {
			case "file":
				it.File = val.Value
			case "count":
				var c int
				if err := val.Decode(&c); err != nil || c < 0 {
					return it, bad(val, "count must be a non-negative integer")
				}
				it.Count = &c
			case "format":
				f, err := logs.ParseFormat(val.Value)
				if err != nil {
					return it, bad(val, "%v", err)
				}
				it.Format = f
			}
		}
		return it, nil
	case isEvent && onlyKeys(n, "event"):
		n = n.Content[1]
		if n.Kind != yaml.MappingNode {
			return it, bad(n, "event must be a map")
		}
	}
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		return it, bad(n, "invalid event: %v", err)
	}
	it.Event = normalize(m).(map[string]any)
	return it, nil
}

func onlyKeys(n *yaml.Node, keys ...string) bool {
	for k := 0; k+1 < len(n.Content); k += 2 {
		ok := false
		for _, want := range keys {
			ok = ok || n.Content[k].Value == want
		}
		if !ok {
			return false
		}
	}
	return true
}

// normalize turns decoded YAML into JSON-like data (string-keyed maps, RFC 3339 times).
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	}
	return v
}

// toEvent builds the engine event of an inline item.
func toEvent(m map[string]any) engine.Event {
	if ev, ok := m["Event"].(map[string]any); ok && len(m) == 1 {
		if _, ok := ev["System"]; ok {
			fe, _ := logs.WindowsEvent(m)
			return fe
		}
	}
	return engine.NewMapEvent(m)
}

// Fixtures runs fixture tests: each match/no_match item is one case.
func (r *Runner) Fixtures(fxs []*Fixture) []Case {
	var out []Case
	for _, fx := range fxs {
		if fx.Correlation != "" {
			out = append(out, r.correlationFixture(fx))
			continue
		}
		idx, label := r.findRule(fx.Rule)
		for _, group := range []struct {
			items []Item
			want  bool
		}{{fx.Match, true}, {fx.NoMatch, false}} {
			for _, it := range group.items {
				c := Case{Kind: "fixture", Where: fmt.Sprintf("%s:%d", fx.File, it.Line), Rule: label, Name: fx.Name}
				if c.Name == "" {
					c.Name = fx.Rule
				}
				if idx < 0 {
					c.Status, c.Message = Fail, fmt.Sprintf("rule %q is not among the loaded rules", fx.Rule)
					out = append(out, c)
					continue
				}
				r.fixtureItem(&c, idx, fx, it, group.want)
				out = append(out, c)
			}
		}
	}
	return out
}

func (r *Runner) fixtureItem(c *Case, idx int, fx *Fixture, it Item, want bool) {
	verb := map[bool]string{true: "must match", false: "must not match"}[want]
	if it.File == "" {
		ev := toEvent(it.Event)
		var got bool
		var err error
		if fx.Logsource {
			got, err = r.m.MatchRule(idx, ev)
		} else {
			got, err = r.m.MatchDetection(idx, ev)
		}
		switch {
		case err != nil:
			c.Status, c.Message = Fail, err.Error()
		case got != want:
			c.Status, c.Message = Fail, "event "+verb+" but "+map[bool]string{true: "did", false: "did not"}[got]
			if want && fx.Logsource && !r.m.InLogsource(idx, ev) {
				c.Message += " (the event is not of the rule's logsource; set logsource: false to test the detection alone)"
			} else if why := r.explain(idx, ev); want && why != "" {
				c.Message += " (" + why + ")"
			}
		default:
			c.Status, c.Message = Pass, "event "+verb
		}
		return
	}
	path, err := r.fixturePath(fx.File, it.File)
	if err != nil {
		c.Status, c.Message = Fail, fmt.Sprintf("reading %s: %v", it.File, err)
		return
	}
	f := it.Format
	if f == "" {
		f = r.Format
	}
	n, total, problems, misses, err := r.countMatchesWhy(idx, path, f, fx.Logsource)
	switch {
	case err != nil:
		c.Status, c.Message = Fail, fmt.Sprintf("reading %s: %v", path, err)
	case want && it.Count != nil && n != *it.Count:
		c.Status, c.Message = Fail, fmt.Sprintf("%s: rule matched %d of %d events, want exactly %d", path, n, total, *it.Count)
	case want && it.Count == nil && n == 0:
		c.Status, c.Message = Fail, fmt.Sprintf("%s: rule matched none of %d events", path, total)
	case !want && n > 0:
		c.Status, c.Message = Fail, fmt.Sprintf("%s: rule matched %d of %d events, want none", path, n, total)
	default:
		c.Status, c.Message = Pass, fmt.Sprintf("%s: %d of %d events matched", path, n, total)
	}
	if c.Status == Fail && want && len(misses) > 0 {
		c.Message += " (" + strings.Join(misses, "; ") + ")"
	}
	if len(problems) > 0 {
		c.Message += fmt.Sprintf(" (%d unreadable records, first: %s)", len(problems), problems[0])
	}
}

// findRule resolves a rule reference: id (case-insensitive), then name, then title.
func (r *Runner) findRule(ref string) (int, string) {
	for pass := 0; pass < 3; pass++ {
		for i := 0; i < r.rs.Len(); i++ {
			rule := r.rs.Rule(i)
			var ok bool
			switch pass {
			case 0:
				ok = rule.ID != "" && strings.EqualFold(rule.ID, ref)
			case 1:
				ok = rule.Name != "" && rule.Name == ref
			default:
				ok = rule.Title == ref
			}
			if ok {
				return i, ruleLabel(rule)
			}
		}
	}
	return -1, ref
}
