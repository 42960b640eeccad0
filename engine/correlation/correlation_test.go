package correlation

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

const baseRules = `
title: Failed
id: 00000000-0000-4000-8000-000000000001
name: failed
logsource: {product: test}
detection: {sel: {action: fail}, condition: sel}
---
title: Success
id: 00000000-0000-4000-8000-000000000002
name: success
logsource: {product: test}
detection: {sel: {action: ok}, condition: sel}
---
title: Denied
id: 00000000-0000-4000-8000-00000000000d
name: denied
logsource: {product: test}
detection: {sel: {action: denied}, condition: sel}
`

func load(t *testing.T, corr string) (*Engine, map[string]*ast.Rule) {
	t.Helper()
	res := frontend.LoadBytes("corr.yml", []byte(baseRules+"---\n"+corr))
	if len(res.FailedFiles) > 0 {
		t.Fatalf("load: %v", res.Diagnostics)
	}
	byName := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		byName[r.Name] = r
		if r.Name == "" {
			byName[r.Title] = r
		}
	}
	e, errs := New(res.Rules, Options{MaxGroups: 1000})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return e, byName
}

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

type ev struct {
	rule   string
	sec    int
	fields string // k=v,k=v
}

func feed(e *Engine, rules map[string]*ast.Rule, evs []ev) []Alert {
	var out []Alert
	for i, x := range evs {
		f := map[string]engine.Value{}
		for _, kv := range strings.Split(x.fields, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				f[k] = engine.Value{Kind: engine.KindString, S: v}
			}
		}
		out = append(out, e.Observe(Match{Rule: rules[x.rule], Event: engine.NewFlatEvent(f), Time: t0.Add(time.Duration(x.sec) * time.Second), Ref: EventRef{Source: "s", Index: i}})...)
	}
	return append(out, e.Flush()...)
}

func describe(as []Alert) string {
	var parts []string
	for _, a := range as {
		var g []string
		for _, v := range a.Group {
			g = append(g, v.Value)
		}
		var idx []string
		for _, r := range a.Events {
			idx = append(idx, fmt.Sprint(r.Index))
		}
		parts = append(parts, fmt.Sprintf("%s[%s]=%g@%s", a.Rule.Title, strings.Join(g, ","), a.Value, strings.Join(idx, " ")))
	}
	return strings.Join(parts, "; ")
}

func TestCorrelations(t *testing.T) {
	tests := []struct {
		name, corr string
		events     []ev
		want       string
	}{
		{"event_count below threshold", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 3}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 10, "user=a"}, {"failed", 20, "user=b"}}, ""},
		{"event_count at threshold", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 3}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 10, "user=a"}, {"failed", 20, "user=a"}}, "C[a]=3@0 1 2"},
		{"window edge exactly at boundary counts", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 2}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 60, "user=a"}}, "C[a]=2@0 1"},
		{"window edge just outside", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 2}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 61, "user=a"}}, ""},
		{"group-by with missing field skipped", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 2}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 1, "host=x"}}, ""},
		{"several group-by fields", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user, host], timespan: 60s, condition: {gte: 2}}`,
			[]ev{{"failed", 0, "user=a,host=x"}, {"failed", 1, "user=a,host=y"}, {"failed", 2, "user=a,host=x"}}, "C[a,x]=2@0 2"},
		{"no group-by is one group", `title: C
correlation: {type: event_count, rules: [failed], timespan: 60s, condition: {gt: 1}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 1, "user=b"}}, "C[]=2@0 1"},
		{"value_count", `title: C
correlation: {type: value_count, rules: [success], group-by: [src], timespan: 1h, condition: {field: host, gte: 3}}`,
			[]ev{{"success", 0, "src=1,host=a"}, {"success", 1, "src=1,host=a"}, {"success", 2, "src=1,host=b"}, {"success", 3, "src=1,host=c"}}, "C[1]=3@0 1 2 3"},
		{"value_count below", `title: C
correlation: {type: value_count, rules: [success], group-by: [src], timespan: 1h, condition: {field: host, gte: 3}}`,
			[]ev{{"success", 0, "src=1,host=a"}, {"success", 1, "src=1,host=a"}, {"success", 2, "src=1,host=b"}}, ""},
		{"temporal any order", `title: C
correlation: {type: temporal, rules: [failed, success], group-by: [user], timespan: 5m}`,
			[]ev{{"success", 0, "user=a"}, {"failed", 10, "user=a"}}, "C[a]=2@0 1"},
		{"temporal_ordered wrong order", `title: C
correlation: {type: temporal_ordered, rules: [failed, success], group-by: [user], timespan: 5m}`,
			[]ev{{"success", 0, "user=a"}, {"failed", 10, "user=a"}}, ""},
		{"temporal_ordered right order", `title: C
correlation: {type: temporal_ordered, rules: [failed, success], group-by: [user], timespan: 5m}`,
			[]ev{{"success", 0, "user=a"}, {"failed", 10, "user=a"}, {"success", 20, "user=a"}}, "C[a]=2@1 2"},
		{"value_sum", `title: C
correlation: {type: value_sum, rules: [success], group-by: [user], timespan: 1h, condition: {field: bytes, gt: 100}}`,
			[]ev{{"success", 0, "user=a,bytes=60"}, {"success", 1, "user=a,bytes=41"}}, "C[a]=101@0 1"},
		{"value_avg evaluated at window close", `title: C
correlation: {type: value_avg, rules: [success], group-by: [user], timespan: 10s, condition: {field: bytes, gt: 50}}`,
			[]ev{{"success", 0, "user=a,bytes=100"}, {"success", 1, "user=a,bytes=20"}, {"success", 30, "user=a,bytes=1"}}, "C[a]=60@0 1"},
		{"event_count lt at window close", `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 10s, condition: {lt: 2}}`,
			[]ev{{"failed", 0, "user=a"}, {"failed", 1, "user=a"}, {"failed", 5, "user=b"}}, "C[b]=1@2"},
		{"value_percentile", `title: C
correlation: {type: value_percentile, rules: [success], group-by: [user], timespan: 1h, condition: {field: ms, percentile: 50, gte: 20}}`,
			[]ev{{"success", 0, "user=a,ms=10"}, {"success", 1, "user=a,ms=20"}, {"success", 2, "user=a,ms=30"}}, "C[a]=20@0 1 2"},
		{"aliases", `title: C
correlation:
  type: temporal
  rules: [failed, success]
  group-by: [ip]
  timespan: 1m
  aliases:
    ip: {failed: src_ip, success: dst_ip}`,
			[]ev{{"failed", 0, "src_ip=1.2.3.4"}, {"success", 5, "dst_ip=1.2.3.4"}}, "C[1.2.3.4]=2@0 1"},
		// The aliases name the rules as the references do: an id in other case
		// than the target's, and a decoy whose name is that written id (the
		// reference resolves by id, so the first alias is not the decoy's).
		{"aliases read the resolved target", `title: Decoy
id: 00000000-0000-4000-8000-0000000000ee
name: 00000000-0000-4000-8000-00000000000D
logsource: {product: test}
detection: {sel: {action: decoy}, condition: sel}
---
title: C
correlation:
  type: event_count
  rules: [00000000-0000-4000-8000-00000000000D, 00000000-0000-4000-8000-0000000000EE]
  group-by: [ip]
  timespan: 1m
  condition: {gte: 2}
  aliases:
    ip: {00000000-0000-4000-8000-00000000000D: src_ip, 00000000-0000-4000-8000-0000000000EE: user_ip}`,
			[]ev{{"denied", 0, "src_ip=1.2.3.4"}, {"00000000-0000-4000-8000-00000000000D", 5, "user_ip=1.2.3.4,src_ip=9.9.9.9"}}, "C[1.2.3.4]=2@0 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, rules := load(t, tc.corr)
			if got := describe(feed(e, rules, tc.events)); got != tc.want {
				t.Errorf("alerts = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOutOfOrder(t *testing.T) {
	corr := `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 60s, condition: {gte: 3}}`
	res := frontend.LoadBytes("c.yml", []byte(baseRules+"---\n"+corr))
	rules := map[string]*ast.Rule{}
	for _, r := range res.Rules {
		rules[r.Name] = r
	}
	evs := []ev{{"failed", 30, "user=a"}, {"failed", 10, "user=a"}, {"failed", 20, "user=a"}}
	strict, _ := New(res.Rules, Options{})
	if got := describe(feed(strict, rules, evs)); got != "" {
		t.Errorf("without tolerance: %q", got)
	}
	if strict.Stats().Late != 2 {
		t.Errorf("late = %d", strict.Stats().Late)
	}
	tolerant, _ := New(res.Rules, Options{Tolerance: 30 * time.Second})
	if got := describe(feed(tolerant, rules, evs)); got != "C[a]=3@1 2 0" {
		t.Errorf("with tolerance: %q", got)
	}
}

func TestChainAndGenerate(t *testing.T) {
	corr := `title: Brute force then success
correlation: {type: temporal_ordered, rules: [many_failed, success], group-by: [user], timespan: 10m}
---
title: Many failed
name: many_failed
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 10m, condition: {gte: 3}}`
	e, rules := load(t, corr)
	got := describe(feed(e, rules, []ev{{"failed", 0, "user=a"}, {"failed", 1, "user=a"}, {"failed", 2, "user=a"}, {"success", 3, "user=a"}}))
	if got != "Many failed[a]=3@0 1 2; Brute force then success[a]=2@2 3" {
		t.Errorf("chain alerts = %q", got)
	}
	var all []*ast.Rule
	for _, r := range rules {
		all = append(all, r)
	}
	if !Suppressed(rules["failed"], all) || Suppressed(rules["Brute force then success"], all) {
		t.Error("generate: false should suppress base rules only")
	}
	// SuppressedSet decides the same, linear in the rules (issue 12: 40,000 rules took 28 s).
	set := SuppressedSet(all)
	for name, r := range rules {
		if set(r) != Suppressed(r, all) {
			t.Errorf("SuppressedSet(%s) = %v, Suppressed says %v", name, set(r), !set(r))
		}
	}
}

func TestGroupCapKeepsMemoryBounded(t *testing.T) {
	corr := `title: C
correlation: {type: event_count, rules: [failed], group-by: [user], timespan: 1h, condition: {gte: 1000}}`
	res := frontend.LoadBytes("c.yml", []byte(baseRules+"---\n"+corr))
	e, _ := New(res.Rules, Options{MaxGroups: 100})
	var failed *ast.Rule
	for _, r := range res.Rules {
		if r.Name == "failed" {
			failed = r
		}
	}
	for i := 0; i < 1000; i++ {
		ev := engine.NewFlatEvent(map[string]engine.Value{"user": {Kind: engine.KindString, S: fmt.Sprint(i)}})
		e.Observe(Match{Rule: failed, Event: ev, Time: t0})
	}
	st := e.Stats()
	if st.Groups != 100 || st.CapEvictions != 900 {
		t.Errorf("stats = %+v", st)
	}
}
