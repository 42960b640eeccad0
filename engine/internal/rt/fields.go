package rt

import "strings"

// spacedNames finds, for one event, the fields whose names are written with
// spaces: Windows Defender's EventData says "Source Name", "Threat Name",
// "Process Name" where Sigma rules (and SigmaHQ's own checker) say
// SourceName, ThreatName, ProcessName. The runtime (evalCtx, in every State)
// reads event fields through getField with one spacedNames per state.
type spacedNames struct {
	built bool
	// m maps a name with its spaces removed to the event's name.
	m     map[string]string
	visit func(string, Value) bool
}

// reset forgets the previous event's names.
func (s *spacedNames) reset() { s.built = false }

// getField returns the event's field name: Event.Get, else, for a name
// without spaces, the field whose name is name once its spaces are removed
// (an exact name always wins).
func getField(ev Event, name string, sp *spacedNames) (Value, bool) {
	if v, ok := ev.Get(name); ok {
		return v, true
	}
	if name == "" || strings.IndexByte(name, ' ') >= 0 {
		return Value{}, false
	}
	if !sp.built {
		sp.build(ev)
	}
	if orig, ok := sp.m[name]; ok {
		return ev.Get(orig)
	}
	return Value{}, false
}

func (sp *spacedNames) build(ev Event) {
	sp.built = true
	clear(sp.m)
	switch e := ev.(type) {
	case *FlatEvent:
		for k := range e.Fields {
			sp.add(k)
		}
	case *MapEvent:
		for k := range e.M {
			sp.add(k)
		}
	default:
		if sp.visit == nil {
			sp.visit = func(k string, _ Value) bool {
				sp.add(k)
				return true
			}
		}
		ev.Each(sp.visit)
	}
}

func (sp *spacedNames) add(k string) {
	if strings.IndexByte(k, ' ') < 0 {
		return
	}
	if sp.m == nil {
		sp.m = map[string]string{}
	}
	c := strings.ReplaceAll(k, " ", "")
	// Names that differ only by spaces: keep the smallest, for a deterministic answer.
	if old, ok := sp.m[c]; !ok || k < old {
		sp.m[c] = k
	}
}

// LookupField reads an event field as rules do: Event.Get, else (for a name
// without spaces) the field whose name is name once its spaces are removed
// ("Source Name" for SourceName). For callers outside the runtimes
// (correlation group-by fields, tools); it does not cache.
func LookupField(ev Event, name string) (Value, bool) {
	var sp spacedNames
	return getField(ev, name, &sp)
}
