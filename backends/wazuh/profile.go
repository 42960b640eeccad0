package wazuh

import (
	_ "embed"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

//go:embed profile.yml
var defaultProfileYAML []byte

// Profile maps Sigma logsources and fields onto the Wazuh ruleset: for each
// logsource, the stock rules the generated rules hang under, extra conditions,
// and how field names and values translate.
type Profile struct {
	// Levels maps Sigma levels to Wazuh levels (1-16).
	Levels map[string]int `yaml:"levels"`
	// Fieldsets are named field mappings used by logsources.
	Fieldsets map[string]*Fieldset `yaml:"fieldsets"`
	// Logsources are tried in order; every entry whose product, category and
	// service equal the rule's emits one variant of the rule.
	Logsources []*LogsourceMap `yaml:"logsources"`
	// Unavailable documents logsources that no Wazuh decoder produces: a rule
	// whose logsource matches one (and no logsource entry) is skipped with its reason.
	Unavailable []*Unavailable `yaml:"unavailable"`
}

// Unavailable is a logsource Wazuh cannot see, and why.
type Unavailable struct {
	// Product, Category and Service match like a logsource entry's; "*" matches any value.
	Product  string `yaml:"product"`
	Category string `yaml:"category"`
	Service  string `yaml:"service"`
	// Reason is short (the build report groups skipped rules by it); Detail explains.
	Reason string `yaml:"reason"`
	Detail string `yaml:"detail"`
}

// Fieldset maps Sigma field names to Wazuh fields.
type Fieldset struct {
	// Encoding is how values arrive: plain, json or eventchannel.
	Encoding Encoding `yaml:"encoding"`
	// Fields maps a Sigma field to a Wazuh dynamic field (`<field name>`), or to
	// a static field written as its own element (url, id, protocol, action,
	// status, data, extra_data, system_name, srcport, dstport, program_name,
	// hostname); an empty name means the field cannot be converted.
	Fields map[string]string `yaml:"fields"`
	// Unmapped names Sigma fields that no Wazuh decoder of this source produces,
	// with the reason (short: the build report groups skipped rules by it).
	Unmapped map[string]string `yaml:"unmapped"`
	// Values maps a Sigma field whose values Wazuh does not keep as text but
	// reveals by which fields the decoder produced: value (compared
	// case-insensitively, no wildcards) -> Wazuh fields, any of which present
	// means the value (e.g. auditd `type: EXECVE` -> audit.execve.argc).
	Values map[string]map[string][]string `yaml:"values"`
	// Parts maps a Sigma field to a part of a Wazuh field: the text before the
	// first `?` of the field (part: path) or after it (part: query, absent
	// when there is none), e.g. the path and query of a request target.
	Parts map[string]FieldPart `yaml:"parts"`
	// Prefixes maps a Sigma field-name prefix to a Wazuh one (e.g. `data.` to
	// `gcp.`), tried after Fields and before Default.
	Prefixes map[string]string `yaml:"prefixes"`
	// Default names the Wazuh field of an unlisted Sigma field: a template where
	// {field} is the Sigma name and {lcfirst} the name with its first letter
	// lower-cased. Empty: unlisted fields cannot be converted.
	Default string `yaml:"default"`
	// Keywords is "log" when keyword searches match the event's log line
	// (`<regex>` on the message); empty when they cannot be converted exactly.
	Keywords string `yaml:"keywords"`
	// NoFullLog adds <options>no_full_log</options> to the rules.
	NoFullLog bool `yaml:"no_full_log"`
}

// FieldPart is a part of a Wazuh field (Fieldset.Parts).
type FieldPart struct {
	Field string `yaml:"field"`
	// Part is "path" (before the first `?`) or "query" (after it).
	Part string `yaml:"part"`
}

// LogsourceMap attaches one Sigma logsource to Wazuh parents.
type LogsourceMap struct {
	// Name identifies the variant (used in the id map and the report).
	Name     string `yaml:"name"`
	Product  string `yaml:"product"`
	Category string `yaml:"category"`
	Service  string `yaml:"service"`
	// IfSID lists the parent stock rules (the deepest rules that match the events).
	IfSID []int `yaml:"if_sid"`
	// IfGroup is used when IfSID is empty.
	IfGroup string `yaml:"if_group"`
	// Where adds Sigma-style conditions (field -> accepted values, AND-ed),
	// e.g. the event id of a channel-level parent.
	Where map[string][]string `yaml:"where"`
	// Fieldset names the field mapping.
	Fieldset string `yaml:"fieldset"`
	// Present lists Wazuh fields every event of this variant carries with a
	// non-empty value (Wazuh drops empty, "-" and "(NULL)"). A negated test of
	// such a field is written negate="yes" in the rule itself instead of a
	// level-0 child, so the rule simply does not match and Wazuh goes on to try
	// its siblings (a level-0 child ends the event's evaluation).
	Present []string `yaml:"present"`
	// Optional variants are dropped silently (noted in the report) when a rule
	// uses a field the fieldset cannot map, e.g. Security 4688 next to Sysmon.
	Optional bool `yaml:"optional"`
	// Disabled turns the entry off (a user profile can disable a default entry).
	Disabled bool `yaml:"disabled"`
}

// DefaultProfile returns the built-in profile.
func DefaultProfile() (*Profile, error) {
	p, err := parseProfile(defaultProfileYAML, "default profile")
	if err != nil {
		return nil, err
	}
	return p, p.validate()
}

// LoadProfile returns the default profile extended and overridden by a profile
// file: levels and fieldsets replace those of the same name, logsource entries
// replace the default entry of the same name, new entries are tried first.
func LoadProfile(path string) (*Profile, error) {
	base, err := DefaultProfile()
	if err != nil {
		return nil, err
	}
	if path == "" {
		return base, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading profile: %w", err)
	}
	user, err := parseProfile(data, path)
	if err != nil {
		return nil, err
	}
	for k, v := range user.Levels {
		base.Levels[k] = v
	}
	for k, v := range user.Fieldsets {
		base.Fieldsets[k] = v
	}
	var added []*LogsourceMap
	for _, u := range user.Logsources {
		replaced := false
		for i, b := range base.Logsources {
			if b.Name == u.Name {
				base.Logsources[i] = u
				replaced = true
			}
		}
		if !replaced {
			added = append(added, u)
		}
	}
	base.Logsources = append(added, base.Logsources...)
	base.Unavailable = append(user.Unavailable, base.Unavailable...)
	if err := base.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return base, nil
}

func parseProfile(data []byte, name string) (*Profile, error) {
	var p Profile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if p.Levels == nil {
		p.Levels = map[string]int{}
	}
	if p.Fieldsets == nil {
		p.Fieldsets = map[string]*Fieldset{}
	}
	return &p, nil
}

func (p *Profile) validate() error {
	for k, v := range p.Levels {
		if v < 1 || v > 16 {
			return fmt.Errorf("level %q maps to %d, outside 1-16", k, v)
		}
	}
	seen := map[string]bool{}
	for i, l := range p.Logsources {
		if l.Name == "" {
			return fmt.Errorf("logsource entry %d has no name", i+1)
		}
		if seen[l.Name] {
			return fmt.Errorf("logsource entry %q is given twice", l.Name)
		}
		seen[l.Name] = true
		if l.Disabled {
			continue
		}
		if len(l.IfSID) == 0 && l.IfGroup == "" {
			return fmt.Errorf("logsource %q needs if_sid or if_group", l.Name)
		}
		fs := p.Fieldsets[l.Fieldset]
		if fs == nil {
			return fmt.Errorf("logsource %q uses unknown fieldset %q", l.Name, l.Fieldset)
		}
		if fs.Encoding != EncodingPlain && fs.Encoding != EncodingEventchannel && fs.Encoding != EncodingJSON {
			return fmt.Errorf("fieldset %q: unknown encoding %q", l.Fieldset, fs.Encoding)
		}
		for s, pt := range fs.Parts {
			if pt.Part != "path" && pt.Part != "query" {
				return fmt.Errorf("fieldset %q: part of %s is %q (want path or query)", l.Fieldset, s, pt.Part)
			}
			if rejectedFieldNames[strings.ToLower(pt.Field)] {
				return fmt.Errorf("fieldset %q: %s is part of %q, which Wazuh does not test with a pattern", l.Fieldset, s, pt.Field)
			}
		}
		for s, w := range fs.Fields {
			if rejectedFieldNames[strings.ToLower(w)] {
				return fmt.Errorf("fieldset %q: %s maps to %q, which Wazuh only tests as an IP list or through another field (not a pattern)", l.Fieldset, s, w)
			}
		}
	}
	for i, u := range p.Unavailable {
		if u.Reason == "" {
			return fmt.Errorf("unavailable entry %d has no reason", i+1)
		}
	}
	return nil
}

// rejectedFieldNames are Wazuh static fields that cannot be tested with a
// pattern: srcip/dstip take IP lists, user means dstuser else srcuser.
var rejectedFieldNames = map[string]bool{"srcip": true, "dstip": true, "user": true, "srcuser": true, "dstuser": true, "srcgeoip": true, "dstgeoip": true}

// staticElements are the Wazuh static fields a rule tests with an element of
// their own name (`<url type="pcre2">`); `<field name>` refuses them.
var staticElements = map[string]bool{
	"url": true, "id": true, "protocol": true, "action": true, "status": true, "data": true,
	"extra_data": true, "system_name": true, "srcport": true, "dstport": true, "program_name": true,
	"hostname": true, "location": true,
}

// matchKey compares a profile key with a logsource key: case-insensitive, "*" matches any.
func matchKey(pattern, v string) bool {
	return pattern == "*" || strings.EqualFold(pattern, v)
}

// UnavailableFor returns the documented reason a logsource cannot be converted, or nil.
func (p *Profile) UnavailableFor(ls ast.Logsource) *Unavailable {
	for _, u := range p.Unavailable {
		if matchKey(u.Product, ls.Product) && matchKey(u.Category, ls.Category) && matchKey(u.Service, ls.Service) {
			return u
		}
	}
	return nil
}

// Match returns the enabled entries for a logsource: product, category and service
// compare case-insensitively, and an entry's empty key only matches an empty key.
func (p *Profile) Match(ls ast.Logsource) []*LogsourceMap {
	var out []*LogsourceMap
	for _, l := range p.Logsources {
		if !l.Disabled && strings.EqualFold(l.Product, ls.Product) && strings.EqualFold(l.Category, ls.Category) && strings.EqualFold(l.Service, ls.Service) {
			out = append(out, l)
		}
	}
	return out
}

// Level maps a Sigma level; unknown or empty levels use medium.
func (p *Profile) Level(sigma string) int {
	if v, ok := p.Levels[strings.ToLower(sigma)]; ok {
		return v
	}
	if v, ok := p.Levels["medium"]; ok {
		return v
	}
	return 8
}

// Field maps a Sigma field name, or returns false when the fieldset cannot.
func (f *Fieldset) Field(name string) (string, bool) {
	if w, ok := f.Fields[name]; ok {
		return w, w != ""
	}
	if _, ok := f.Unmapped[name]; ok {
		return "", false
	}
	pfx := make([]string, 0, len(f.Prefixes))
	for k := range f.Prefixes {
		pfx = append(pfx, k)
	}
	sort.Slice(pfx, func(i, j int) bool { return len(pfx[i]) > len(pfx[j]) || len(pfx[i]) == len(pfx[j]) && pfx[i] < pfx[j] })
	for _, k := range pfx {
		if strings.HasPrefix(name, k) && len(name) > len(k) {
			return f.Prefixes[k] + name[len(k):], true
		}
	}
	if f.Default == "" || name == "" {
		return "", false
	}
	r, size := utf8.DecodeRuneInString(name)
	lc := string(unicode.ToLower(r)) + name[size:]
	return strings.NewReplacer("{field}", name, "{lcfirst}", lc).Replace(f.Default), true
}

// Names lists the logsource entry names, sorted (for messages).
func (p *Profile) Names() []string {
	var out []string
	for _, l := range p.Logsources {
		out = append(out, l.Name)
	}
	sort.Strings(out)
	return out
}
