package rulexml

import "strings"

// staticElems are the single-value elements and their default expression types.
var staticElems = map[string]string{
	"match": "osmatch", "regex": "osregex", "program_name": "osmatch", "id": "osmatch", "url": "osmatch",
	"protocol": "osmatch", "action": "string", "user": "osmatch", "hostname": "osmatch", "location": "osmatch",
	"data": "osmatch", "extra_data": "osmatch", "status": "osmatch", "system_name": "osmatch",
	"srcport": "osmatch", "dstport": "osmatch", "srcgeoip": "osmatch", "dstgeoip": "osmatch",
}

// metaElems are elements that do not test the event.
var metaElems = map[string]bool{
	"description": true, "group": true, "mitre": true, "info": true, "options": true, "cve": true,
	"same_source_ip": true, "same_srcip": true, "same_user": true, "same_location": true, "same_id": true,
	"same_field": true, "different_field": true, "not_same_field": true, "check_diff": true, "var": true,
	"same_srcport": true, "same_dstport": true, "same_src_port": true, "same_dst_port": true, "same_protocol": true,
	"same_action": true, "same_url": true, "same_srcuser": true, "same_dstip": true, "same_system_name": true,
	"same_status": true, "same_data": true, "same_extra_data": true, "same_agent": true, "not_same_agent": true,
	"not_same_source_ip": true, "not_same_user": true, "not_same_id": true, "different_srcip": true,
	"different_url": true, "different_srcgeoip": true, "global_frequency": true, "different_user": true,
	"different_srcuser": true, "different_dstuser": true, "different_id": true, "different_status": true,
}

// sameStatic and differentStatic map the static grouping elements to the
// static field they compare.
var sameStatic = map[string]string{
	"same_source_ip": "srcip", "same_srcip": "srcip", "same_dstip": "dstip", "same_srcport": "srcport",
	"same_src_port": "srcport", "same_dstport": "dstport", "same_dst_port": "dstport", "same_protocol": "protocol",
	"same_action": "action", "same_id": "id", "same_url": "url", "same_user": "dstuser", "same_srcuser": "srcuser",
	"same_location": "location", "same_status": "status", "same_system_name": "system_name", "same_data": "data",
	"same_extra_data": "extra_data", "same_srcgeoip": "srcgeoip", "same_dstgeoip": "dstgeoip",
}

var differentStatic = map[string]string{
	"different_srcip": "srcip", "not_same_source_ip": "srcip", "different_dstip": "dstip", "different_srcport": "srcport",
	"different_dstport": "dstport", "different_protocol": "protocol", "different_action": "action", "different_id": "id",
	"not_same_id": "id", "different_url": "url", "different_user": "dstuser", "not_same_user": "dstuser",
	"different_srcuser": "srcuser", "different_dstuser": "dstuser", "different_location": "location",
	"different_status": "status", "different_system_name": "system_name", "different_data": "data",
	"different_extra_data": "extra_data", "different_srcgeoip": "srcgeoip", "different_dstgeoip": "dstgeoip",
}

// StaticElem returns the default expression type of a single-value test element
// (match, regex, program_name, url, ...), "" for other elements.
func StaticElem(name string) string { return staticElems[name] }

// MetaElem tells whether an element does not test the event (description,
// group, options, same_*, ...).
func MetaElem(name string) bool { return metaElems[name] }

// SameStatic returns the static field a same_* grouping element compares ("" for others).
func SameStatic(name string) string { return sameStatic[name] }

// DifferentStatic returns the static field a different_* grouping element compares ("" for others).
func DifferentStatic(name string) string { return differentStatic[name] }

// WordMatch is OS_WordMatch: case-insensitive substring, `|` alternatives, `^` prefix.
func WordMatch(pattern, s string) bool {
	return CompileWordMatch(pattern).MatchLower(strings.ToLower(s))
}

// WordPattern is an OS_WordMatch pattern split into its lower-cased alternatives.
type WordPattern []string

// CompileWordMatch prepares pattern for matching many strings.
func CompileWordMatch(pattern string) WordPattern {
	var out WordPattern
	for _, p := range strings.Split(strings.ToLower(pattern), "|") {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// MatchLower tells whether the pattern matches ls, which is already lower-cased.
func (w WordPattern) MatchLower(ls string) bool {
	for _, p := range w {
		if strings.HasPrefix(p, "^") {
			if strings.HasPrefix(ls, p[1:]) {
				return true
			}
		} else if strings.Contains(ls, p) {
			return true
		}
	}
	return false
}
