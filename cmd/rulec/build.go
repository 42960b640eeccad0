package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "convert rules for a SIEM (Wazuh 4.x custom rules XML)",
		ArgsUsage: "PATHS...",
		Description: "Converts every rule it can and reports, grouped by reason, the rules it skipped.\n" +
			"Skipped rules are warnings unless --strict is given. The exit status is 1 when a file failed to load\n" +
			"or a path does not exist (the -o and --id-map files are then left as they were), 2 on usage errors.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target", Value: "wazuh", Usage: "output format: wazuh"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the rules file to `FILE` (- for standard output, the default); left unchanged when the run fails"},
			&cli.StringFlag{Name: "profile", Usage: "rulec profile `FILE`: placeholder values and the wazuh: logsource and field mapping, over the built-in profile (rulec profile show prints it)"},
			&cli.StringFlag{Name: "id-map", Usage: "YAML file that keeps each Sigma rule's Wazuh ids across builds (created or updated; commit it)"},
			&cli.StringFlag{Name: "id-range", Value: fmt.Sprintf("%d-%d", wazuh.DefaultIDMin, wazuh.DefaultIDMax), Usage: "range for new rule ids, MIN-MAX"},
			&cli.StringFlag{Name: "stock-rules", Usage: "folder `DIR` of the Wazuh stock rules (ruleset/rules): report the generated rules a stock rule can shadow (none to skip; default: " + installedStockRules + " when it exists, else none)"},
			&cli.StringFlag{Name: "shadow-cache", Usage: "folder `DIR` for the shadowing analysis' verdicts cache, one content-hashed file per stock ruleset: a build after the first reuses its automaton searches; the report is the same with or without it (none to disable; default: rulec in the user cache folder)"},
			&cli.IntFlag{Name: "overlap-rules", Usage: "also make an event that two rules likely both match alert as one rule naming both (an event both match always does where the build proves the overlap): rules sharing an anchor test that at most `N` rules of the logsource share, or one rule's tests within the other's but for its filters; each pair adds one Wazuh rule (default 0: only proved overlaps; 30 doubles the rule tree of all of SigmaHQ)"},
			&cli.StringFlag{Name: "report", Usage: "write a JSON report of the build to `FILE` (emitted and skipped rules with reasons and positions, shadowing, exceptions, rule tree size; - for standard output with -o FILE); written whether the run fails or not"},
			&cli.BoolFlag{Name: "sidecar", Usage: "write the sidecar rule set instead: one Wazuh rule per Sigma rule raising its alert from the alert lines of rulec scan --follow, read back through a <localfile> (see the README)"},
			&cli.BoolFlag{Name: "strict", Usage: "fail (exit status 1, no output file) when any rule cannot be converted exactly"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also list every generated rule a stock rule can shadow (the default is a summary) and each YAML file of the folders skipped because it is not a Sigma rule"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the summaries, not one line per skipped rule, and no progress line"},
		},
		Action: func(c *cli.Context) error {
			// Usage errors: message on standard error, exit status 2 (testable, no os.Exit).
			usage := func(msg string) error {
				fmt.Fprintln(c.App.ErrWriter, "rulec build: "+msg)
				return exitError{2}
			}
			paths, err := trailingFlags(c)
			if err != nil {
				return usage(err.Error())
			}
			if len(paths) == 0 {
				return usage("give at least one rule file or folder")
			}
			if err := checkOutput("build", c.String("output")); err != nil {
				return err
			}
			if err := checkOutput("build", c.String("id-map")); err != nil {
				return err
			}
			if err := checkOutput("build", c.String("report")); err != nil {
				return err
			}
			if output := c.String("output"); c.String("report") == stdio && (output == "" || output == stdio) {
				return usage("--report - needs -o FILE (the rules file goes to standard output)")
			}
			if t := c.String("target"); t != "wazuh" {
				return usage(fmt.Sprintf("unknown target %q (available: wazuh)", t))
			}
			min, max, err := parseRange(c.String("id-range"))
			if err != nil {
				return usage(err.Error())
			}
			prof, err := loadProfiles(c.String("profile"))
			if err != nil {
				return usage(err.Error())
			}
			var ids *wazuh.IDMap
			if p := c.String("id-map"); p != "" {
				ids, err = wazuh.LoadIDMap(p, min, max)
			} else {
				ids, err = wazuh.NewIDMap(min, max)
			}
			if err != nil {
				return usage(err.Error())
			}
			stock, stockNote := c.String("stock-rules"), ""
			switch {
			case !c.IsSet("stock-rules"):
				// A Wazuh manager's own ruleset, when rulec runs on one; else no analysis.
				if st, err := os.Stat(installedStockRules); err == nil && st.IsDir() {
					stock = installedStockRules
				} else {
					stock, stockNote = "", "shadowing report skipped: give --stock-rules DIR (the Wazuh ruleset/rules folder) to see which generated rules stock rules can shadow"
				}
			case stock == "" || stock == "none":
				stock, stockNote = "", "shadowing report skipped (--stock-rules none)"
			default:
				if st, err := os.Stat(stock); err != nil || !st.IsDir() {
					return usage(fmt.Sprintf("--stock-rules %s: not a folder", stock))
				}
			}
			cache := c.String("shadow-cache")
			switch {
			case cache == "none":
				cache = ""
			case cache == "" && stock != "":
				if dir, err := userCacheDir(); err == nil {
					cache = filepath.Join(dir, "rulec")
				}
			}
			// On a terminal, a status line while rules load and convert; messages clear it first.
			prog := newProgress(c.App.ErrWriter, c.Bool("quiet"))
			defer prog.Done()
			w := io.Writer(prog)
			stop := prog.Spin(fmt.Sprintf("build: loading rules from %d paths", len(paths)))
			res := loadRules(c, paths, frontend.Options{})
			stop()
			notRules := setAsideNonRules(res, "build", paths)
			resolvePlaceholders(res.Rules, prof.Engine.Placeholders)
			reportSkipped(w, "build", notRules, c.Bool("verbose"))
			if c.Bool("sidecar") {
				prog.Done()
				return buildSidecar(c, res, prof.Wazuh, ids)
			}
			step := fmt.Sprintf("build: converting %s Sigma rules to Wazuh rules", thousands(len(res.Rules)))
			if stock != "" {
				step += " and checking them against the stock rules"
			}
			stop = prog.Spin(step)
			out, err := wazuh.Build(res.Rules, wazuh.Options{Profile: prof.Wazuh, IDs: ids, StockRules: stock, ShadowCache: cache,
				OverlapRules: c.Int("overlap-rules"),
				Header:       "Generated by rulec " + rulecVersion() + " from Sigma rules; do not edit, rebuild instead."})
			stop()
			if err != nil {
				return fmt.Errorf("building Wazuh rules: %w", err)
			}
			// A run with inputs that failed (or, with --strict, rules left out) produced a
			// partial rules file: the files named by -o and --id-map keep their previous content.
			failed := len(res.FailedFiles) > 0 || (c.Bool("strict") && out.Report.Skipped > 0)
			output := c.String("output")
			toStdout := output == "" || output == stdio
			if toStdout || !failed {
				if err := writeOutput(c.App.Writer, output, out.XML); err != nil {
					return err
				}
			}
			if p := c.String("id-map"); p != "" && !failed {
				if err := writeFileAtomic(p, ids.Bytes()); err != nil {
					return fmt.Errorf("writing id map: %w", err)
				}
			}
			loadDiags := ast.Diagnostics{}
			for _, d := range res.Diagnostics {
				if d.Severity == ast.SeverityError {
					loadDiags = append(loadDiags, d)
				}
			}
			if !c.Bool("quiet") {
				printDiagnostics(w, loadDiags)
				printDiagnostics(w, out.Diagnostics)
			}
			printBuildReport(w, out.Report, len(res.FailedFiles))
			if stock != "" {
				printShadowReport(w, out.Report, c.Bool("verbose"))
				if c.Bool("verbose") && out.Report.ShadowCacheNote != "" {
					fmt.Fprintln(w, "  shadowing cache: "+out.Report.ShadowCacheNote)
				}
			} else {
				fmt.Fprintln(w, "  "+stockNote)
			}
			if p := c.String("report"); p != "" {
				if err := writeBuildReport(p, newBuildReport(res, out, notRules, stock != "", failed), c.App.Writer); err != nil {
					return fmt.Errorf("writing report: %w", err)
				}
			}
			if failed {
				var kept []string
				if !toStdout {
					kept = append(kept, output)
				}
				if p := c.String("id-map"); p != "" {
					kept = append(kept, p)
				}
				if len(kept) > 0 {
					fmt.Fprintf(w, "rulec build: not written (the run failed): %s\n", strings.Join(kept, ", "))
				}
				return exitError{1}
			}
			return nil
		},
	}
}

// trailingFlags applies flags written after the paths (`rulec build rules/ -o out.xml`),
// which the CLI library leaves among the arguments, and returns the paths.
func trailingFlags(c *cli.Context) ([]string, error) {
	var paths []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			paths = append(paths, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			paths = append(paths, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var flag cli.Flag
		for _, f := range c.Command.Flags {
			for _, n := range f.Names() {
				if n == name {
					flag = f
				}
			}
		}
		if flag == nil {
			return nil, fmt.Errorf("unknown flag %s", a)
		}
		if _, isBool := flag.(*cli.BoolFlag); isBool {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag %s needs a value", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(flag.Names()[0], value); err != nil {
			return nil, fmt.Errorf("flag %s: %w", a, err)
		}
	}
	return paths, nil
}

func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	x, err1 := strconv.Atoi(strings.TrimSpace(a))
	y, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || x > y {
		return 0, 0, fmt.Errorf("invalid --id-range %q (want MIN-MAX, e.g. 100000-120000)", s)
	}
	return x, y, nil
}

func printBuildReport(w io.Writer, r wazuh.Report, failedFiles int) {
	fmt.Fprintf(w, "wazuh: %d Sigma rules: %d emitted as %d Wazuh rules, %d skipped", r.Rules, r.Emitted, r.WazuhRules, r.Skipped)
	if failedFiles > 0 {
		fmt.Fprintf(w, ", %d files failed to load", failedFiles)
	}
	fmt.Fprintln(w)
	for _, rc := range r.ByReason() {
		fmt.Fprintf(w, "  skipped %5d  %s\n", rc.Count, rc.Reason)
	}
	if len(r.Dropped) > 0 {
		fmt.Fprintf(w, "  %d optional logsource variants left out (e.g. Security 4688 for rules using Sysmon-only fields)\n", len(r.Dropped))
	}
	if r.CombinedGroups+r.CombinedChildren > 0 {
		fmt.Fprintf(w, "  one alert names every rule of a proved or likely overlap (--overlap-rules): %d Wazuh rules also carry another Sigma rule's groups, %d combined children\n", r.CombinedGroups, r.CombinedChildren)
	}
}

// installedStockRules is where a Wazuh manager keeps its stock rules: build's default for
// --stock-rules when the folder exists (a variable for tests).
var installedStockRules = "/var/ossec/ruleset/rules"

// userCacheDir finds the user cache folder, under which build keeps the
// shadowing verdicts cache by default (a variable for tests).
var userCacheDir = os.UserCacheDir

// printShadowReport lists the generated rules that a stock rule can take
// events from: one line per generated rule (all the stock rules that can win),
// then the stock rules that can shadow the most.
func printShadowReport(w io.Writer, r wazuh.Report, detail bool) {
	type entry struct {
		id     int
		rule   string
		title  string
		stocks []string
	}
	var list []*entry
	byID := map[int]*entry{}
	stockCount := map[int]int{}
	counted := map[[2]int]bool{}
	stockDesc := map[int]string{}
	for _, s := range r.Shadows {
		e := byID[s.WazuhID]
		if e == nil {
			e = &entry{id: s.WazuhID, rule: s.Rule.Ref(), title: s.Rule.Title}
			byID[s.WazuhID] = e
			list = append(list, e)
		}
		e.stocks = append(e.stocks, fmt.Sprintf("%d (level %d, under %d)", s.StockID, s.StockLevel, s.Parent))
		if !counted[[2]int{s.StockID, s.WazuhID}] {
			counted[[2]int{s.StockID, s.WazuhID}] = true
			stockCount[s.StockID]++
		}
		stockDesc[s.StockID] = fmt.Sprintf("level %d: %s", s.StockLevel, s.StockDescription)
	}
	sigma := map[string]bool{}
	for _, e := range list {
		sigma[e.rule] = true
	}
	kinds := map[string]map[int]bool{}
	for _, s := range r.Shadows {
		if kinds[s.Kind] == nil {
			kinds[s.Kind] = map[int]bool{}
		}
		kinds[s.Kind][s.WazuhID] = true
	}
	fmt.Fprintf(w, "shadowing: %d generated rules (of %d Sigma rules) can lose events to a stock sibling tried first (%s)\n", len(list), len(sigma), r.ShadowNote)
	for _, k := range []struct{ kind, text string }{
		{"level0", "by a stock level-0 rule (every event it matches ends there)"},
		{"level", "by a stock rule of a higher level (events both match)"},
		{"order", "by a stock rule of the same level loaded first (events both match)"},
		{"correlation", "by a stock correlation rule (when its history holds)"},
	} {
		if n := len(kinds[k.kind]); n > 0 {
			fmt.Fprintf(w, "  %5d %s\n", n, k.text)
		}
	}
	if detail {
		for _, e := range list {
			fmt.Fprintf(w, "  %d %s %q: %s\n", e.id, e.rule, e.title, strings.Join(e.stocks, ", "))
		}
	} else if len(list) > 0 {
		fmt.Fprintln(w, "  (--verbose lists each generated rule and the stock rules that can shadow it; --report FILE writes them as JSON)")
	}
	ids := make([]int, 0, len(stockCount))
	for id := range stockCount {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if stockCount[ids[i]] != stockCount[ids[j]] {
			return stockCount[ids[i]] > stockCount[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) > 10 {
		ids = ids[:10]
	}
	for _, id := range ids {
		fmt.Fprintf(w, "  stock rule %d can shadow %d generated rules (%s)\n", id, stockCount[id], stockDesc[id])
	}
}
