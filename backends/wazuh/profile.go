package wazuh

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/profile"
)

//go:embed profile.yml
var defaultProfileYAML []byte

// Profile maps Sigma logsources and fields onto the Wazuh ruleset: for each
// logsource, the stock rules the generated rules hang under, extra conditions,
// and how field names and values translate.
type Profile struct {
	// Levels maps Sigma levels to Wazuh levels (1-16).
	Levels map[string]int `yaml:"levels,omitempty"`
	// Fieldsets are named field mappings used by logsources.
	Fieldsets map[string]*Fieldset `yaml:"fieldsets,omitempty"`
	// Logsources are tried in order; every entry whose product, category and
	// service equal the rule's emits one variant of the rule.
	Logsources []*LogsourceMap `yaml:"logsources,omitempty"`
	// Unavailable documents logsources that no Wazuh decoder produces: a rule
	// whose logsource matches one (and no logsource entry) is skipped with its reason.
	Unavailable []*Unavailable `yaml:"unavailable,omitempty"`
}

// Unavailable is a logsource Wazuh cannot see, and why.
type Unavailable struct {
	// Product, Category and Service match like a logsource entry's; "*" matches any value.
	Product  string `yaml:"product,omitempty"`
	Category string `yaml:"category,omitempty"`
	Service  string `yaml:"service,omitempty"`
	// Reason is short (the build report groups skipped rules by it); Detail explains.
	Reason string `yaml:"reason,omitempty"`
	Detail string `yaml:"detail,omitempty"`
}

// Fieldset maps Sigma field names to Wazuh fields.
type Fieldset struct {
	// Encoding is how values arrive: plain, json or eventchannel.
	Encoding Encoding `yaml:"encoding,omitempty"`
	// Fields maps a Sigma field to a Wazuh dynamic field (`<field name>`), or to
	// a static field written as its own element (url, id, protocol, action,
	// status, data, extra_data, system_name, srcport, dstport, program_name,
	// hostname); an empty name means the field cannot be converted.
	Fields map[string]string `yaml:"fields,omitempty"`
	// Unmapped names Sigma fields that no Wazuh decoder of this source produces,
	// with the reason (short: the build report groups skipped rules by it).
	Unmapped map[string]string `yaml:"unmapped,omitempty"`
	// Values maps a Sigma field whose values Wazuh does not keep as text but
	// reveals by which fields the decoder produced: value (compared
	// case-insensitively, no wildcards) -> Wazuh fields, any of which present
	// means the value (e.g. auditd `type: EXECVE` -> audit.execve.argc).
	Values map[string]map[string][]string `yaml:"values,omitempty"`
	// Parts maps a Sigma field to a part of a Wazuh field: the text before the
	// first `?` of the field (part: path) or after it (part: query, absent
	// when there is none), e.g. the path and query of a request target.
	Parts map[string]FieldPart `yaml:"parts,omitempty"`
	// Prefixes maps a Sigma field-name prefix to a Wazuh one (e.g. `data.` to
	// `gcp.`), tried after Fields and before Default.
	Prefixes map[string]string `yaml:"prefixes,omitempty"`
	// Default names the Wazuh field of an unlisted Sigma field: a template where
	// {field} is the Sigma name and {lcfirst} the name with its first letter
	// lower-cased. Empty: unlisted fields cannot be converted.
	Default string `yaml:"default,omitempty"`
	// Keywords is "log" when keyword searches match the event's log line
	// (`<regex>` on the message); empty when they cannot be converted exactly.
	Keywords string `yaml:"keywords,omitempty"`
	// NoFullLog adds <options>no_full_log</options> to the rules.
	NoFullLog bool `yaml:"no_full_log,omitempty"`
	// pos is "file:line:col: " of the fieldset in a profile file, for messages.
	pos string
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
	Name     string `yaml:"name,omitempty"`
	Product  string `yaml:"product,omitempty"`
	Category string `yaml:"category,omitempty"`
	Service  string `yaml:"service,omitempty"`
	// IfSID lists the parent stock rules (the deepest rules that match the events).
	IfSID []int `yaml:"if_sid,omitempty"`
	// IfGroup is used when IfSID is empty.
	IfGroup string `yaml:"if_group,omitempty"`
	// Where adds Sigma-style conditions (field -> accepted values, AND-ed),
	// e.g. the event id of a channel-level parent.
	Where map[string][]string `yaml:"where,omitempty"`
	// Fieldset names the field mapping.
	Fieldset string `yaml:"fieldset,omitempty"`
	// Present lists Wazuh fields every event of this variant carries with a
	// non-empty value (Wazuh drops empty, "-" and "(NULL)"). A negated test of
	// such a field is written negate="yes" in the rule itself instead of a
	// level-0 child, so the rule simply does not match and Wazuh goes on to try
	// its siblings (a level-0 child ends the event's evaluation).
	Present []string `yaml:"present,omitempty"`
	// Optional variants are dropped silently (noted in the report) when a rule
	// uses a field the fieldset cannot map, e.g. Security 4688 next to Sysmon.
	Optional bool `yaml:"optional,omitempty"`
	// Disabled turns the entry off (a user profile can disable a default entry).
	Disabled bool `yaml:"disabled,omitempty"`
	// pos is "file:line:col: " of the entry in a profile file, for messages.
	pos string
}

// DefaultProfile returns the built-in profile.
func DefaultProfile() (*Profile, error) {
	f, err := profile.Parse(defaultProfileYAML, "backends/wazuh/profile.yml")
	if err != nil {
		return nil, fmt.Errorf("wazuh: built-in profile: %w", err)
	}
	return ProfileFromFile(f)
}

// LoadProfile reads a profile file (the format of package profile) and returns its Wazuh
// part over the built-in profile (see ProfileFromFile); "" gives the built-in profile.
func LoadProfile(path string) (*Profile, error) {
	if path == "" {
		return DefaultProfile()
	}
	f, err := profile.Load(path)
	if err != nil {
		return nil, err
	}
	return ProfileFromFile(f)
}

// ProfileFromFile returns the Wazuh part of a profile (its wazuh: section). Unless the
// profile extends none, it extends and overrides the built-in profile: levels and
// fieldsets replace those of the same name, logsource entries replace the built-in entry
// of the same name, new entries (and unavailable entries) are tried first.
func ProfileFromFile(f *profile.File) (*Profile, error) {
	base := &Profile{Levels: map[string]int{}, Fieldsets: map[string]*Fieldset{}}
	if f.Extends != "none" {
		var err error
		if base, err = DefaultProfile(); err != nil {
			return nil, err
		}
	}
	if f.Wazuh == nil {
		return base, nil
	}
	var user Profile
	if err := f.Wazuh.Decode(&user); err != nil {
		return nil, f.Errorf(f.Wazuh, "wazuh: %v", err)
	}
	// Positions of the entries, for the messages of validate.
	if n := profile.Key(f.Wazuh, "logsources"); n != nil {
		for i, it := range n.Content {
			if i < len(user.Logsources) {
				user.Logsources[i].pos = f.Errorf(it, "").Error()
			}
		}
	}
	if n := profile.Key(f.Wazuh, "fieldsets"); n != nil {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if fs := user.Fieldsets[n.Content[i].Value]; fs != nil {
				fs.pos = f.Errorf(n.Content[i], "").Error()
			}
		}
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
		return nil, err
	}
	return base, nil
}

func (p *Profile) validate() error {
	for k, v := range p.Levels {
		if v < 1 || v > 16 {
			return fmt.Errorf("level %q maps to %d, outside 1-16", k, v)
		}
	}
	seen := map[string]bool{}
	for i, l := range p.Logsources {
		if err := l.validate(p, i, seen); err != nil {
			return err
		}
	}
	for i, u := range p.Unavailable {
		if u.Reason == "" {
			return fmt.Errorf("unavailable entry %d has no reason", i+1)
		}
	}
	return nil
}

// validate checks the i-th logsource entry and its fieldset; errors start with the
// position of the entry (or of the fieldset) in a profile file.
func (l *LogsourceMap) validate(p *Profile, i int, seen map[string]bool) error {
	if l.Name == "" {
		return fmt.Errorf("%slogsource entry %d has no name", l.pos, i+1)
	}
	if seen[l.Name] {
		return fmt.Errorf("%slogsource entry %q is given twice", l.pos, l.Name)
	}
	seen[l.Name] = true
	if l.Disabled {
		return nil
	}
	if len(l.IfSID) == 0 && l.IfGroup == "" {
		return fmt.Errorf("%slogsource %q needs if_sid or if_group", l.pos, l.Name)
	}
	fs := p.Fieldsets[l.Fieldset]
	if fs == nil {
		return fmt.Errorf("%slogsource %q uses unknown fieldset %q (fieldsets: %s)", l.pos, l.Name, l.Fieldset, strings.Join(p.fieldsetNames(), ", "))
	}
	if err := fs.validate(l.Fieldset); err != nil {
		return fmt.Errorf("%s%w", fs.pos, err)
	}
	return nil
}

func (p *Profile) fieldsetNames() []string {
	out := make([]string, 0, len(p.Fieldsets))
	for k := range p.Fieldsets {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// validate checks the fieldset named name.
func (fs *Fieldset) validate(name string) error {
	if fs.Encoding != EncodingPlain && fs.Encoding != EncodingEventchannel && fs.Encoding != EncodingJSON {
		return fmt.Errorf("fieldset %q: unknown encoding %q", name, fs.Encoding)
	}
	for s, pt := range fs.Parts {
		if pt.Part != "path" && pt.Part != "query" {
			return fmt.Errorf("fieldset %q: part of %s is %q (want path or query)", name, s, pt.Part)
		}
		if rejectedFieldNames[strings.ToLower(pt.Field)] {
			return fmt.Errorf("fieldset %q: %s is part of %q, which Wazuh does not test with a pattern", name, s, pt.Field)
		}
	}
	for s, w := range fs.Fields {
		if rejectedFieldNames[strings.ToLower(w)] {
			return fmt.Errorf("fieldset %q: %s maps to %q, which Wazuh only tests as an IP list or through another field (not a pattern)", name, s, w)
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
