package logs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSyslog(t *testing.T) {
	now := func() time.Time { return time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		line string
		want map[string]string
		time time.Time
	}{
		{
			name: "5424 with structured data",
			line: `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high" q="a \"b\" \]"] ` + "\ufeff" + `An application event`,
			want: map[string]string{
				"facility": "20", "severity": "5", "priority": "165", "version": "1", "timestamp": "2003-10-11T22:14:15.003Z",
				"host": "mymachine.example.com", "hostname": "mymachine.example.com", "app": "evntslog", "program": "evntslog",
				"pid": "<absent>", "msgid": "ID47", "msg": "An application event", "message": "An application event",
				"exampleSDID@32473.iut": "3", "eventSource": "Application", "examplePriority@32473.class": "high", "q": `a "b" ]`,
			},
			time: time.Date(2003, 10, 11, 22, 14, 15, 3e6, time.UTC),
		},
		{
			name: "5424 nil values",
			line: `<34>1 2003-10-11T22:14:15.003+02:00 - su 123 - - 'su root' failed`,
			want: map[string]string{"host": "<absent>", "app": "su", "pid": "123", "msgid": "<absent>", "msg": "'su root' failed", "severity": "2", "facility": "4"},
			time: time.Date(2003, 10, 11, 20, 14, 15, 3e6, time.UTC),
		},
		{
			name: "3164",
			line: `<13>Feb  5 17:32:18 myhost sshd[4321]: Failed password for root from 10.0.0.1`,
			want: map[string]string{"facility": "1", "severity": "5", "timestamp": "Feb  5 17:32:18", "host": "myhost", "app": "sshd", "program": "sshd", "pid": "4321", "msg": "Failed password for root from 10.0.0.1"},
			time: time.Date(2024, 2, 5, 17, 32, 18, 0, time.UTC),
		},
		{
			name: "3164 without PRI, last year",
			line: `Dec 31 23:59:59 host kernel: [  1.0] boot`,
			want: map[string]string{"facility": "<absent>", "host": "host", "app": "kernel", "pid": "<absent>", "msg": "[  1.0] boot"},
			time: time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC),
		},
		{
			name: "rsyslog high precision",
			line: `2024-01-02T03:04:05.123456+00:00 web1 nginx[77]: GET /`,
			want: map[string]string{"host": "web1", "app": "nginx", "pid": "77", "msg": "GET /"},
			time: time.Date(2024, 1, 2, 3, 4, 5, 123456e3, time.UTC),
		},
		{
			name: "3164 without tag",
			line: `<14>Mar  1 01:02:03 host just a message`,
			want: map[string]string{"host": "host", "app": "<absent>", "msg": "just a message"},
			time: time.Date(2024, 3, 1, 1, 2, 3, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, tm, err := parseSyslog(tt.line, now)
			if err != nil {
				t.Fatal(err)
			}
			rec := Record{Event: ev}
			for k, want := range tt.want {
				if got := get(t, rec, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if !tm.Equal(tt.time) {
				t.Errorf("time %v, want %v", tm, tt.time)
			}
		})
	}
}

func TestSyslogReader(t *testing.T) {
	in := "<13>Feb  5 17:32:18 h a: one\nnot syslog\n<999>Feb  5 17:32:18 h a: bad pri\n<13>1 - h a - - [bad sd\n<13>Feb  5 17:32:18 h a: tw\xffo\n"
	res := readString(t, in, "")
	if len(res.recs) != 2 || get(t, res.recs[0], "msg") != "one" || get(t, res.recs[1], "msg") != "tw\uFFFDo" {
		t.Fatalf("records %v", res.recs)
	}
	if res.recs[1].Index != 4 || res.recs[1].Line != 5 {
		t.Errorf("record 1: index %d line %d", res.recs[1].Index, res.recs[1].Line)
	}
	wantLines := []int{2, 3, 4, 5}
	if len(res.errs) != len(wantLines) {
		t.Fatalf("errors %v", res.errs)
	}
	for i, e := range res.errs {
		if e.Line != wantLines[i] || e.Index != wantLines[i]-1 {
			t.Errorf("error %d: %v", i, e)
		}
	}
	if !errors.Is(res.errs[3], ErrInvalidUTF8) {
		t.Errorf("%v", res.errs[3])
	}
}

func TestLogfmt(t *testing.T) {
	tests := []struct {
		line string
		want map[string]string
		err  string
	}{
		{`level=info msg="hello \"world\"\n" ts=2024-01-02T03:04:05Z http.path=/x flag`, map[string]string{"level": "info", "msg": "hello \"world\"\n", "http.path": "/x", "flag": ""}, ""},
		{`a= b=2`, map[string]string{"a": "", "b": "2"}, ""},
		{`a="unterminated`, nil, "unterminated"},
		{`just words`, nil, "no key=value"},
		{`=x`, nil, "expected a key"},
	}
	for _, tt := range tests {
		ev, tm, err := parseLogfmt(tt.line)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err %v, want %q", tt.line, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.line, err)
		}
		rec := Record{Event: ev}
		for k, want := range tt.want {
			if got := get(t, rec, k); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.line, k, got, want)
			}
		}
		if strings.Contains(tt.line, "ts=") && !tm.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("time %v", tm)
		}
	}
	res := readString(t, "a=1\nnope\nb=2\n", "")
	if len(res.recs) != 2 || len(res.errs) != 1 || res.errs[0].Line != 2 || res.recs[1].Index != 2 {
		t.Errorf("%v %v", res.recs, res.errs)
	}
	// Explicit format overrides sniffing: a JSON-looking line read as logfmt fails per line.
	res = readString(t, "{\"a\":1}\nk=v\n", FormatLogfmt)
	if len(res.recs) != 1 || len(res.errs) != 1 {
		t.Errorf("%v %v", res.recs, res.errs)
	}
}

func TestLineTooLong(t *testing.T) {
	in := "a=1\n" + "b=" + strings.Repeat("x", 200) + "\nc=3\n"
	r := newLogfmtReader("t.log", bufioReader(in))
	r.src.lines.max = 100
	res := readAllFrom(t, r2reader{r})
	if len(res.recs) != 2 || len(res.errs) != 1 || res.errs[0].Line != 2 || !errors.Is(res.errs[0], ErrTooLarge) {
		t.Fatalf("%v %v", res.recs, res.errs)
	}
	if res.recs[1].Line != 3 || res.recs[1].Index != 2 {
		t.Errorf("after: line %d index %d", res.recs[1].Line, res.recs[1].Index)
	}
}

// r2reader adds Close to a bare Next.
type r2reader struct{ *perLineReader }

func (r2reader) Close() error { return nil }
