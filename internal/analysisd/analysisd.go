// Package analysisd runs a real wazuh-analysisd (the relocatable 4.14.7 build
// in ../shared/wazuh, "wazuh-oracle") to prove generated rules on the engine a
// Wazuh manager runs: Unpack the archive, ConfigTest a rules file (the
// `wazuh-analysisd -t` check), Start the engine with a stand-in wazuh-db, Run
// events through its queue socket as agents send them and read back every
// alert each raised, Reload after changing the rules, Stop.
//
// Events are sent as oracle_client.py sends them: each one followed by a
// sentinel event that always raises rule 999900 (EventChannel) or 999901
// (syslog/JSON), so the alerts written to logs/alerts/alerts.json before the
// sentinel's alert belong to the event (the build runs one thread per stage,
// so order is kept). The engine needs Linux and root (analysisd chroots into
// its folder) and python3 (the wazuh-db stand-in); elsewhere every call
// returns ErrUnsupported.
package analysisd

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrUnsupported is returned where the engine cannot run (not Linux).
var ErrUnsupported = errors.New("analysisd: the real wazuh-analysisd runs on Linux only")

// ArchiveName is the archive's file name under ../shared/wazuh.
const ArchiveName = "wazuh-analysisd-4.14.7.tar.xz"

// Event is one event for Run: either a Windows event (XML set) or a JSON or
// syslog line (Line set).
type Event struct {
	// XML is the rendered Windows event (<Event xmlns=...>...</Event>), as the
	// agent's EvtRender produces it (see EVTXJSONEvents, WindowsEventXML). Run
	// applies AgentFormat (CR/LF to spaces) unless RawXML, and sends
	// f:EventChannel:{"Message":..,"Event":..}: the eventchannel decoder's path.
	XML     string
	Message string
	RawXML  bool
	// Line is a JSON or syslog line sent as 1:<Location>:<Line> (the JSON
	// decoder takes lines starting with '{'); Location defaults to "rulec".
	Line     string
	Location string
}

// Alert is one alert an event raised.
type Alert struct {
	RuleID      int
	Level       int
	Description string
	Groups      []string
	// FullLog is the alert's full_log: for eventchannel events the decoded
	// JSON {"win":{"system":{...},"eventdata":{...}}} (absent when the rule
	// says no_full_log).
	FullLog string
	// Raw is the alert as written to alerts.json.
	Raw json.RawMessage
}

// HasGroup reports whether the alert's rule carries the group.
func (a Alert) HasGroup(g string) bool {
	for _, x := range a.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Result holds every alert an event raised (none: no rule of level 1 or more
// matched, or a level-0 rule ended the event).
type Result struct {
	Alerts []Alert
}

// Final is the event's alert (Wazuh raises at most one per event), or nil.
func (r Result) Final() *Alert {
	if len(r.Alerts) == 0 {
		return nil
	}
	return &r.Alerts[0]
}

// RuleID is the final alert's rule id, 0 without alert.
func (r Result) RuleID() int {
	if a := r.Final(); a != nil {
		return a.RuleID
	}
	return 0
}

func parseAlert(line []byte) (Alert, error) {
	var a struct {
		Rule struct {
			ID          string   `json:"id"`
			Level       int      `json:"level"`
			Description string   `json:"description"`
			Groups      []string `json:"groups"`
		} `json:"rule"`
		FullLog string `json:"full_log"`
	}
	if err := json.Unmarshal(line, &a); err != nil {
		return Alert{}, fmt.Errorf("analysisd: unreadable alert %.120q: %w", line, err)
	}
	id, _ := strconv.Atoi(a.Rule.ID)
	return Alert{RuleID: id, Level: a.Rule.Level, Description: a.Rule.Description, Groups: a.Rule.Groups,
		FullLog: a.FullLog, Raw: append(json.RawMessage(nil), line...)}, nil
}

// Engine is an unpacked wazuh-oracle folder and, once started, its running
// wazuh-analysisd.
type Engine struct {
	// Dir is the unpacked wazuh-oracle folder; Root its install tree (root/).
	Dir, Root string
	// Python runs the wazuh-db stand-in (default python3).
	Python string
	// Timeout is how long Run waits without progress (default 60 s); Batch
	// how many events are in flight at once (default 200).
	Timeout time.Duration
	Batch   int
	// ConfigTestDuration is how long the last ConfigTest took; StartDuration
	// and ReloadDuration the last Start and Reload (until the engine answered).
	ConfigTestDuration, StartDuration, ReloadDuration time.Duration

	state
}
