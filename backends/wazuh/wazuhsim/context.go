package wazuhsim

import "time"

// defaultTimeframe is analysisd.default_timeframe (etc/internal_options.conf).
const defaultTimeframe = 360

// contextRule holds a rule's correlation options (frequency, timeframe,
// if_matched_*, same_*/different_*), as rules.c stores them.
type contextRule struct {
	// frequency is the attribute minus 2 (0 when absent), as rules.c stores it.
	frequency       int
	timeframe       int
	matchedSID      int
	matchedGroup    string
	sameFields      []string
	differentFields []string
	sameStatic      []string
	differentStatic []string
	global          bool
}

// Session runs events through a Ruleset one after the other, keeping what
// correlation rules look back at: the events that ended on each rule with a
// level above 0, in the lists of analysisd.c (L2208-2232): an event of an
// if_matched_sid target goes to that rule's sid_prev_matched list only;
// otherwise it joins each group_prev_matched list of its rule, once per entry
// (one per tree node of the rule, see Rule.groupLists), so a rule with several
// parents puts each event in a correlation's list several times and
// Search_LastGroups counts every copy. Each entry keeps the event's processing
// time, agent and `matched` mark (shared by its copies).
//
// Semantics reproduced from Search_LastSids / Search_LastGroups
// (src/analysisd/eventinfo.c, v4.14.7): earlier events are walked newest
// first; one older than timeframe seconds ends the walk (one exactly
// timeframe seconds old still counts); other agents' events are skipped unless
// <global_frequency/>; same_field needs the field in both events with equal
// text, different_field skips an event whose field equals the current one's;
// an event already marked by a firing of a rule of this level or higher ends
// the walk; the rule fires when frequency-1 earlier events qualify (frequency
// counts the current event; without the attribute one earlier event is
// enough). When it fires, the current event and the newest earlier qualifying
// event are marked, except for frequency 2 (stored as 0), where no earlier
// event is marked and the same earlier event keeps counting. Time is the
// manager's processing time in whole seconds (here: the time given to
// Process), not the event's own timestamp.
type Session struct {
	rs *Ruleset
	// sidLists are the sid_prev_matched lists by target rule id, groupLists
	// the group_prev_matched lists by correlation rule id.
	sidLists   map[int][]*firedEvent
	groupLists map[int][]*firedEvent
	now        time.Time
	current    *firedEvent
}

// firedEvent is an event that ended on an alerting rule.
type firedEvent struct {
	ev      *Event
	rule    *Rule
	t       time.Time
	matched int
}

// NewSession starts a stream of events.
func (rs *Ruleset) NewSession() *Session {
	return &Session{rs: rs, sidLists: map[int][]*firedEvent{}, groupLists: map[int][]*firedEvent{}}
}

// Process evaluates one event at processing time t and returns the rule it
// ends on (nil when none; it alerts when its level is above 0).
func (s *Session) Process(ev *Event, t time.Time) *Rule {
	s.now = t
	s.current = &firedEvent{ev: ev, t: t}
	final := s.rs.eval(ev, s)
	if final != nil && final.Level > 0 {
		s.current.rule = final
		if final.sidTarget {
			s.sidLists[final.ID] = append(s.sidLists[final.ID], s.current)
		} else {
			for _, id := range final.groupLists {
				s.groupLists[id] = append(s.groupLists[id], s.current)
			}
		}
	}
	s.current = nil
	return final
}

// search is the event_search of a context rule for the current event.
func (s *Session) search(ev *Event, r *Rule) bool {
	c := &r.ctx
	count := 0
	var first *firedEvent
	list := s.groupLists[r.ID]
	if c.matchedSID != 0 {
		list = s.sidLists[c.matchedSID]
	}
	for i := len(list) - 1; i >= 0; i-- {
		h := list[i]
		// generate_time is a time_t: whole seconds.
		if s.now.Unix()-h.t.Unix() > int64(c.timeframe) {
			return false
		}
		if !c.global && ev.Agent != h.ev.Agent {
			continue
		}
		if !sameFields(c, ev, h.ev) {
			continue
		}
		if h.matched >= r.Level {
			return false
		}
		if count < c.frequency {
			count++
			if first == nil {
				first = h
			}
			continue
		}
		s.current.matched = r.Level
		if first != nil {
			first.matched = r.Level
		}
		return true
	}
	return false
}

// sameFields applies the same_*/different_* options to an earlier event.
func sameFields(c *contextRule, cur, old *Event) bool {
	if len(c.sameFields) > 0 {
		if len(cur.Fields) == 0 || len(old.Fields) == 0 {
			return false
		}
		for _, f := range c.sameFields {
			a, ok1 := cur.field(f)
			b, ok2 := old.field(f)
			if !ok1 || !ok2 || a != b {
				return false
			}
		}
	}
	if len(c.differentFields) > 0 {
		if len(cur.Fields) == 0 && len(old.Fields) == 0 {
			return false
		}
		for _, f := range c.differentFields {
			a, ok1 := cur.field(f)
			b, ok2 := old.field(f)
			if ok1 && ok2 && a == b {
				return false
			}
		}
	}
	for _, f := range c.sameStatic {
		a, ok1 := cur.Static[f]
		b, ok2 := old.Static[f]
		if !ok1 || !ok2 || a != b {
			return false
		}
	}
	for _, f := range c.differentStatic {
		a, ok1 := cur.Static[f]
		b, ok2 := old.Static[f]
		if ok1 && ok2 && a == b {
			return false
		}
	}
	return true
}
