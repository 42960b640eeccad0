package wazuh

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// XMLRule is one Wazuh rule as written to the rules file.
type XMLRule struct {
	ID    int
	Level int
	// IfSID lists the parent rules; IfGroup is used instead when IfSID is empty.
	IfSID   []int
	IfGroup string
	// DecodedAs and Category restrict root rules to a decoder (rarely needed).
	DecodedAs string
	Fields    []XMLField
	// Statics are tests of static fields (`<url type="pcre2">`), one per element.
	Statics []XMLStatic
	// Regex is a PCRE2 test on the whole log (keyword searches), empty when unused.
	Regex       string
	RegexNegate bool
	Description string
	Mitre       []string
	Info        []XMLInfo
	// Groups are added to the rule's group list.
	Groups    []string
	NoFullLog bool
	// NoLog keeps the alert out of the alert log (it still counts for correlations).
	NoLog bool
	// Correlation: Frequency events (0: attribute left out) within Timeframe
	// seconds that ended on a rule of IfMatchedGroup, grouped by SameFields
	// (dynamic) and SameStatic (same_* elements), over all agents with
	// GlobalFrequency.
	Frequency, Timeframe int
	// IfMatchedSID counts the alerts of one rule (each event once) instead
	// of IfMatchedGroup.
	IfMatchedSID    int
	IfMatchedGroup  string
	SameFields      []string
	SameStatic      []string
	GlobalFrequency bool
	// Comment is written before the rule.
	Comment string
}

// XMLField is a `<field name type="pcre2">` test.
type XMLField struct {
	Name    string
	Pattern string
	Negate  bool
}

// XMLStatic is a test of a static field by its own element (`<url type="pcre2">`).
type XMLStatic struct {
	Elem    string
	Pattern string
	Negate  bool
}

// XMLInfo is an `<info type="...">` element.
type XMLInfo struct {
	Type string // text or link
	Text string
}

// WriteXML writes rules as one Wazuh rules file under a single root group. The output
// is well-formed XML for standard tools and reads the same in Wazuh, whose reader
// decodes no entities: element text may not contain `<`, `>`, `&` or a carriage
// return (patterns use \x3c-style escapes, free text is cleaned by the caller).
func WriteXML(header string, rootGroup string, rules []XMLRule) ([]byte, error) {
	doc := etree.NewDocument()
	doc.WriteSettings.CanonicalText = true
	doc.WriteSettings.CanonicalAttrVal = true
	if header != "" {
		doc.CreateComment(commentText(header))
	}
	root := doc.CreateElement("group")
	root.CreateAttr("name", rootGroup)
	var errs []string
	check := func(id int, what, s string) string {
		if strings.ContainsAny(s, "<>&\r") {
			errs = append(errs, fmt.Sprintf("rule %d: %s contains a character Wazuh would read differently (<, >, & or CR): %q", id, what, s))
		}
		return s
	}
	for _, r := range rules {
		if r.Level < 0 || r.Level > 16 {
			errs = append(errs, fmt.Sprintf("rule %d: level %d outside 0-16", r.ID, r.Level))
		}
		if r.Comment != "" {
			root.CreateComment(commentText(r.Comment))
		}
		e := root.CreateElement("rule")
		e.CreateAttr("id", strconv.Itoa(r.ID))
		e.CreateAttr("level", strconv.Itoa(r.Level))
		if r.Frequency > 0 {
			e.CreateAttr("frequency", strconv.Itoa(r.Frequency))
		}
		if r.Timeframe > 0 {
			e.CreateAttr("timeframe", strconv.Itoa(r.Timeframe))
		}
		if r.IfMatchedSID != 0 {
			e.CreateElement("if_matched_sid").SetText(strconv.Itoa(r.IfMatchedSID))
		}
		if r.IfMatchedGroup != "" {
			e.CreateElement("if_matched_group").SetText(check(r.ID, "if_matched_group", r.IfMatchedGroup))
		}
		if len(r.IfSID) > 0 {
			ids := make([]string, len(r.IfSID))
			for i, id := range r.IfSID {
				ids[i] = strconv.Itoa(id)
			}
			e.CreateElement("if_sid").SetText(strings.Join(ids, ", "))
		} else if r.IfGroup != "" {
			e.CreateElement("if_group").SetText(check(r.ID, "if_group", r.IfGroup))
		}
		if r.DecodedAs != "" {
			e.CreateElement("decoded_as").SetText(check(r.ID, "decoded_as", r.DecodedAs))
		}
		for _, f := range r.Fields {
			fe := e.CreateElement("field")
			fe.CreateAttr("name", check(r.ID, "field name", f.Name))
			fe.CreateAttr("type", "pcre2")
			if f.Negate {
				fe.CreateAttr("negate", "yes")
			}
			fe.SetText(check(r.ID, "pattern", f.Pattern))
		}
		for _, st := range r.Statics {
			se := e.CreateElement(st.Elem)
			se.CreateAttr("type", "pcre2")
			if st.Negate {
				se.CreateAttr("negate", "yes")
			}
			se.SetText(check(r.ID, "pattern", st.Pattern))
		}
		if r.Regex != "" {
			re := e.CreateElement("regex")
			re.CreateAttr("type", "pcre2")
			if r.RegexNegate {
				re.CreateAttr("negate", "yes")
			}
			re.SetText(check(r.ID, "pattern", r.Regex))
		}
		for _, f := range r.SameFields {
			e.CreateElement("same_field").SetText(check(r.ID, "same_field", f))
		}
		for _, el := range r.SameStatic {
			e.CreateElement(el)
		}
		if r.GlobalFrequency {
			e.CreateElement("global_frequency")
		}
		e.CreateElement("description").SetText(check(r.ID, "description", r.Description))
		if len(r.Mitre) > 0 {
			m := e.CreateElement("mitre")
			for _, id := range r.Mitre {
				m.CreateElement("id").SetText(check(r.ID, "mitre id", id))
			}
		}
		for _, in := range r.Info {
			ie := e.CreateElement("info")
			ie.CreateAttr("type", in.Type)
			ie.SetText(check(r.ID, "info", in.Text))
		}
		if len(r.Groups) > 0 {
			e.CreateElement("group").SetText(check(r.ID, "group", strings.Join(r.Groups, ",")+","))
		}
		if r.NoFullLog {
			e.CreateElement("options").SetText("no_full_log")
		}
		if r.NoLog {
			e.CreateElement("options").SetText("no_log")
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("writing Wazuh XML: %s", strings.Join(errs, "; "))
	}
	doc.Indent(2)
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("writing Wazuh XML: %w", err)
	}
	if i := bytes.IndexByte(buf.Bytes(), '&'); i >= 0 {
		return nil, fmt.Errorf("writing Wazuh XML: an entity slipped into the output at byte %d (Wazuh reads entities literally)", i)
	}
	return buf.Bytes(), nil
}

// commentText makes text safe inside an XML comment for both standard parsers and
// Wazuh's reader (which also ends a comment at `!>`).
func commentText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\t':
			return ' '
		case '<', '>', '&':
			return '_'
		}
		// What XML 1.0 cannot carry (control characters, U+FFFE, U+FFFF;
		// strings.Map already made invalid UTF-8 U+FFFD) would make the whole
		// file fail to parse.
		if r < 0x20 || (r >= 0xd800 && r <= 0xdfff) || r == 0xfffe || r == 0xffff || r > 0x10ffff {
			return '?'
		}
		return r
	}, s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	s = strings.ReplaceAll(s, "!>", "! >")
	s = strings.TrimSuffix(s, "-")
	return " " + s + " "
}

// cleanText makes free text (descriptions, info, groups) safe for Wazuh: no
// `<`, `>`, `&` (which could only be written as entities that Wazuh reads
// literally), no `$(` (a Wazuh description placeholder), one line.
func cleanText(s string) string {
	s = strings.NewReplacer("&", " and ", "<", "(", ">", ")", "$(", "$ (", "\r", " ", "\n", " ", "\t", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// cleanGroup makes a group name: no commas (the list separator), no spaces, safe text.
func cleanGroup(s string) string {
	s = cleanText(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ',', ' ', '(', ')', '$':
			return '_'
		}
		return r
	}, s)
}

// cleanLink percent-encodes the characters of a URL that Wazuh would misread.
func cleanLink(s string) string {
	return strings.NewReplacer("&", "%26", "<", "%3C", ">", "%3E", " ", "%20", "\n", "", "\r", "", "$", "%24").Replace(strings.TrimSpace(s))
}
