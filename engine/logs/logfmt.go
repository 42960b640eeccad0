package logs

import (
	"bufio"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// logfmt lines: key=value pairs separated by spaces; values may be quoted
// with Go-style escapes (\" \\ \n \t \uXXXX); a bare key has an empty value.
// The time is read from ts, time, timestamp or @timestamp.

func newLogfmtReader(name string, br *bufio.Reader) *perLineReader {
	return newPerLineReader(name, br, parseLogfmt)
}

var logfmtTimeFields = []string{"ts", "time", "timestamp", "@timestamp", "t"}

func parseLogfmt(line string) (engine.Event, time.Time, error) {
	f := map[string]engine.Value{}
	pairs := 0
	i := 0
	for i < len(line) {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		start := i
		for i < len(line) && line[i] != '=' && line[i] != ' ' && line[i] != '\t' && line[i] != '"' {
			i++
		}
		key := line[start:i]
		if key == "" {
			return nil, time.Time{}, errors.New("logfmt: expected a key at column " + strconv.Itoa(i+1))
		}
		if i >= len(line) || line[i] != '=' {
			if i < len(line) && line[i] == '"' {
				return nil, time.Time{}, errors.New("logfmt: unexpected quote at column " + strconv.Itoa(i+1))
			}
			f[key] = engine.Value{Kind: engine.KindString}
			continue
		}
		i++ // '='
		var val string
		if i < len(line) && line[i] == '"' {
			j := i + 1
			esc := false
			for ; j < len(line); j++ {
				if esc {
					esc = false
					continue
				}
				if line[j] == '\\' {
					esc = true
				} else if line[j] == '"' {
					break
				}
			}
			if j >= len(line) {
				return nil, time.Time{}, errors.New("logfmt: unterminated quoted value for " + key)
			}
			raw := line[i : j+1]
			v, err := strconv.Unquote(raw)
			if err != nil {
				v = strings.ReplaceAll(strings.ReplaceAll(raw[1:len(raw)-1], `\"`, `"`), `\\`, `\`)
			}
			val = v
			i = j + 1
		} else {
			j := i
			for j < len(line) && line[j] != ' ' && line[j] != '\t' {
				j++
			}
			val = line[i:j]
			i = j
		}
		f[key] = engine.Value{Kind: engine.KindString, S: val}
		pairs++
	}
	if pairs == 0 {
		return nil, time.Time{}, errors.New("not a logfmt line (no key=value pair)")
	}
	var t time.Time
	for _, k := range logfmtTimeFields {
		if v, ok := f[k]; ok {
			if t = parseTimeString(v.S); !t.IsZero() {
				break
			}
		}
	}
	return engine.NewFlatEvent(f), t, nil
}
