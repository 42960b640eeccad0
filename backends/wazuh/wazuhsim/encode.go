package wazuhsim

import (
	"fmt"
	"strings"
)

// EventchannelValue returns the value a Windows event field has in Wazuh, given its
// original text, and false when Wazuh drops it. It reproduces the 4.x path: Windows
// renders the event as XML (`&`, `<`, `>` as entities), the manager prints that XML
// as a JSON string before parsing it (cJSON escapes `\`, `"` and control characters),
// trims trailing white space, and drops values that are empty, `-` or `(NULL)`.
func EventchannelValue(s string) (string, bool) {
	if s == "" || s == "-" || s == "(NULL)" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	// replace_win_format trims trailing white space but keeps the first character.
	out := b.String()
	end := len(out)
	for end > 1 && strings.IndexByte(" \t\n\v\f\r", out[end-1]) >= 0 {
		end--
	}
	return out[:end], true
}
