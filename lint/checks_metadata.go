package lint

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rulec/rulec/ast"
)

// maxTitle is the title length SigmaHQ's conventions allow (the specification allows 256).
const maxTitle = 110

// minDescription is the shortest description pySigma accepts without a warning.
const minDescription = 16

var (
	uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// Values the specification defines.
var (
	statuses     = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	levels       = []string{"informational", "low", "medium", "high", "critical"}
	relatedTypes = []string{"derived", "obsolete", "merged", "renamed", "similar"}
	// standardKeys are the top-level keys of rules, correlations and filters.
	standardKeys = []string{"title", "id", "name", "related", "status", "description", "license", "author",
		"references", "date", "modified", "tags", "logsource", "detection", "fields", "falsepositives",
		"level", "scope", "taxonomy", "correlation", "filter", "generate", "regression_tests_path"}
)

// needsMetadata reports whether metadata checks apply: detection and correlation rules,
// except base rules of a correlation (the specification leaves metadata to the outermost rule).
func needsMetadata(p *Pass, r *ast.Rule) bool {
	if r.Kind == ast.KindFilter {
		return false
	}
	return !(r.Kind == ast.KindDetection && p.Index.Referenced(r))
}

// hasKey reports whether the top-level key is present.
func hasKey(r *ast.Rule, key string) bool {
	_, ok := r.Keys[key]
	return ok
}

func metadataChecks() []*Check {
	return slices.Concat(identityChecks(), lifecycleChecks(), documentationChecks(), fileChecks())
}

// metadataCheck is a check of the metadata category.
func metadataCheck(id string, sev ast.Severity, summary string, run func(*Pass)) *Check {
	return &Check{ID: id, Severity: sev, Category: CatMetadata, Summary: summary, Run: run}
}

// identityChecks are the checks of a rule's id, related rules and title.
func identityChecks() []*Check {
	W, E := ast.SeverityWarning, ast.SeverityError
	return []*Check{
		metadataCheck("missing-id", W, "the rule has no id",
			func(p *Pass) {
				for _, r := range p.Rules {
					if !hasKey(r, "id") || strings.TrimSpace(r.ID) == "" {
						p.Reportf(r, r.Pos, "rule %q has no id; add `id:` with a random UUID", r.Title)
					}
				}
			}),
		metadataCheck("invalid-id", E, "the id is not a UUID",
			func(p *Pass) {
				for _, r := range p.Rules {
					if r.ID != "" && !uuidRe.MatchString(r.ID) {
						p.Reportf(r, r.KeyPos("id"), "id %q is not a UUID", r.ID)
					}
				}
			}),
		metadataCheck("duplicate-id", E, "two rules share an id or a name",
			func(p *Pass) {
				dupes(p, func(r *ast.Rule) (string, string, ast.Pos) { return strings.ToLower(r.ID), r.ID, r.KeyPos("id") }, "id")
				dupes(p, func(r *ast.Rule) (string, string, ast.Pos) { return r.Name, r.Name, r.KeyPos("name") }, "name")
			}),
		metadataCheck("invalid-related", W, "a related entry has a bad id or type",
			func(p *Pass) {
				for _, r := range p.Rules {
					for _, rel := range r.Related {
						switch {
						case !uuidRe.MatchString(rel.ID):
							p.Reportf(r, rel.Pos, "related id %q is not a UUID", rel.ID)
						case strings.EqualFold(rel.ID, r.ID):
							p.Reportf(r, rel.Pos, "rule is related to itself")
						}
						if !slices.Contains(relatedTypes, rel.Type) {
							p.Reportf(r, rel.Pos, "related type %q is not one of %s", rel.Type, strings.Join(relatedTypes, ", "))
						}
					}
				}
			}),
		metadataCheck("title-too-long", W, "the title is longer than 110 characters",
			func(p *Pass) {
				for _, r := range p.Rules {
					if n := len([]rune(r.Title)); n > maxTitle {
						p.Reportf(r, r.KeyPos("title"), "title is %d characters long (at most %d)", n, maxTitle)
					}
				}
			}),
		metadataCheck("duplicate-title", W, "two rules share a title",
			func(p *Pass) {
				dupes(p, func(r *ast.Rule) (string, string, ast.Pos) {
					if r.Kind == ast.KindFilter {
						return "", "", ast.Pos{}
					}
					return strings.TrimSpace(r.Title), r.Title, r.KeyPos("title")
				}, "title")
			}),
	}
}

// lifecycleChecks are the checks of a rule's status, level and dates.
func lifecycleChecks() []*Check {
	W, E, N := ast.SeverityWarning, ast.SeverityError, ast.SeverityNote
	return []*Check{
		metadataCheck("missing-status", W, "the rule has no status",
			func(p *Pass) { missing(p, "status", func(r *ast.Rule) string { return r.Status }) }),
		metadataCheck("invalid-status", E, "the status is not one the specification defines",
			func(p *Pass) {
				enum(p, "status", statuses, func(r *ast.Rule) string { return r.Status })
			}),
		metadataCheck("status-unsupported", N, "the rule has status unsupported",
			func(p *Pass) {
				for _, r := range p.Rules {
					if r.Status == "unsupported" {
						p.Reportf(r, r.KeyPos("status"), "rule has status unsupported and is skipped by most converters")
					}
				}
			}),
		metadataCheck("missing-level", W, "the rule has no level",
			func(p *Pass) { missing(p, "level", func(r *ast.Rule) string { return r.Level }) }),
		metadataCheck("invalid-level", E, "the level is not one the specification defines",
			func(p *Pass) { enum(p, "level", levels, func(r *ast.Rule) string { return r.Level }) }),
		metadataCheck("missing-date", W, "the rule has no creation date",
			func(p *Pass) { missing(p, "date", func(r *ast.Rule) string { return r.Date }) }),
		metadataCheck("invalid-date", E, "date or modified is not a valid YYYY-MM-DD date",
			func(p *Pass) {
				for _, r := range p.Rules {
					for _, k := range []string{"date", "modified"} {
						v := r.Date
						if k == "modified" {
							v = r.Modified
						}
						if !hasKey(r, k) {
							continue
						}
						if msg := checkDate(v); msg != "" {
							p.Reportf(r, r.KeyPos(k), "%s %q %s", k, v, msg)
						}
					}
				}
			}),
		metadataCheck("date-order", W, "modified is earlier than date",
			func(p *Pass) {
				for _, r := range p.Rules {
					if checkDate(r.Date) == "" && checkDate(r.Modified) == "" && r.Modified != "" && r.Date != "" && r.Modified < r.Date {
						p.Reportf(r, r.KeyPos("modified"), "modified %s is earlier than date %s", r.Modified, r.Date)
					}
				}
			}),
	}
}

// documentationChecks are the checks of a rule's description, author, false positives and references.
func documentationChecks() []*Check {
	W, N := ast.SeverityWarning, ast.SeverityNote
	return []*Check{
		metadataCheck("missing-description", W, "the rule has no description",
			func(p *Pass) {
				missing(p, "description", func(r *ast.Rule) string { return r.Description })
			}),
		metadataCheck("short-description", N, "the description is shorter than 16 characters",
			func(p *Pass) {
				for _, r := range p.Rules {
					if d := strings.TrimSpace(r.Description); d != "" && len([]rune(d)) < minDescription {
						p.Reportf(r, r.KeyPos("description"), "description %q is shorter than %d characters", d, minDescription)
					}
				}
			}),
		metadataCheck("missing-author", N, "the rule has no author",
			func(p *Pass) { missing(p, "author", func(r *ast.Rule) string { return r.Author }) }),
		metadataCheck("missing-falsepositives", N, "the rule lists no false positives",
			func(p *Pass) {
				for _, r := range p.Rules {
					if r.Kind == ast.KindDetection && needsMetadata(p, r) && len(r.FalsePositives) == 0 {
						p.Reportf(r, r.Pos, "rule has no falsepositives; list known benign triggers (or `Unknown`)")
					}
				}
			}),
		metadataCheck("reference-not-url", W, "a reference is not an http(s) URL",
			func(p *Pass) {
				for _, r := range p.Rules {
					for i, ref := range r.References {
						if !isURL(ref) {
							p.Reportf(r, r.ItemPosAt("references", i), "reference %q is not an http(s) URL", ref)
						}
					}
				}
			}),
		metadataCheck("duplicate-reference", W, "the same reference is listed twice",
			func(p *Pass) {
				for _, r := range p.Rules {
					for _, i := range duplicateIndexes(r.References) {
						p.Reportf(r, r.ItemPosAt("references", i), "reference %q is listed more than once", r.References[i])
					}
				}
			}),
	}
}

// fileChecks are the checks of rule file names and top-level keys.
func fileChecks() []*Check {
	W, N := ast.SeverityWarning, ast.SeverityNote
	return []*Check{
		metadataCheck("duplicate-filename", W, "two rule files in different folders share a file name",
			func(p *Pass) {
				dupes(p, func(r *ast.Rule) (string, string, ast.Pos) {
					if r.Document != firstDocument(p, r) {
						return "", "", ast.Pos{}
					}
					base := filepath.Base(r.Pos.File)
					return base, base, ast.Pos{File: r.Pos.File, Line: r.Pos.Line, Col: r.Pos.Col}
				}, "file name")
			}),
		metadataCheck("filename-length", N, "the file name is shorter than 10 or longer than 90 characters",
			func(p *Pass) {
				for _, r := range p.Rules {
					if r.Document != firstDocument(p, r) {
						continue
					}
					if n := len(filepath.Base(r.Pos.File)); n < 10 || n > 90 {
						p.Reportf(r, r.Pos, "file name %q is %d characters long (expected 10 to 90)", filepath.Base(r.Pos.File), n)
					}
				}
			}),
		metadataCheck("misspelled-key", W, "a top-level key looks like a misspelled standard key",
			func(p *Pass) {
				for _, r := range p.Rules {
					for _, x := range r.Extra {
						if k := nearKey(x.Key); k != "" {
							p.Reportf(r, x.Pos, "key %q looks like a misspelling of %q", x.Key, k)
						}
					}
				}
			}),
	}
}

// firstDocument returns the index of the first loaded document of r's file.
func firstDocument(p *Pass, r *ast.Rule) int {
	return p.Index.firstDoc[r.Pos.File]
}

// dupes reports the rules whose key (as keyOf returns it) another rule also has,
// in linear time and output: at most MaxGroupFindings findings per group, each
// naming at most MaxGroupFindings other positions ("and N more"); the last one
// says how many rules of the group were not reported.
func dupes(p *Pass, keyOf func(*ast.Rule) (key, shown string, pos ast.Pos), what string) {
	type occ struct {
		r   *ast.Rule
		pos ast.Pos
	}
	groups := map[string][]occ{}
	var order []string
	for _, r := range p.Rules {
		k, _, pos := keyOf(r)
		if k == "" {
			continue
		}
		if groups[k] == nil {
			order = append(order, k)
		}
		groups[k] = append(groups[k], occ{r, pos})
	}
	limit := p.maxGroupFindings()
	for _, k := range order {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		for i, o := range g {
			if i == limit {
				break
			}
			related := make([]ast.Pos, 0, min(len(g)-1, limit))
			others := make([]string, 0, cap(related))
			for j, x := range g {
				if len(related) == limit {
					break
				}
				if j != i {
					related = append(related, x.pos)
					others = append(others, x.pos.String())
				}
			}
			_, shown, _ := keyOf(o.r)
			msg := fmt.Sprintf("%s %q is also used at %s", what, shown, strings.Join(others, ", "))
			if more := len(g) - 1 - len(related); more > 0 {
				msg += fmt.Sprintf(" and %d more", more)
			}
			if i == limit-1 && len(g) > limit {
				msg += fmt.Sprintf(" (%d rules share it; the other %d are not reported: at most %d findings per group)", len(g), len(g)-limit, limit)
			}
			p.ReportRelated(o.r, o.pos, related, what+"\x00"+shown, "%s", msg)
		}
	}
}

// missing reports rules that need metadata and lack the key.
func missing(p *Pass, what string, get func(*ast.Rule) string) {
	for _, r := range p.Rules {
		if needsMetadata(p, r) && strings.TrimSpace(get(r)) == "" {
			p.Reportf(r, r.Pos, "rule has no %s", what)
		}
	}
}

// enum reports values outside a fixed list.
func enum(p *Pass, key string, allowed []string, get func(*ast.Rule) string) {
	for _, r := range p.Rules {
		v := get(r)
		if v == "" || slices.Contains(allowed, v) {
			continue
		}
		hint := ""
		if slices.Contains(allowed, strings.ToLower(strings.TrimSpace(v))) {
			hint = " (write it in lower case)"
		}
		p.Reportf(r, r.KeyPos(key), "%s %q is not one of %s%s", key, v, strings.Join(allowed, ", "), hint)
	}
}

// checkDate returns why a date is invalid, or "".
func checkDate(s string) string {
	if s == "" {
		return "is empty"
	}
	if !dateRe.MatchString(s) {
		if len(s) == 10 && s[4] == '/' && s[7] == '/' {
			return "uses the Sigma 1.0 form YYYY/MM/DD; write " + strings.ReplaceAll(s, "/", "-")
		}
		return "is not in the form YYYY-MM-DD"
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return "is not a real calendar date"
	}
	return ""
}

func isURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(strings.TrimSpace(s), " \t\n")
}

// knownTypos are custom keys pySigma's CustomAttributesValidator reports.
var knownTypos = map[string]string{"realted": "related", "relatde": "related", "relted": "related", "rlated": "related", "reference": "references"}

// nearKey returns the standard key that a custom key misspells, or "".
func nearKey(k string) string {
	if s, ok := knownTypos[k]; ok {
		return s
	}
	lk := strings.ToLower(k)
	cands := append([]string(nil), standardKeys...)
	sort.Strings(cands)
	for _, s := range cands {
		if lk == s {
			return s // differs only in case
		}
	}
	if len(lk) < 4 {
		return ""
	}
	for _, s := range cands {
		max := 1
		if len(s) >= 8 {
			max = 2
		}
		if d := editDistance(lk, s); d > 0 && d <= max {
			return s
		}
	}
	return ""
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// duplicateIndexes returns the index of the second occurrence of each repeated item.
func duplicateIndexes(list []string) []int {
	seen := map[string]int{}
	var out []int
	for i, s := range list {
		seen[s]++
		if seen[s] == 2 {
			out = append(out, i)
		}
	}
	return out
}
