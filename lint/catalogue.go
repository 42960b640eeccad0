package lint

import (
	"embed"
	"strings"
)

// docFiles holds each check's documentation, docs/ID.md (Markdown; CHECKS.md,
// --explain and SARIF help read it through Check.Doc).
//
//go:embed docs/*.md
var docFiles embed.FS

// checkDoc returns the embedded documentation of the check id, or "".
func checkDoc(id string) string {
	b, err := docFiles.ReadFile("docs/" + id + ".md")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Checks returns the catalogue: every check, grouped by category, in a stable order,
// each with its documentation from docs/ID.md.
// Each call builds fresh values, so callers may keep or change what they get.
func Checks() []*Check {
	var out []*Check
	for _, group := range [][]*Check{
		syntaxChecks(),
		metadataChecks(),
		tagChecks(),
		logsourceChecks(),
		detectionChecks(),
		conditionChecks(),
		regexChecks(),
		correlationChecks(),
		wazuhChecks(),
	} {
		out = append(out, group...)
	}
	for _, c := range out {
		c.Doc = checkDoc(c.ID)
	}
	return out
}

// Lookup returns the catalogue's check with the given id, or nil.
func Lookup(id string) *Check {
	for _, c := range Checks() {
		if c.ID == id {
			return c
		}
	}
	return nil
}
