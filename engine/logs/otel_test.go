package logs

import (
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

func TestOTel(t *testing.T) {
	export := `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"auth"}},{"key":"host.name","value":{"stringValue":"h1"}}]},
"scopeLogs":[{"scope":{"name":"my.lib","version":"1.0"},"logRecords":[
 {"timeUnixNano":"1704164645123456789","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"login failed"},
  "attributes":[{"key":"user.name","value":{"stringValue":"root"}},{"key":"attempts","value":{"intValue":"3"}},
   {"key":"ok","value":{"boolValue":false}},{"key":"ratio","value":{"doubleValue":0.5}},
   {"key":"tags","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}},
   {"key":"http","value":{"kvlistValue":{"values":[{"key":"method","value":{"stringValue":"POST"}}]}}},
   {"key":"host.name","value":{"stringValue":"override"}}],
  "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"},
 {"observedTimeUnixNano":"1704164646000000000","body":{"kvlistValue":{"values":[{"key":"event","value":{"stringValue":"x"}}]}}}
]}]}]}`
	plain := `{"timestamp":"2024-01-02T03:04:05Z","severityText":"INFO","body":"plain record","attributes":{"process.command_line":"bash -c id","n":5},"resource":{"service.name":"svc"}}`
	tests := []struct {
		name   string
		in     string
		format Format
		want   []map[string]string
		times  []time.Time
	}{
		{
			name: "OTLP export",
			in:   export,
			want: []map[string]string{
				{
					"user.name": "root", "attributes.user.name": "root", "attempts": "3", "ok": "false", "ratio": "0.5",
					"http.method": "POST", "attributes.http.method": "POST",
					"service.name": "auth", "resource.service.name": "auth", "host.name": "override", "resource.host.name": "h1",
					"body": "login failed", "severity": "ERROR", "severity_text": "ERROR", "severity_number": "17",
					"trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
					"scope.name": "my.lib", "timestamp": "2024-01-02T03:04:05.123456789Z",
				},
				{"body.event": "x", "service.name": "auth", "severity": "<absent>"},
			},
			times: []time.Time{time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC), time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC)},
		},
		{
			name: "plain log record line",
			in:   plain,
			want: []map[string]string{{
				"process.command_line": "bash -c id", "attributes.process.command_line": "bash -c id", "n": "5",
				"service.name": "svc", "resource.service.name": "svc", "body": "plain record", "severity": "INFO",
				"timestamp": "2024-01-02T03:04:05Z",
			}},
			times: []time.Time{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		},
		{
			name:   "explicit otel on a minimal object",
			in:     `{"body":"b","attributes":[]}` + "\n" + `{"body":"c","t":1}`,
			format: FormatOTel,
			want:   []map[string]string{{"body": "b"}, {"body": "c"}},
			times:  []time.Time{{}, {}},
		},
		{
			name:  "OTLP export streamed from a wrapper",
			in:    "{\"resourceLogs\": [\n" + export[len(`{"resourceLogs":[`):],
			want:  []map[string]string{{"user.name": "root"}, {"body.event": "x"}},
			times: []time.Time{time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC), time.Date(2024, 1, 2, 3, 4, 6, 0, time.UTC)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readString(t, tt.in, tt.format)
			if len(res.errs) > 0 {
				t.Fatalf("errors %v", res.errs)
			}
			if len(res.recs) != len(tt.want) {
				t.Fatalf("%d records, want %d", len(res.recs), len(tt.want))
			}
			for i, rec := range res.recs {
				if _, ok := rec.Event.(*engine.MapEvent); !ok {
					t.Errorf("record %d: %T", i, rec.Event)
				}
				for k, want := range tt.want[i] {
					if got := get(t, rec, k); got != want {
						t.Errorf("record %d: %s = %q, want %q", i, k, got, want)
					}
				}
				if !rec.Time.Equal(tt.times[i]) {
					t.Errorf("record %d: time %v, want %v", i, rec.Time, tt.times[i])
				}
				if rec.Index != i {
					t.Errorf("record %d: index %d", i, rec.Index)
				}
			}
		})
	}
	// Array attributes are arrays; numbers are numbers.
	res := readString(t, export, "")
	if v, _ := res.recs[0].Event.Get("tags"); v.Kind != engine.KindArray || len(v.Arr) != 2 {
		t.Errorf("tags = %+v", v)
	}
	if v, _ := res.recs[0].Event.Get("attempts"); v.Kind != engine.KindNumber || v.N != 3 {
		t.Errorf("attempts = %+v", v)
	}
}

func TestLooksLikeOTel(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"timeUnixNano":"1"}`, true},
		{`{"severityText":"x"}`, true},
		{`{"attributes":[{"key":"a","value":{}}]}`, true},
		{`{"body":"x","resource":{}}`, true},
		{`{"body":"x"}`, false},
		{`{"attributes":{"a":1}}`, false},
		{`{"a":1}`, false},
	}
	for _, tt := range tests {
		if got := looksLikeOTel(decodeJSON(t, tt.in)); got != tt.want {
			t.Errorf("%s: %v", tt.in, got)
		}
	}
}
