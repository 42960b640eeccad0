package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/engine/ruletest"
	"github.com/rulec/rulec/frontend"
)

func testCommand() *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "run rule fixtures: SigmaHQ regression cases and rulec fixture files",
		ArgsUsage: "PATHS...",
		Description: "PATHS are rule files and folders; YAML files with a top-level tests: key among them are rulec\n" +
			"fixture files (see README.md, \"Rule fixtures\"). Every rule with a regression_tests_path runs its\n" +
			"SigmaHQ regression cases (an absent capture is skipped). Prints failures (and passes with -v) and\n" +
			"the closing line \"N passed, M failed[, K skipped]\"; exits 1 on any failure.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print passing and skipped cases too"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress line on a terminal"},
			&cli.StringFlag{Name: "profile", Usage: "rulec profile `FILE`: placeholder values and the logsource mappings (engine:, and wazuh: with --target wazuh), over the built-in profile"},
			&cli.StringFlag{Name: "target", Value: "engine", Usage: "what decides matches: engine (Sigma semantics) or wazuh (the generated Wazuh rules under the stock ruleset)"},
			&cli.StringFlag{Name: "stock-rules", Usage: "with --target wazuh: the Wazuh stock rules folder (ruleset/rules)"},
			&cli.StringSliceFlag{Name: "fixture-root", Usage: "a folder whose files fixtures may read besides the folder above their own (repeatable)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return failUsage(c, "rulec test: give at least one rule file or folder")
			}
			var opts engine.Options
			prof, err := loadProfiles(c.String("profile"))
			if err != nil {
				return failUsage(c, "rulec test: "+err.Error())
			}
			if c.IsSet("profile") {
				opts.Profile = prof.Engine
			}
			tgt := testTarget{name: c.String("target"), stockRules: c.String("stock-rules"), fixtureRoots: c.StringSlice("fixture-root"),
				pipelines: pipelineFiles(c, c.Args().Slice())}
			switch tgt.name {
			case "engine":
			case "wazuh":
				if tgt.stockRules == "" {
					return failUsage(c, "rulec test: --target wazuh needs --stock-rules DIR (the Wazuh ruleset/rules folder)")
				}
				tgt.profile = prof.Wazuh
				tgt.placeholders = prof.Engine.Placeholders
			default:
				return failUsage(c, fmt.Sprintf("rulec test: --target must be engine or wazuh, found %q", tgt.name))
			}
			tgt.quiet = c.Bool("quiet")
			return runTest(c.App.Writer, c.App.ErrWriter, c.Args().Slice(), c.Bool("verbose"), opts, tgt)
		},
	}
}

// testTarget selects what decides whether a rule fires in rulec test.
type testTarget struct {
	name       string
	stockRules string
	profile    *wazuh.Profile
	// fixtureRoots are the folders fixtures may read besides the one above their own.
	fixtureRoots []string
	// pipelines are the pySigma processing pipelines applied to the rules.
	pipelines []string
	// quiet turns the terminal progress line off.
	quiet bool
	// placeholders are the profile's placeholder values, resolved in the rules for the Wazuh target.
	placeholders map[string][]string
}

func runTest(stdout, stderr io.Writer, paths []string, verbose bool, opts engine.Options, tgt testTarget) error {
	rulePaths, fixturePaths, err := ruletest.SplitPaths(paths)
	if err != nil {
		fmt.Fprintf(stderr, "rulec test: %v\n", err)
		return exitError{2}
	}
	// On a terminal, a status line while rules load and cases run; messages clear it first.
	prog := newProgress(stderr, tgt.quiet)
	defer prog.Done()
	stderr = prog
	// Rules that fail to load or compile make the run fail even when no case names them.
	failed := false
	var rules []*ast.Rule
	stop := prog.Spin("test: loading and compiling rules")
	if len(rulePaths) > 0 {
		res := applyPipelines(frontend.Load(rulePaths, frontend.Options{}), tgt.pipelines)
		printDiagnostics(stderr, res.Diagnostics)
		failed = len(res.FailedFiles) > 0
		rules = res.Rules
	}
	// The Wazuh backend does not read placeholders: their values go into the rules first
	// (the engine expands them the same way, so both targets see the same values).
	resolvePlaceholders(rules, tgt.placeholders)
	rs, diags := engine.NewRuleset(rules, opts)
	stop()
	printDiagnostics(stderr, diags)
	failed = failed || diags.HasErrors()
	runner := ruletest.NewRunner(rs)
	runner.All = rules
	runner.FixtureRoots = tgt.fixtureRoots
	runner.Progress = func(done, total int) {
		prog.Update("test: regression cases of rule %s/%s", thousands(done), thousands(total))
	}
	if tgt.name == "wazuh" {
		stop := prog.Spin(fmt.Sprintf("test: building %s rules for Wazuh and loading the stock rules", thousands(len(rules))))
		m, warnings, err := newWazuhMatcher(rs, rules, tgt.stockRules, tgt.profile)
		stop()
		for _, w := range warnings {
			fmt.Fprintf(stderr, "wazuh: warning: %s\n", w)
		}
		if err != nil {
			fmt.Fprintf(stderr, "rulec test: %v\n", err)
			return exitError{2}
		}
		runner.SetMatcher(m)
		runner.SkipCorrelations = "correlation tests run on the engine, not --target wazuh"
	}
	cases := runner.Regression()
	for i, p := range fixturePaths {
		prog.Update("test: fixture file %d/%d %s", i+1, len(fixturePaths), p)
		fxs, err := ruletest.LoadFixtures(p)
		if err != nil {
			cases = append(cases, ruletest.Case{Kind: "fixture", Where: p, Name: "fixture file", Status: ruletest.Fail, Message: err.Error()})
			continue
		}
		cases = append(cases, runner.Fixtures(fxs)...)
	}
	prog.Done() // the results go to standard output, maybe the same terminal
	for _, c := range cases {
		if c.Status != ruletest.Fail && !verbose {
			continue
		}
		fmt.Fprintf(stdout, "%s %s %s: %s: %s: %s\n", c.Status, c.Kind, c.Where, c.Rule, c.Name, c.Message)
	}
	sum := ruletest.Summarize(cases)
	fmt.Fprintln(stdout, sum.String())
	if sum.Failed > 0 || failed {
		return exitError{1}
	}
	return nil
}
