package main

import (
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/gogen"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/frontend"
)

func genGoCommand() *cli.Command {
	return &cli.Command{
		Name:      "gen-go",
		Usage:     "compile rules into a Go package of native matchers (for go generate)",
		ArgsUsage: "PATHS...",
		Description: "Writes a gofmt'ed Go package with one function per rule, a literal index and Rules()/Matcher/Match\n" +
			"on the engine's event model. In a package: //go:generate go run github.com/rulec/rulec/cmd/rulec gen-go ../rules -pkg NAME -o .\n" +
			"Rule file paths in the metadata are relative to the working directory. Rules the interpreter cannot\n" +
			"evaluate are left out with a diagnostic (an error with --strict). The exit status is 1 when a file\n" +
			"failed to load or a path does not exist (or, with --strict, a rule was left out): nothing is written then.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "pkg", Usage: "Go package name (default: the output folder's name)"},
			&cli.StringFlag{Name: "o", Value: ".", Usage: "output folder (created if needed; stale generated files are removed), or - to print the package as one Go file"},
			&cli.StringFlag{Name: "profile", Usage: "logsource profile YAML (default: the built-in profile)"},
			&cli.BoolFlag{Name: "no-logsource", Usage: "let every rule see every event"},
			&cli.BoolFlag{Name: "strict", Usage: "fail when a file does not load or a rule cannot be compiled"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "name each YAML file of the folders given skipped because it is not a Sigma rule"},
		},
		Action: func(c *cli.Context) error {
			fail := func(code int, format string, args ...any) error {
				fmt.Fprintf(c.App.ErrWriter, "rulec gen-go: "+format+"\n", args...)
				return exitError{code}
			}
			if c.NArg() == 0 {
				return fail(2, "give at least one rule file or folder")
			}
			out := c.String("o")
			if err := checkOutputDir("gen-go", out); err != nil {
				return err
			}
			pkg := c.String("pkg")
			if pkg == "" {
				dir := out
				if dir == stdio {
					dir = "." // the package the printed file goes into, as go generate runs there
				}
				abs, err := filepath.Abs(dir)
				if err != nil {
					return fmt.Errorf("output folder: %w", err)
				}
				pkg = packageName(filepath.Base(abs))
			}
			cwd, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("working directory: %w", err)
			}
			opts := gogen.Options{Package: pkg, IgnoreLogsource: c.Bool("no-logsource"), BaseDir: cwd}
			if p := c.String("profile"); p != "" {
				prof, err := engine.LoadProfile(p)
				if err != nil {
					return fail(2, "%v", err)
				}
				opts.Profile = prof
			}
			loaded := loadRules(c, c.Args().Slice(), frontend.Options{})
			reportSkipped(c.App.ErrWriter, "gen-go", setAsideNonRules(loaded, "gen-go", c.Args().Slice()), c.Bool("verbose"))
			res, err := gogen.Generate(loaded.Rules, opts)
			if err != nil {
				return fail(2, "%v", err)
			}
			printDiagnostics(c.App.ErrWriter, loaded.Diagnostics)
			printDiagnostics(c.App.ErrWriter, res.Diagnostics)
			skipped := 0
			for _, d := range res.Diagnostics {
				if d.Severity == ast.SeverityError {
					skipped++
				}
			}
			where := out
			if out == stdio {
				where = "standard output"
			}
			fmt.Fprintf(c.App.ErrWriter, "package %s in %s: %d detection rules (%d indexed), %d correlation rules, %d predicates (%d shared); %d rules skipped, %d files failed\n",
				pkg, where, res.Rules, res.Indexed, res.Correlations, res.Predicates, res.Memoized, skipped, len(loaded.FailedFiles))
			failed := len(loaded.FailedFiles) > 0 || (c.Bool("strict") && skipped > 0)
			if out == stdio {
				src, err := gogen.SingleFile(res.Files)
				if err != nil {
					return fail(1, "%v", err)
				}
				if err := writeOutput(c.App.Writer, stdio, src); err != nil {
					return err
				}
				if failed {
					return exitError{1}
				}
				return nil
			}
			// A package without the rules of a file that failed is not written: the old one stays.
			if failed {
				return fail(1, "%s not written: the run failed", out)
			}
			if err := gogen.WriteDir(out, res.Files); err != nil {
				return fail(1, "%v", err)
			}
			return nil
		},
	}
}

// packageName derives a Go package name from a folder name.
func packageName(dir string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(dir) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	name := b.String()
	if name == "" || unicode.IsDigit(rune(name[0])) || name == "main" || token.IsKeyword(name) {
		name = "rules" + name
	}
	return name
}
