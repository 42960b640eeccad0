package main

import (
	"bufio"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/lint"
)

func lintCommand() *cli.Command {
	return &cli.Command{
		Name:  "lint",
		Usage: "check rules for mistakes, style problems and constructs a target cannot express",
		Description: "Lints the rule files and folders given (default: the current folder). Findings print as\n" +
			"file:line:col: severity: message [check]. The exit status is 1 when a finding is at least as severe as\n" +
			"--fail-on, 2 on usage or configuration errors. A .rulec.yml found in the first path's folder or its\n" +
			"ancestors (else in the current folder) enables, disables or re-levels checks; `# rulec:disable=check-id`\n" +
			"comments suppress findings on their line (or the next line when alone on theirs). YAML files whose content\n" +
			"is not a Sigma rule (no detection, correlation, filter, title or logsource: rulec fixture files with tests:,\n" +
			"SigmaHQ's regression info.yml) are skipped with a note on stderr (--all-yaml lints them too).",
		ArgsUsage: "[PATHS...]",
		Flags: []cli.Flag{
			enumFlag(&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output format: text, json or sarif"}, "text", "json", "sarif"),
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the report to `FILE` (- for standard output, the default)"},
			&cli.StringFlag{Name: "fail-on", Usage: "exit with status 1 when a finding is at least this severe: error, warning, note or none (default: the config's fail-on, else error)"},
			&cli.StringFlag{Name: "config", Usage: "read the configuration from `FILE` instead of looking for .rulec.yml"},
			&cli.BoolFlag{Name: "no-config", Usage: "ignore any .rulec.yml"},
			&cli.StringSliceFlag{Name: "target", Usage: "also run the target-aware checks of this backend (wazuh)"},
			&cli.StringSliceFlag{Name: "context", Usage: "load rules under `PATH` too, for cross-file checks (duplicate ids, correlation references), without reporting on them"},
			&cli.StringFlag{Name: "root", Usage: "repository root that report paths are relative to (default: the config's folder, else the git root, else the current folder)"},
			enumFlag(&cli.StringFlag{Name: "color", Value: "auto", Usage: "colour the text report: auto, always or never (auto respects NO_COLOR)"}, "auto", "always", "never"),
			&cli.BoolFlag{Name: "all-yaml", Usage: "lint every YAML file as a rule, also those whose content is not a Sigma rule (fixtures, SigmaHQ info.yml...)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "name each YAML file skipped because it is not a Sigma rule"},
			&cli.BoolFlag{Name: "list", Usage: "print the catalogue of checks and exit"},
			&cli.StringFlag{Name: "explain", Usage: "print the documentation of check `ID` and exit"},
		},
		Action: runLint,
	}
}

// lintUsage is a usage or configuration error of rulec lint: run prints it
// and exits with status 2.
func lintUsage(format string, args ...any) error {
	return usageError{fmt.Sprintf("rulec lint: "+format, args...)}
}

func runLint(c *cli.Context) error {
	out := c.App.Writer
	if c.Bool("list") {
		return lint.WriteCatalogue(out, lint.Checks())
	}
	if id := c.String("explain"); id != "" {
		chk := lint.Lookup(id)
		if chk == nil {
			return lintUsage("unknown check %q (rulec lint --list shows the catalogue)", id)
		}
		fmt.Fprintf(out, "%s (%s, default %s)\n%s\n\n%s\n\n%s\n", chk.ID, chk.Category, chk.Severity, chk.Summary, chk.Doc, chk.HelpURI())
		return nil
	}
	format := c.String("format")
	switch format {
	case "text", "json", "sarif":
	default:
		return lintUsage("unknown format %q (expected text, json or sarif)", format)
	}
	if err := checkOutput("lint", c.String("output")); err != nil {
		return err
	}
	paths := c.Args().Slice()
	if len(paths) == 0 {
		paths = []string{"."}
	}
	cwd, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	cfg, err := lintConfig(c, paths[0], cwd)
	if err != nil {
		return err
	}
	failOn, err := lintFailOn(c, cfg)
	if err != nil {
		return err
	}
	targets := c.StringSlice("target")
	for _, t := range targets {
		if !knownTarget(t) {
			return lintUsage("unknown target %q (known: wazuh)", t)
		}
	}
	root := lintRoot(c, cfg, paths[0], cwd)

	load := paths
	opts := lint.Options{Config: cfg, Targets: targets, Backends: []lint.Target{wazuh.LintTarget{}}, Root: root, ReadFile: os.ReadFile}
	if ctx := c.StringSlice("context"); len(ctx) > 0 {
		// Relative to the current folder, the same file named two ways loads once.
		load = nil
		for _, p := range append(append([]string(nil), paths...), ctx...) {
			load = append(load, relToCwd(cwd, p))
		}
		opts.Only = paths
	}
	if !c.Bool("all-yaml") {
		// Notes only for the paths reported on; the context's non-rule files are left out silently.
		_, skipped := splitRuleFiles(paths)
		reportSkipped(c.App.ErrWriter, "lint", skipped, c.Bool("verbose"))
		load, _ = splitRuleFiles(load)
	}
	res := loadRules(c, load, frontend.Options{})
	rep := lint.Run(res, opts)
	if err := writeLintReport(c, rep, format, root); err != nil {
		return err
	}
	// A path that does not exist or cannot be read fails the run whatever --fail-on says
	// (rules that do not parse are findings, which --fail-on rules).
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(c.App.ErrWriter, "rulec lint: %v\n", err)
			return exitError{1}
		}
	}
	if rep.Fails(failOn) {
		return exitError{1}
	}
	return nil
}

// lintConfig reads the configuration: --config FILE, else the .rulec.yml
// found from the first path up (none with --no-config).
func lintConfig(c *cli.Context, first, cwd string) (*lint.Config, error) {
	file := c.String("config")
	switch {
	case c.Bool("no-config"):
		return nil, nil
	case file == "":
		found, err := lint.FindConfig(first, cwd)
		if err != nil {
			return nil, lintUsage("%v", err)
		}
		if file = found; file == "" {
			return nil, nil
		}
	}
	cfg, err := lint.LoadConfig(file)
	if err != nil {
		return nil, lintUsage("%v", err)
	}
	return cfg, nil
}

// lintFailOn is the severity that fails the run: --fail-on, else the
// configuration's fail-on, else error.
func lintFailOn(c *cli.Context, cfg *lint.Config) (*ast.Severity, error) {
	text := c.String("fail-on")
	if text == "" && cfg != nil && cfg.FailOn != "" {
		text = cfg.FailOn
	}
	if text == "" {
		text = "error"
	}
	sev, err := lint.ParseSeverity(text)
	if err != nil {
		return nil, lintUsage("--fail-on: %v", err)
	}
	return sev, nil
}

// lintRoot is the folder findings are reported relative to (absolute):
// --root, else the configuration's folder, else the first path's git
// checkout, else the current folder.
func lintRoot(c *cli.Context, cfg *lint.Config, first, cwd string) string {
	root := c.String("root")
	switch {
	case root != "":
	case cfg != nil && cfg.Path != "":
		root = filepath.Dir(cfg.Path)
	default:
		root = gitRoot(first)
		if root == "" {
			root = cwd
		}
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return root
}

// writeLintReport writes the report in its format to -o FILE (replaced only
// once complete) or standard output.
func writeLintReport(c *cli.Context, rep *lint.Report, format, root string) error {
	var w io.Writer = c.App.Writer
	var file *atomicFile
	if o := c.String("output"); o != "" && o != stdio {
		f, err := createAtomic(o)
		if err != nil {
			return lintUsage("%v", err)
		}
		defer f.Abort()
		file, w = f, f
	}
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case "json":
		err = rep.WriteJSON(bw)
	case "sarif":
		err = rep.WriteSARIF(bw, lint.SARIFOptions{ToolVersion: rulecVersion(), RootURI: dirURI(root)})
	default:
		err = rep.WriteText(bw, lint.TextOptions{Color: useColor(c.String("color"), w)})
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && file != nil {
		err = file.Commit()
	}
	return err
}

func knownTarget(t string) bool {
	for _, c := range lint.Checks() {
		if c.Target != "" && strings.EqualFold(c.Target, t) {
			return true
		}
	}
	return false
}

// useColor decides on ANSI colours: never, always, or (auto) when w is a terminal and
// NO_COLOR is unset or empty (https://no-color.org) and TERM is not dumb.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// dirURI returns the file: URI of an absolute folder, ending in a slash:
// file:///home/x/ on Unix, file:///C:/x/ on Windows.
func dirURI(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// gitRoot returns the closest ancestor folder of p that holds .git, or "".
func gitRoot(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// relToCwd rewrites a path relative to cwd when it can.
func relToCwd(cwd, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(cwd, abs); err == nil {
		return rel
	}
	return p
}
