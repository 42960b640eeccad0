package logs

import (
	"bufio"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// Syslog lines, RFC 5424 ("<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG")
// and RFC 3164 ("<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG", also without PRI as
// in /var/log files, or with an RFC 3339 timestamp as rsyslog writes). Fields:
// facility, severity, priority (numbers as text), timestamp (as written),
// host and hostname, app and program, pid, msgid, version, msg and message;
// RFC 5424 structured data as structured_data (raw), "SDID.param" and, when
// not taken, "param". RFC 3164 timestamps have no year: the year is the
// current one, or the previous one for a date more than a month ahead.

var (
	syslog5424 = regexp.MustCompile(`^<(\d{1,3})>(\d{1,2}) (\S+) (\S+) (\S+) (\S+) (\S+) ?(.*)$`)
	syslogPRI  = regexp.MustCompile(`^<(\d{1,3})>`)
	bsdStamp   = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ 0-9]\d) (\d\d:\d\d:\d\d(?:\.\d+)?) `)
	isoStamp   = regexp.MustCompile(`^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) `)
	syslogTag  = regexp.MustCompile(`^([^\s\[\]:]+)(?:\[([^\]]*)\])?: ?`)
)

func newSyslogReader(name string, br *bufio.Reader, now func() time.Time) *perLineReader {
	return newPerLineReader(name, br, func(line string) (engine.Event, time.Time, error) {
		return parseSyslog(line, now)
	})
}

func parseSyslog(line string, now func() time.Time) (engine.Event, time.Time, error) {
	f := map[string]engine.Value{}
	set := func(k, v string) { f[k] = engine.Value{Kind: engine.KindString, S: v} }
	pri := func(p string) error {
		n, _ := strconv.Atoi(p)
		if n > 191 {
			return errors.New("syslog priority above 191")
		}
		set("priority", p)
		set("facility", strconv.Itoa(n/8))
		set("severity", strconv.Itoa(n%8))
		return nil
	}
	var t time.Time
	if m := syslog5424.FindStringSubmatch(line); m != nil {
		if err := pri(m[1]); err != nil {
			return nil, t, err
		}
		set("version", m[2])
		nil5424 := func(k1, k2, v string) {
			if v != "-" {
				set(k1, v)
				if k2 != "" {
					set(k2, v)
				}
			}
		}
		nil5424("timestamp", "", m[3])
		if m[3] != "-" {
			t = parseTimeString(m[3])
			if t.IsZero() {
				return nil, t, errors.New("RFC 5424 timestamp " + strconv.Quote(m[3]) + " not understood")
			}
		}
		nil5424("host", "hostname", m[4])
		nil5424("app", "program", m[5])
		nil5424("pid", "", m[6])
		nil5424("msgid", "", m[7])
		rest := m[8]
		if strings.HasPrefix(rest, "-") {
			rest = strings.TrimPrefix(strings.TrimPrefix(rest, "-"), " ")
		} else if strings.HasPrefix(rest, "[") {
			sd, after, err := parseSD(rest, f)
			if err != nil {
				return nil, t, err
			}
			set("structured_data", sd)
			rest = strings.TrimPrefix(after, " ")
		}
		rest = strings.TrimPrefix(rest, "\ufeff")
		set("msg", rest)
		set("message", rest)
		return engine.NewFlatEvent(f), t, nil
	}
	// RFC 3164.
	rest := line
	if m := syslogPRI.FindStringSubmatch(rest); m != nil {
		if err := pri(m[1]); err != nil {
			return nil, t, err
		}
		rest = rest[len(m[0]):]
	}
	if m := bsdStamp.FindStringSubmatch(rest); m != nil {
		stamp := m[0][:len(m[0])-1]
		set("timestamp", stamp)
		t = bsdTime(m[1], strings.TrimSpace(m[2]), m[3], now())
		rest = rest[len(m[0]):]
	} else if m := isoStamp.FindStringSubmatch(rest); m != nil {
		set("timestamp", m[1])
		t = parseTimeString(m[1])
		rest = rest[len(m[0]):]
	} else {
		return nil, t, errors.New("not a syslog line (no RFC 5424 header, no RFC 3164 timestamp)")
	}
	// HOST, unless the next word is already the tag.
	if i := strings.IndexByte(rest, ' '); i > 0 && !syslogTag.MatchString(rest[:i+1]) {
		set("host", rest[:i])
		set("hostname", rest[:i])
		rest = rest[i+1:]
	}
	if m := syslogTag.FindStringSubmatch(rest); m != nil {
		set("app", m[1])
		set("program", m[1])
		if m[2] != "" {
			set("pid", m[2])
		}
		rest = rest[len(m[0]):]
	}
	set("msg", rest)
	set("message", rest)
	return engine.NewFlatEvent(f), t, nil
}

var months = map[string]time.Month{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

// bsdTime builds an RFC 3164 time (UTC, no year given).
func bsdTime(mon, day, clock string, now time.Time) time.Time {
	d, _ := strconv.Atoi(day)
	c, err := time.Parse("15:04:05.999999999", clock)
	if err != nil {
		return time.Time{}
	}
	year := now.Year()
	t := time.Date(year, months[mon], d, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), time.UTC)
	if t.Sub(now) > 31*24*time.Hour {
		t = t.AddDate(-1, 0, 0)
	}
	return t
}

// parseSD reads RFC 5424 structured data elements into fields; it returns the
// raw text and what follows it.
func parseSD(s string, f map[string]engine.Value) (string, string, error) {
	i := 0
	var later [][2]string // bare param names, set after all SDID.param
	for i < len(s) && s[i] == '[' {
		j := i + 1
		for j < len(s) && s[j] != ' ' && s[j] != ']' {
			j++
		}
		id := s[i+1 : j]
		for j < len(s) && s[j] == ' ' {
			j++
			k := j
			for k < len(s) && s[k] != '=' {
				k++
			}
			if k+1 >= len(s) || s[k+1] != '"' {
				return "", "", errors.New("malformed RFC 5424 structured data")
			}
			name := s[j:k]
			var b strings.Builder
			k += 2
			for k < len(s) && s[k] != '"' {
				if s[k] == '\\' && k+1 < len(s) && (s[k+1] == '"' || s[k+1] == '\\' || s[k+1] == ']') {
					k++
				}
				b.WriteByte(s[k])
				k++
			}
			if k >= len(s) {
				return "", "", errors.New("unterminated RFC 5424 structured data value")
			}
			f[id+"."+name] = engine.Value{Kind: engine.KindString, S: b.String()}
			later = append(later, [2]string{name, b.String()})
			j = k + 1
		}
		if j >= len(s) || s[j] != ']' {
			return "", "", errors.New("malformed RFC 5424 structured data")
		}
		i = j + 1
	}
	for _, p := range later {
		if _, ok := f[p[0]]; !ok {
			f[p[0]] = engine.Value{Kind: engine.KindString, S: p[1]}
		}
	}
	return s[:i], s[i:], nil
}
