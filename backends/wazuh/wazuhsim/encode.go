package wazuhsim

import (
	"strings"
)

// xmlEntities renders text as Windows writes it in event XML.
var xmlEntities = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// EventchannelValue returns the value a Windows event field has in Wazuh, given its
// original text, and false when Wazuh drops it. It reproduces the 4.x path: Windows
// renders the event as XML (`&`, `<`, `>` as entities), the manager prints that XML
// as a JSON string before parsing it (cJSON escapes `\`, `"` and control characters),
// trims trailing white space, and drops values that are empty, `-` or `(NULL)`.
func EventchannelValue(s string) (string, bool) {
	if s == "" || s == "-" || s == "(NULL)" {
		return "", false
	}
	// Windows renders the XML entities; cJSON then escapes the result.
	xmlText := xmlEntities.Replace(s)
	var b strings.Builder
	writeCJSONEscaped(&b, xmlText)
	// replace_win_format trims trailing white space but keeps the first character.
	out := b.String()
	end := len(out)
	for end > 1 && strings.IndexByte(" \t\n\v\f\r", out[end-1]) >= 0 {
		end--
	}
	return out[:end], true
}
