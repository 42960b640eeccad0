package wazuhsim

import (
	"strings"
	"testing"
	"time"
)

// contextRules is a small ruleset: a syslog base rule (100001, level 3, group
// base_a) and correlation rules over it.
const contextRules = `<group name="test,">
  <rule id="100001" level="3">
    <match>login failed</match>
    <description>base</description>
    <group>base_a,</group>
  </rule>
  <rule id="100010" level="10" frequency="3" timeframe="60">
    <if_matched_sid>100001</if_matched_sid>
    <same_field>user</same_field>
    <global_frequency/>
    <description>three failures of one user in 60 s</description>
  </rule>
</group>
`

func loadString(t *testing.T, xml string) *Ruleset {
	t.Helper()
	rs := New()
	tmpl := `<group name="tmpl,"><rule id="1" level="0" noalert="1"><category>syslog</category><description>syslog</description></rule></group>`
	if err := rs.AddFile("0010-rules_config.xml", []byte(tmpl)); err != nil {
		t.Fatal(err)
	}
	if err := rs.AddFile("9000-test.xml", []byte(xml)); err != nil {
		t.Fatal(err)
	}
	for _, w := range rs.Warnings {
		t.Errorf("load: %s", w)
	}
	return rs
}

// step is one event of a timed sequence: seconds, user (empty: no field),
// agent, and the rule it must end on (0: none).
type step struct {
	at    float64
	user  string
	agent string
	want  int
}

func runSteps(t *testing.T, rs *Ruleset, steps []step) {
	t.Helper()
	s := rs.NewSession()
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, st := range steps {
		ev := &Event{Decoder: "test", Category: "syslog", Log: "login failed", Fields: map[string]string{}, Static: map[string]string{}, Agent: st.agent}
		if st.user != "" {
			ev.Fields["user"] = st.user
		}
		got := s.Process(ev, base.Add(time.Duration(st.at*float64(time.Second))))
		id := 0
		if got != nil {
			id = got.ID
		}
		if id != st.want {
			t.Errorf("event %d (t=%v, user %q): ends on %d, want %d", i, st.at, st.user, id, st.want)
		}
	}
}

func TestFrequencySemantics(t *testing.T) {
	rs := loadString(t, contextRules)
	tests := []struct {
		name  string
		steps []step
	}{
		{"frequency counts the current event", []step{{0, "a", "", 100001}, {10, "a", "", 100001}, {20, "a", "", 100010}}},
		{"an event exactly timeframe old counts", []step{{0, "a", "", 100001}, {30, "a", "", 100001}, {60, "a", "", 100010}}},
		{"one second more is outside", []step{{0, "a", "", 100001}, {30, "a", "", 100001}, {61, "a", "", 100001}}},
		// Processing time is whole seconds: 0.9 and 60.1 are 60 s apart for Wazuh.
		{"whole seconds", []step{{0.9, "a", "", 100001}, {30, "a", "", 100001}, {60.95, "a", "", 100010}}},
		{"the events used are consumed", []step{{0, "a", "", 100001}, {1, "a", "", 100001}, {2, "a", "", 100010},
			{3, "a", "", 100001}, {4, "a", "", 100001}, {5, "a", "", 100010}}},
		{"same_field separates users", []step{{0, "a", "", 100001}, {1, "b", "", 100001}, {2, "a", "", 100001},
			{3, "b", "", 100001}, {4, "a", "", 100010}, {5, "b", "", 100010}}},
		{"an event without the field never counts", []step{{0, "a", "", 100001}, {1, "a", "", 100001}, {2, "", "", 100001}, {3, "", "", 100001}}},
		{"global_frequency counts every agent", []step{{0, "a", "001", 100001}, {1, "a", "002", 100001}, {2, "a", "003", 100010}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runSteps(t, rs, tc.steps) })
	}
}

func TestFrequencyTwoDoesNotConsume(t *testing.T) {
	rs := loadString(t, strings.Replace(contextRules, `frequency="3"`, `frequency="2"`, 1))
	// With frequency 2 (stored as 0) no earlier event is marked: the first
	// failure keeps counting, so every later one fires.
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "a", "", 100010}, {2, "a", "", 100010}, {3, "a", "", 100010}})
}

func TestNoFrequencyOneEarlierEvent(t *testing.T) {
	rs := loadString(t, strings.Replace(contextRules, `frequency="3" `, ``, 1))
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "a", "", 100010}, {2, "a", "", 100010}})
}

func TestAgentsApartWithoutGlobalFrequency(t *testing.T) {
	rs := loadString(t, strings.Replace(contextRules, `<global_frequency/>`, ``, 1))
	runSteps(t, rs, []step{{0, "a", "001", 100001}, {1, "a", "002", 100001}, {2, "a", "001", 100001}, {3, "a", "001", 100010}})
}

// TestMatchedStopsLowerLevels: an event a correlation used is marked with its
// level; a rule of that level or lower stops its walk there.
func TestMatchedStopsLowerLevels(t *testing.T) {
	xml := strings.TrimSuffix(contextRules, "</group>\n") + `  <rule id="100011" level="9" frequency="3" timeframe="60">
    <if_matched_group>base_a</if_matched_group>
    <global_frequency/>
    <description>three failures of anyone</description>
  </rule>
</group>
`
	// Both follow the group: an if_matched_sid target's alerts go to no group list.
	rs := loadString(t, strings.Replace(xml, "<if_matched_sid>100001</if_matched_sid>", "<if_matched_group>base_a</if_matched_group>", 1))
	// 100010 (level 10) is tried before 100011 (level 9) and fires at the third
	// event of user a, marking the second (a1); 100011 needs three events of
	// anyone but stops at a1: b3 alone is not enough at c4, b3 and c4 are at b5.
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "a", "", 100001}, {2, "a", "", 100010},
		{3, "b", "", 100001}, {4, "c", "", 100001}, {5, "b", "", 100011}})
}

// TestSidTargetLeavesGroupLists: when an if_matched_sid names a rule, its
// alerts go to that rule's sid_prev_matched list only, never to the
// group_prev_matched lists (analysisd.c L2208-2232).
func TestSidTargetLeavesGroupLists(t *testing.T) {
	xml := strings.TrimSuffix(contextRules, "</group>\n") + `  <rule id="100011" level="9" frequency="3" timeframe="60">
    <if_matched_group>base_a</if_matched_group>
    <global_frequency/>
    <description>three failures of anyone</description>
  </rule>
</group>
`
	rs := loadString(t, xml)
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "b", "", 100001}, {2, "c", "", 100001}, {3, "d", "", 100001}})
}

// multiParentRules: the base rule hangs under three parents, so it has three
// tree nodes and OS_MarkGroup adds the correlation's list to it three times.
const multiParentRules = `<group name="test,">
  <rule id="100002" level="0">
    <if_sid>1</if_sid>
    <match>login</match>
    <description>parent 2</description>
  </rule>
  <rule id="100003" level="0">
    <if_sid>1</if_sid>
    <match>nothing</match>
    <description>parent 3</description>
  </rule>
  <rule id="100001" level="3">
    <if_sid>1,100002,100003</if_sid>
    <match>login failed</match>
    <description>base</description>
    <group>base_a,</group>
  </rule>
  <rule id="100010" level="10" frequency="5" timeframe="60">
    <if_matched_group>base_a</if_matched_group>
    <same_field>user</same_field>
    <global_frequency/>
    <description>five failures of one user in 60 s</description>
  </rule>
</group>
`

// TestMultiParentGroupCopies: each failed login is in the group list once per
// node of the base rule, so frequency="5" (4 earlier entries) fires on the 3rd
// event (the bug of if_matched_group over multi-parent rules; 9 parents fire
// on the 2nd); if_matched_sid holds each event once and fires on the 5th.
func TestMultiParentGroupCopies(t *testing.T) {
	rs := loadString(t, multiParentRules)
	if got := len(rs.Rule(100001).groupLists); got != 3 {
		t.Fatalf("base rule in %d group lists, want 3 (one per node)", got)
	}
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "a", "", 100001}, {2, "a", "", 100010}})
	rs = loadString(t, strings.Replace(multiParentRules, "<if_matched_group>base_a</if_matched_group>", "<if_matched_sid>100001</if_matched_sid>", 1))
	runSteps(t, rs, []step{{0, "a", "", 100001}, {1, "a", "", 100001}, {2, "a", "", 100001}, {3, "a", "", 100001}, {4, "a", "", 100010}, {5, "a", "", 100001}})
}

// TestMarkSeesEarlierRules: OS_MarkGroup runs when the correlation rule is
// loaded, so a rule loaded after it never joins its list; a rule whose
// if_matched_sid target is not loaded is dropped.
func TestMarkSeesEarlierRules(t *testing.T) {
	xml := `<group name="test,">
  <rule id="100010" level="10" frequency="3" timeframe="60">
    <if_sid>1</if_sid>
    <if_matched_group>base_a</if_matched_group>
    <description>three of base_a</description>
  </rule>
  <rule id="100001" level="3">
    <match>login failed</match>
    <description>base</description>
    <group>base_a,</group>
  </rule>
</group>
`
	rs := loadString(t, xml)
	if got := rs.Rule(100001).groupLists; len(got) != 0 {
		t.Errorf("a rule loaded after the correlation joined its list: %v", got)
	}
	rs = New()
	tmpl := `<group name="tmpl,"><rule id="1" level="0" noalert="1"><category>syslog</category><description>syslog</description></rule></group>`
	if err := rs.AddFile("0010-rules_config.xml", []byte(tmpl)); err != nil {
		t.Fatal(err)
	}
	bad := `<group name="t,"><rule id="100010" level="10" frequency="3"><if_sid>1</if_sid><if_matched_sid>100999</if_matched_sid><description>x</description></rule></group>`
	if err := rs.AddFile("9000-test.xml", []byte(bad)); err != nil {
		t.Fatal(err)
	}
	if rs.Rule(100010) != nil || len(rs.Warnings) != 1 {
		t.Errorf("rule with a missing if_matched_sid target loaded (warnings %v)", rs.Warnings)
	}
}
