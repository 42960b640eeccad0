// Package lint checks Sigma rules for mistakes, style problems and constructs a
// target cannot express. Each check is a value in the catalogue (see Checks) with
// an id, a default severity, a one-paragraph doc (embedded from docs/ID.md) and a
// help anchor, in the manner of golang.org/x/tools/go/analysis; lint/linttest
// tests them with `# want` comments in fixture rules. Target checks ask a Target
// (Options.Backends), so lint imports no backend. Checks read the typed AST and IR that the
// front end produced; the front end's own diagnostics are surfaced as findings
// under their own check ids. Only inline suppression comments are read from the
// raw rule text (see suppress.go).
package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

// HelpBase is the address of the check catalogue; a check's help URI is HelpBase + "#" + its anchor.
const HelpBase = "https://github.com/rulec/rulec/blob/main/lint/CHECKS.md"

// Category groups checks in the catalogue.
type Category string

// Check categories, in catalogue order.
const (
	CatSyntax      Category = "syntax"      // reported by the front end
	CatMetadata    Category = "metadata"    // title, id, status, dates, tags, references...
	CatLogsource   Category = "logsource"   // the logsource section
	CatDetection   Category = "detection"   // searches, fields and values
	CatCondition   Category = "condition"   // the condition as a whole
	CatRegex       Category = "regex"       // regular expressions under RE2 and PCRE2
	CatCorrelation Category = "correlation" // correlation rules
	CatWazuh       Category = "wazuh"       // what the Wazuh backend cannot express exactly
)

// Categories returns the categories in catalogue order (a fresh slice).
func Categories() []Category {
	return []Category{CatSyntax, CatMetadata, CatLogsource, CatDetection, CatCondition, CatRegex, CatCorrelation, CatWazuh}
}

// Check is one lint check of the catalogue.
type Check struct {
	// ID names the check in reports, configuration and suppression comments.
	ID string
	// Severity is the default severity; the repository configuration may change it.
	Severity ast.Severity
	// Category groups the check in the catalogue.
	Category Category
	// Summary is a one-line description.
	Summary string
	// Doc is a one-paragraph explanation: what is wrong and how to fix it.
	Doc string
	// Target, when set, restricts the check to runs that select this backend target.
	Target string
	// Frontend marks checks whose findings are the front end's diagnostics with this code.
	Frontend bool
	// Run reports the check's findings; nil for front-end checks.
	Run func(*Pass)
}

// Anchor is the check's anchor in the catalogue document.
func (c *Check) Anchor() string { return c.ID }

// HelpURI is the address of the check's documentation.
func (c *Check) HelpURI() string { return HelpBase + "#" + c.Anchor() }

// Finding is one problem a check found.
type Finding struct {
	// Check is the id of the check that reported it.
	Check string `json:"check"`
	// Severity is the effective severity, after configuration.
	Severity ast.Severity `json:"severity"`
	Pos      ast.Pos      `json:"pos"`
	Message  string       `json:"message"`
	// Rule is the id (else name, else title) of the rule the finding is about, if any.
	Rule string `json:"rule,omitempty"`
	// Related are other locations the message refers to (e.g. the other rule with the same id).
	Related []ast.Pos `json:"related,omitempty"`
	// Key identifies the finding for fingerprints when the message holds volatile details
	// (such as other files' positions); empty means the message.
	Key string `json:"-"`
	// Suppressed is set when an inline comment suppresses the finding; it is then
	// kept only in SARIF output (as a suppressed result) and never counts for --fail-on.
	Suppressed bool `json:"suppressed,omitempty"`
}

// Target is a backend whose target-aware checks lint runs, given in
// Options.Backends: lint asks it what it cannot express and imports no backend.
// The Wazuh backend's is wazuh.LintTarget.
type Target interface {
	// Name is the target's name in --target and `targets:` (such as TargetWazuh).
	Name() string
	// Unsupported calls report for each rule the backend would leave out, at the
	// construct that stops it and with the backend's reason; an error means the
	// backend could not run at all.
	Unsupported(rules []*ast.Rule, report func(r *ast.Rule, pos ast.Pos, reason string)) error
}

// Pass carries what a check needs to run over the loaded rules.
type Pass struct {
	Check *Check
	// Rules are all rules that loaded (files with errors are left out by the front end).
	Rules []*ast.Rule
	// Index offers lookups shared by several checks.
	Index *Index
	out   *[]Finding
	// backends are Options.Backends.
	backends []Target
	// maxGroup is Options.MaxGroupFindings.
	maxGroup int
}

// DefaultMaxGroupFindings is the default of Options.MaxGroupFindings.
const DefaultMaxGroupFindings = 10

func (p *Pass) maxGroupFindings() int {
	if p.maxGroup <= 0 {
		return DefaultMaxGroupFindings
	}
	return p.maxGroup
}

// Target returns the backend of the given name from Options.Backends, or nil.
func (p *Pass) Target(name string) Target {
	for _, t := range p.backends {
		if strings.EqualFold(t.Name(), name) {
			return t
		}
	}
	return nil
}

// Reportf records a finding about rule r at pos (the rule's position when pos has no line).
func (p *Pass) Reportf(r *ast.Rule, pos ast.Pos, format string, args ...any) {
	p.report(r, pos, nil, "", fmt.Sprintf(format, args...))
}

// ReportRelated records a finding that also points at related locations; key is the
// finding's stable identity for fingerprints (the message may name volatile positions).
func (p *Pass) ReportRelated(r *ast.Rule, pos ast.Pos, related []ast.Pos, key, format string, args ...any) {
	p.report(r, pos, related, key, fmt.Sprintf(format, args...))
}

func (p *Pass) report(r *ast.Rule, pos ast.Pos, related []ast.Pos, key, msg string) {
	f := Finding{Check: p.Check.ID, Severity: p.Check.Severity, Pos: pos, Message: msg, Related: related, Key: key}
	if r != nil {
		f.Rule = r.Ref()
		if pos.File == "" {
			f.Pos.File = r.Pos.File
		}
		if pos.Line == 0 {
			f.Pos = r.Pos
		}
	}
	*p.out = append(*p.out, f)
}

// Detections calls fn for every detection rule with a detection section.
func (p *Pass) Detections(fn func(r *ast.Rule, d *ast.Detection)) {
	for _, r := range p.Rules {
		if r.Kind == ast.KindDetection && r.Detection != nil {
			fn(r, r.Detection)
		}
	}
}

// FieldMatches calls fn for every detection item of a rule's own searches (not those a filter added),
// and of a filter document's searches.
func (p *Pass) FieldMatches(fn func(r *ast.Rule, s *ast.Search, fm *ast.FieldMatch)) {
	for _, r := range p.Rules {
		for _, s := range ownSearches(r) {
			s.Body.Walk(func(fm *ast.FieldMatch) { fn(r, s, fm) })
		}
	}
}

// ownSearches returns the searches written in the rule itself (filters' added searches excluded).
func ownSearches(r *ast.Rule) []*ast.Search {
	det := ownDetection(r)
	if det == nil {
		return nil
	}
	out := make([]*ast.Search, 0, len(det.Searches))
	for _, s := range det.Searches {
		if s.FromFilter == "" {
			out = append(out, s)
		}
	}
	return out
}

// ownDetection returns the detection section written in a rule or filter document.
func ownDetection(r *ast.Rule) *ast.Detection {
	switch {
	case r.Detection != nil:
		return r.Detection
	case r.Filter != nil:
		return r.Filter.Detection
	}
	return nil
}

// Values calls fn for every value of every detection item written in the rules.
func (p *Pass) Values(fn func(r *ast.Rule, fm *ast.FieldMatch, v *ast.Value)) {
	p.FieldMatches(func(r *ast.Rule, _ *ast.Search, fm *ast.FieldMatch) {
		for i := range fm.Values {
			fn(r, fm, &fm.Values[i])
		}
	})
}

// Options configures a lint run.
type Options struct {
	// Config is the repository configuration; nil means defaults.
	Config *Config
	// Targets adds backend targets whose target-aware checks run (besides the configuration's).
	Targets []string
	// Backends are the targets' implementations that target-aware checks ask
	// (cmd/rulec passes wazuh.LintTarget); a selected target without one gives a finding saying so.
	Backends []Target
	// Root is the repository root; finding paths in reports are made relative to it.
	Root string
	// Only, when set, restricts the report to findings in these files or folders; the
	// other loaded rules still take part in cross-file checks.
	Only []string
	// ReadFile reads a rule file for inline suppression comments; nil disables suppression.
	ReadFile func(path string) ([]byte, error)
	// MaxGroupFindings caps the findings of one group of rules sharing an id, name,
	// title or file name, and the other positions each names (default 10), so that
	// 10,000 copies of a rule give a report of linear size.
	MaxGroupFindings int
}

// Report is the outcome of a lint run.
type Report struct {
	// Findings are sorted by file, line, column, check.
	Findings []Finding
	// Checks are the checks that ran (or whose front-end diagnostics were surfaced), in catalogue order.
	Checks []*Check
	// Root is the repository root used for relative paths.
	Root string
	// Files and Rules count what the front end loaded.
	Files, Rules int
}

// Run lints the rules of a front-end result: it surfaces the front end's diagnostics
// as findings, runs every enabled check, applies the configuration's severities and
// the inline suppressions.
func Run(res *frontend.Result, opts Options) *Report {
	cfg := opts.Config
	if cfg == nil {
		cfg = &Config{}
	}
	targets := map[string]bool{}
	for _, t := range append(append([]string(nil), cfg.Targets...), opts.Targets...) {
		targets[strings.ToLower(t)] = true
	}
	cat := Checks()
	byID := make(map[string]*Check, len(cat))
	for _, c := range cat {
		byID[c.ID] = c
	}
	enabled := func(c *Check) bool {
		if lvl, ok := cfg.Checks[c.ID]; ok {
			return lvl != LevelOff
		}
		return c.Target == "" || targets[c.Target]
	}

	var findings []Finding
	used := map[string]*Check{}
	// Front-end diagnostics become findings of the check named by their code.
	for _, d := range res.Diagnostics {
		if isConfigFile(d.Pos.File) {
			continue // the front end reads .rulec.yml when it walks a folder; it is not a rule
		}
		c := byID[d.Code]
		if c == nil {
			// A code the catalogue does not know yet: surface it under its own id.
			c = &Check{ID: d.Code, Severity: d.Severity, Category: CatSyntax, Frontend: true,
				Summary: "front-end diagnostic " + d.Code, Doc: "A problem the front end reports while reading the rule."}
			byID[d.Code] = c
		}
		if !enabled(c) {
			continue
		}
		used[c.ID] = c
		findings = append(findings, Finding{Check: c.ID, Severity: d.Severity, Pos: d.Pos, Message: d.Message})
	}
	ix := newIndex(res.Rules)
	for _, c := range cat {
		if c.Run == nil || !enabled(c) {
			continue
		}
		used[c.ID] = c
		p := &Pass{Check: c, Rules: res.Rules, Index: ix, out: &findings, backends: opts.Backends, maxGroup: opts.MaxGroupFindings}
		c.Run(p)
	}
	// Configured severities apply to every finding of a check.
	for i := range findings {
		if lvl, ok := cfg.Checks[findings[i].Check]; ok && lvl.isSeverity() {
			findings[i].Severity = lvl.severity()
		}
	}
	findings = cfg.exclude(findings, opts.Root)
	if len(opts.Only) > 0 {
		findings = only(findings, opts.Only)
	}
	if opts.ReadFile != nil {
		applySuppressions(findings, opts.ReadFile)
	}
	sortFindings(findings)

	rep := &Report{Findings: findings, Root: opts.Root, Files: res.Files, Rules: len(res.Rules)}
	for _, c := range cat {
		if used[c.ID] != nil {
			rep.Checks = append(rep.Checks, c)
			delete(used, c.ID)
		}
	}
	extra := make([]*Check, 0, len(used))
	for _, c := range used {
		extra = append(extra, c)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i].ID < extra[j].ID })
	rep.Checks = append(rep.Checks, extra...)
	return rep
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Check != b.Check {
			return a.Check < b.Check
		}
		return a.Message < b.Message
	})
}

// Counts returns the number of unsuppressed findings per severity.
func (r *Report) Counts() map[ast.Severity]int {
	out := map[ast.Severity]int{}
	for _, f := range r.Findings {
		if !f.Suppressed {
			out[f.Severity]++
		}
	}
	return out
}

// Fails reports whether any unsuppressed finding is at least as severe as failOn.
// A nil failOn never fails.
func (r *Report) Fails(failOn *ast.Severity) bool {
	if failOn == nil {
		return false
	}
	for _, f := range r.Findings {
		if !f.Suppressed && f.Severity <= *failOn {
			return true
		}
	}
	return false
}

// RelPath returns a finding path relative to the report root, with forward slashes.
func (r *Report) RelPath(path string) string {
	return relPath(r.Root, path)
}

func relPath(root, path string) string {
	if path == "" {
		return ""
	}
	if root != "" {
		abs, err1 := filepath.Abs(path)
		absRoot, err2 := filepath.Abs(root)
		if err1 == nil && err2 == nil {
			if rel, err := filepath.Rel(absRoot, abs); err == nil && !strings.HasPrefix(rel, "..") {
				return filepath.ToSlash(rel)
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(path))
}

// only keeps the findings in the given files or under the given folders.
func only(fs []Finding, paths []string) []Finding {
	abs := make([]string, 0, len(paths))
	for _, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			abs = append(abs, a)
		}
	}
	kept := fs[:0]
	for _, f := range fs {
		a, err := filepath.Abs(f.Pos.File)
		if err != nil {
			continue
		}
		for _, p := range abs {
			if a == p || strings.HasPrefix(a, p+string(filepath.Separator)) {
				kept = append(kept, f)
				break
			}
		}
	}
	return kept
}

// isConfigFile reports whether a path names a lint configuration file.
func isConfigFile(path string) bool {
	base := filepath.Base(path)
	for _, n := range ConfigNames() {
		if base == n {
			return true
		}
	}
	return false
}
