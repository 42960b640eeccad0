package wazuh

import (
	"fmt"
	"strings"

	"github.com/rulec/rulec/ast"
)

// The sidecar rule set reads back the alerts of `rulec scan --follow`: rulec
// runs beside the manager on archives.json, appends one JSON line per alert to
// a file the manager reads through a <localfile> (log_format json), and these
// rules turn each line into the Wazuh alert of its Sigma rule. Wazuh's stock
// JSON decoder decodes the lines; a level-0 root rule takes the lines marked
// "integration":"rulec", and under it one rule per Sigma rule is keyed on the
// line's rule_id (the Sigma id), with the rule's level, MITRE ids and groups as
// the native build gives them. A last child catches the lines of Sigma rules
// the rule set does not know (rules added since it was built).

// SidecarIntegration is the value of the "integration" member of rulec's alert lines.
const SidecarIntegration = "rulec"

// SidecarOptions configures BuildSidecar.
type SidecarOptions struct {
	// Profile gives the Sigma level -> Wazuh level mapping (DefaultProfile when nil).
	Profile *Profile
	// IDs keeps rule ids stable (keys "sidecar ..."; a fresh map over the default range when nil).
	IDs *IDMap
	// Header is written as a comment at the top of the file.
	Header string
}

// SidecarResult is a built sidecar rule set.
type SidecarResult struct {
	XML []byte
	// Rules are the Wazuh rules written, in file order: the root, one per Sigma rule, the catch-all.
	Rules []XMLRule
	// RootID and CatchAllID are the root rule's and the catch-all rule's ids.
	RootID, CatchAllID int
	// ByRef maps a Sigma rule's reference (its id, as alert lines carry it) to its Wazuh id.
	ByRef map[string]int
	// Diagnostics name the rules left out (a second rule with the same id).
	Diagnostics ast.Diagnostics
}

// BuildSidecar writes the sidecar rule set of rules (detection and correlation rules).
func BuildSidecar(rules []*ast.Rule, opts SidecarOptions) (*SidecarResult, error) {
	prof := opts.Profile
	if prof == nil {
		var err error
		if prof, err = DefaultProfile(); err != nil {
			return nil, err
		}
	}
	ids := opts.IDs
	if ids == nil {
		var err error
		if ids, err = NewIDMap(DefaultIDMin, DefaultIDMax); err != nil {
			return nil, err
		}
	}
	res := &SidecarResult{ByRef: map[string]int{}}
	root, err := ids.Assign("sidecar root", 1)
	if err != nil {
		return nil, err
	}
	res.RootID = root[0]
	res.Rules = append(res.Rules, XMLRule{ID: res.RootID, Level: 0, DecodedAs: "json",
		Fields:      []XMLField{{Name: "integration", Pattern: "^" + literal(SidecarIntegration, true, EncodingJSON) + `\z`}},
		Description: "rulec: Sigma alert lines (rulec scan --follow)",
		Comment:     "Alert lines of rulec scan --follow, read through a <localfile> with log_format json"})
	first := map[string]*ast.Rule{}
	for _, r := range rules {
		ref := r.Ref()
		if prev, dup := first[ref]; dup {
			res.Diagnostics = append(res.Diagnostics, ast.Diagnostic{Pos: r.Pos, Severity: ast.SeverityWarning, Code: "sidecar",
				Message: fmt.Sprintf("rule %q: id %s already given to %s; its alerts raise that rule's Wazuh alert", r.Title, ref, prev.Pos)})
			continue
		}
		first[ref] = r
		got, err := ids.Assign("sidecar "+ref, 1)
		if err != nil {
			return nil, err
		}
		title, mitre, groups, info := alertMeta(r, "sidecar")
		res.ByRef[ref] = got[0]
		res.Rules = append(res.Rules, XMLRule{ID: got[0], Level: prof.Level(r.Level), IfSID: []int{res.RootID},
			Fields:      []XMLField{{Name: "rule_id", Pattern: "^" + literal(ref, true, EncodingJSON) + `\z`}},
			Description: title, Mitre: mitre, Info: info, Groups: groups[1:], // sigma and rulec come from the file's group
			Comment: fmt.Sprintf("%s: %s", r.Pos, r.Title)})
	}
	catch, err := ids.Assign("sidecar catch-all", 1)
	if err != nil {
		return nil, err
	}
	res.CatchAllID = catch[0]
	res.Rules = append(res.Rules, XMLRule{ID: res.CatchAllID, Level: prof.Level("low"), IfSID: []int{res.RootID},
		Description: "rulec: alert of a Sigma rule this rule set does not know: $(title) ($(rule_id))",
		Groups:      []string{"sigma_unknown_rule"},
		Comment:     "Lines of Sigma rules added since this file was built: rebuild it with rulec build --sidecar"})
	if res.XML, err = WriteXML(opts.Header, "rulec,sigma,", res.Rules); err != nil {
		return nil, err
	}
	return res, nil
}

// alertMeta is what a Wazuh rule raising a Sigma rule's alert says of it
// (native build and sidecar alike): the description (the title), the MITRE
// technique ids of its attack.tNNNN tags, its groups (sigma, sigma_id_<id>,
// every tag) and the info elements (a summary naming the variant, the references).
func alertMeta(r *ast.Rule, variant string) (title string, mitre, groups []string, info []XMLInfo) {
	title = cleanText(r.Title)
	if title == "" {
		title = "Sigma rule " + cleanText(r.Ref())
	}
	groups = []string{"sigma"}
	if r.ID != "" {
		groups = append(groups, cleanGroup("sigma_id_"+r.ID))
	}
	for _, t := range r.Tags {
		if m := techniqueRe.FindStringSubmatch(t); m != nil {
			mitre = append(mitre, strings.ToUpper(m[1]))
		}
		groups = append(groups, cleanGroup(t))
	}
	info = []XMLInfo{{Type: "text", Text: cleanText(fmt.Sprintf("Sigma rule %s (%s, level %s, status %s): %s", r.Ref(), variant, orDash(r.Level), orDash(r.Status), r.Title))}}
	for _, ref := range r.References {
		if link := cleanLink(ref); link != "" {
			info = append(info, XMLInfo{Type: "link", Text: link})
		}
	}
	return title, mitre, groups, info
}
