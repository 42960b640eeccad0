package wazuhsim

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// Input is one event for Check, given one of three ways:
//   - Decoded: an event already decoded as Wazuh would (fields, static fields, log);
//   - Line: the raw log line, decoded here: JSON (the json decoder), a joined
//     auditd event (type=SYSCALL...), or an NCSA/combined access log line;
//   - Event: an event read by engine/logs: a Windows event (it has Channel and
//     EventID, as from .evtx or EVTX-as-JSON) goes through the eventchannel
//     decoder; a JSON object (*engine.MapEvent) through the json decoder.
type Input struct {
	Decoded *Event
	Line    string
	Event   engine.Event
	// Time is the manager's processing time (correlation timeframes count it);
	// zero: one second after the previous event.
	Time time.Time
	// Agent is the agent id (correlation counts one agent unless global_frequency).
	Agent string
}

// Outcome is the rule an event ended on.
type Outcome struct {
	// RuleID is 0 when no rule matched.
	RuleID      int
	Level       int
	Description string
	// Alert: the event raised an alert (a rule of level 1 or more).
	Alert bool
	// Err says why the event could not be presented to Wazuh (not decodable).
	Err error
}

// DefaultRulesFile is the name Check gives the generated rules: it sorts after
// every stock file, as Wazuh loads files by base name.
const DefaultRulesFile = "9000-sigma_rules.xml"

// Check loads the stock rules from stockDir (ruleset/rules; "" for none) and
// the generated rules file, then runs the inputs in order through one session
// (so correlation rules see the earlier events) and returns, per input, the
// rule it ended on. Rules the simulator cannot load (or that Wazuh would skip)
// are reported as warnings.
func Check(xml []byte, stockDir string, inputs []Input) ([]Outcome, []string, error) {
	var dirs []string
	if stockDir != "" {
		dirs = append(dirs, stockDir)
	}
	rs, err := LoadDirs(dirs)
	if err != nil {
		return nil, nil, err
	}
	if err := rs.AddFile(filepath.Join("generated", DefaultRulesFile), xml); err != nil {
		return nil, rs.Warnings, err
	}
	s := rs.NewSession()
	out := make([]Outcome, len(inputs))
	var last time.Time
	for i, in := range inputs {
		ev, err := in.decode()
		if err != nil {
			out[i].Err = fmt.Errorf("event %d: %w", i, err)
			continue
		}
		if in.Agent != "" {
			ev.Agent = in.Agent
		}
		t := in.Time
		if t.IsZero() {
			t = last.Add(time.Second)
		}
		last = t
		if r := s.Process(ev, t); r != nil {
			out[i] = Outcome{RuleID: r.ID, Level: r.Level, Description: r.Description, Alert: r.Level > 0}
		}
	}
	return out, rs.Warnings, nil
}

func (in Input) decode() (*Event, error) {
	switch {
	case in.Decoded != nil:
		return in.Decoded, nil
	case in.Line != "":
		line := strings.TrimSpace(in.Line)
		switch {
		case strings.HasPrefix(line, "{"):
			return DecodeJSON(line)
		case strings.HasPrefix(line, "type=") || strings.HasPrefix(line, "node="):
			return DecodeAuditd(line)
		}
		return DecodeWebAccess(line)
	case in.Event != nil:
		_, ch := in.Event.Get("Channel")
		_, id := in.Event.Get("EventID")
		if ch && id {
			return FromFlat(in.Event).Decode(), nil
		}
		if m, ok := in.Event.(*engine.MapEvent); ok {
			data, err := json.Marshal(m.M)
			if err != nil {
				return nil, fmt.Errorf("encoding the event as JSON: %w", err)
			}
			return DecodeJSON(string(data))
		}
		return nil, fmt.Errorf("this event has no raw form Wazuh could decode (give the raw log line)")
	}
	return nil, fmt.Errorf("empty input")
}
