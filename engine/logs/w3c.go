package logs

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rulec/rulec/engine"
)

// W3C extended log files (IIS, and other web servers writing the format):
// directives start with '#' (#Version, #Software, #Date, #Fields), and each
// other line is one request whose space-separated values follow the last
// #Fields directive (a file may change its fields midway, as IIS does when it
// restarts). A value "-" is absent; a value in double quotes may hold spaces
// ("" inside is a quote). Header fields cs(Name) and sc(Name) are also given
// under the Sigma webserver taxonomy's names, cs-name and sc-name in lower
// case (cs(User-Agent) is cs-user-agent). Values are strings. The time is the
// date and time fields (UTC, as W3C specifies), or date-time when present.
// Events are of category webserver.

// w3cSource is the known source of a W3C extended log's events.
var w3cSource = engine.Source{Category: "webserver"}

// sniffW3C reports whether a first line is a W3C extended log directive.
func sniffW3C(first []byte) bool {
	for _, d := range []string{"#Software:", "#Version:", "#Fields:", "#Date:", "#Remark:", "#Start-Date:"} {
		if len(first) >= len(d) && strings.EqualFold(string(first[:len(d)]), d) {
			return true
		}
	}
	return false
}

// w3cParser holds the fields of the last #Fields directive.
type w3cParser struct {
	fields []string
	// aliases[i] is the taxonomy name of fields[i] ("" when the same).
	aliases []string
}

func newW3CReader(name string, br *bufio.Reader) *headedReader {
	p := &w3cParser{}
	return newHeadedReader(name, br, p.directive, p.parse)
}

func (r *w3cParser) directive(text string) error {
	name, rest, ok := strings.Cut(text[1:], ":")
	if !ok || !strings.EqualFold(strings.TrimSpace(name), "Fields") {
		return nil
	}
	r.fields = strings.Fields(rest)
	r.aliases = make([]string, len(r.fields))
	for i, f := range r.fields {
		r.aliases[i] = w3cAlias(f)
	}
	return nil
}

// w3cAlias gives the Sigma webserver taxonomy name of a W3C field: cs(User-Agent)
// is cs-user-agent, sc(Content-Type) sc-content-type; "" for the others.
func w3cAlias(f string) string {
	for _, p := range []string{"cs(", "sc(", "s(", "c("} {
		if strings.HasPrefix(strings.ToLower(f), p) && strings.HasSuffix(f, ")") {
			return p[:len(p)-1] + "-" + strings.ToLower(f[len(p):len(f)-1])
		}
	}
	return ""
}

func (r *w3cParser) parse(line string) (engine.Event, time.Time, error) {
	if r.fields == nil {
		return nil, time.Time{}, errors.New("W3C log: request line before any #Fields directive")
	}
	values, err := splitW3C(line, len(r.fields))
	if err != nil {
		return nil, time.Time{}, err
	}
	if len(values) != len(r.fields) {
		return nil, time.Time{}, fmt.Errorf("W3C log: %d values for the %d fields of #Fields", len(values), len(r.fields))
	}
	fields := make(map[string]engine.Value, len(values)+4)
	for i, v := range values {
		if v == "-" {
			continue
		}
		val := engine.Value{Kind: engine.KindString, S: v}
		fields[r.fields[i]] = val
		if a := r.aliases[i]; a != "" {
			if _, dup := fields[a]; !dup {
				fields[a] = val
			}
		}
	}
	var t time.Time
	if dt, ok := fields["date-time"]; ok {
		t = parseTimeString(dt.S)
	} else if d, ok := fields["date"]; ok {
		if tm, ok := fields["time"]; ok {
			t = parseTimeString(d.S + " " + tm.S)
		}
	}
	ev := engine.NewFlatEvent(fields)
	ev.Source = w3cSource
	return ev, t, nil
}

// splitW3C splits a request line at spaces (and tabs), reading quoted values;
// it stops past max+1 values (the count is then wrong anyway).
func splitW3C(line string, max int) ([]string, error) {
	out := make([]string, 0, max)
	i := 0
	for i < len(line) && len(out) <= max {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			break
		}
		if line[i] == '"' {
			var b strings.Builder
			j := i + 1
			closed := false
			for j < len(line) {
				if line[j] == '"' {
					if j+1 < len(line) && line[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					closed = true
					j++
					break
				}
				b.WriteByte(line[j])
				j++
			}
			if !closed {
				return nil, fmt.Errorf("W3C log: quoted value not closed (column %d)", i+1)
			}
			out = append(out, b.String())
			i = j
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		out = append(out, line[i:j])
		i = j
	}
	return out, nil
}
