package lint

import (
	"regexp"
	"slices"
	"strings"

	"github.com/rulec/rulec/ast"
)

// attackTactics are the MITRE ATT&CK tactic short names: Enterprise (with stealth and
// defense-impairment, which ATT&CK v18 split out of defense-evasion), then ICS.
var attackTactics = []string{
	"reconnaissance", "resource-development", "initial-access", "execution", "persistence",
	"privilege-escalation", "defense-evasion", "stealth", "defense-impairment", "credential-access",
	"discovery", "lateral-movement", "collection", "command-and-control", "exfiltration", "impact",
	"inhibit-response-function", "impair-process-control", "evasion",
}

var (
	tagFormatRe = regexp.MustCompile(`^[a-z0-9_-]+\.[a-z0-9_.-]+$`)
	// attackIDRe matches technique, sub-technique, group, software, mitigation, data source and asset ids.
	attackIDRe = regexp.MustCompile(`^(t\d{4}(\.\d{3})?|g\d{4}|s\d{4}|m\d{4}|ds\d{4}|a\d{4})$`)
	// tagValueRes are the value patterns of the other namespaces of the tags appendix.
	tagValueRes = map[string]*regexp.Regexp{
		"car":       regexp.MustCompile(`^\d{4}-\d{2}-\d{3}$`),
		"cve":       regexp.MustCompile(`^\d{4}-\d{4,}$`),
		"detection": regexp.MustCompile(`^(dfir|emerging-threats|threat-hunting)$`),
		"stp":       regexp.MustCompile(`^[1-5][auk]?$`),
		"tlp":       regexp.MustCompile(`^(clear|white|green|amber|amber-strict|red)$`),
		"d3fend":    regexp.MustCompile(`^(d3-[a-z0-9-]+|d3f-[A-Za-z0-9-]+|model|harden|detect|isolate|deceive|evict|restore)$`),
	}
	tagNamespaces = []string{"attack", "car", "cve", "d3fend", "detection", "stp", "tlp"}
)

func splitTag(t string) (ns, name string) {
	ns, name, _ = strings.Cut(t, ".")
	return ns, name
}

func tagChecks() []*Check {
	W := ast.SeverityWarning
	c := func(id, summary string, run func(p *Pass, r *ast.Rule, tag string, pos ast.Pos)) *Check {
		return &Check{ID: id, Severity: W, Category: CatMetadata, Summary: summary, Run: func(p *Pass) {
			for _, r := range p.Rules {
				for i, t := range r.Tags {
					run(p, r, t, r.ItemPosAt("tags", i))
				}
			}
		}}
	}
	return []*Check{
		c("tag-format", "a tag is not `namespace.name` in lower case",
			func(p *Pass, r *ast.Rule, t string, pos ast.Pos) {
				ns, _ := splitTag(t)
				if ns == "d3fend" {
					return
				}
				if !tagFormatRe.MatchString(t) {
					p.Reportf(r, pos, "tag %q is not of the form namespace.name in lower case", t)
				}
			}),
		c("tag-namespace", "a tag uses a namespace the tags appendix does not define",
			func(p *Pass, r *ast.Rule, t string, pos ast.Pos) {
				ns, _ := splitTag(t)
				if tagFormatRe.MatchString(strings.ToLower(t)) && !slices.Contains(tagNamespaces, strings.ToLower(ns)) {
					p.Reportf(r, pos, "tag %q uses unknown namespace %q (known: %s)", t, ns, strings.Join(tagNamespaces, ", "))
				}
			}),
		c("attack-tag", "an ATT&CK tag names no tactic or valid technique, group, software or mitigation id",
			func(p *Pass, r *ast.Rule, t string, pos ast.Pos) {
				ns, name := splitTag(t)
				if ns != "attack" {
					return
				}
				if slices.Contains(attackTactics, name) || attackIDRe.MatchString(name) {
					return
				}
				hint := ""
				switch l := strings.ReplaceAll(strings.ToLower(name), "_", "-"); {
				case slices.Contains(attackTactics, l):
					hint = "; write attack." + l
				case attackIDRe.MatchString(l):
					hint = "; write attack." + l
				}
				p.Reportf(r, pos, "tag %q is not an ATT&CK tactic or id%s", t, hint)
			}),
		c("tag-value", "a car, cve, d3fend, detection, stp or tlp tag has an invalid value",
			func(p *Pass, r *ast.Rule, t string, pos ast.Pos) {
				ns, name := splitTag(t)
				if re := tagValueRes[ns]; re != nil && !re.MatchString(name) {
					p.Reportf(r, pos, "tag %q is not a valid %s tag", t, ns)
				}
			}),
		{ID: "duplicate-tag", Severity: W, Category: CatMetadata, Summary: "the same tag is listed twice",

			Run: func(p *Pass) {
				for _, r := range p.Rules {
					for _, i := range duplicateIndexes(r.Tags) {
						p.Reportf(r, r.ItemPosAt("tags", i), "tag %q is listed more than once", r.Tags[i])
					}
				}
			}},
	}
}
