package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

func irCommand() *cli.Command {
	return &cli.Command{
		Name:      "ir",
		Usage:     "print the typed AST and condition IR of each rule as JSON",
		ArgsUsage: "PATHS...",
		Description: "Prints one JSON value per rule loaded and the closing line \"N rules loaded, M files failed\"\n" +
			"on stderr. The exit status is 1 when a file failed to load or a path does not exist (a file named by\n" +
			"-o is then left as it was), 2 on usage errors.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "compact", Usage: "one JSON object per line instead of indented output"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the JSON to `FILE` (- for standard output, the default)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "name each YAML file of the folders given skipped because it is not a Sigma rule"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError{"rulec ir: give at least one rule file or folder"}
			}
			if err := checkOutput("ir", c.String("output")); err != nil {
				return err
			}
			res := loadRules(c, c.Args().Slice(), frontend.Options{})
			reportSkipped(c.App.ErrWriter, "ir", setAsideNonRules(res, "ir", c.Args().Slice()), c.Bool("verbose"))
			w := c.App.Writer
			var file *atomicFile
			if p := c.String("output"); p != "" && p != stdio {
				f, err := createAtomic(p)
				if err != nil {
					return fmt.Errorf("writing %s: %w", p, err)
				}
				defer f.Abort()
				file, w = f, f
			}
			bw := bufio.NewWriter(w)
			enc := json.NewEncoder(bw)
			enc.SetEscapeHTML(false)
			if !c.Bool("compact") {
				enc.SetIndent("", "  ")
			}
			for _, r := range res.Rules {
				if err := enc.Encode(r); err != nil {
					return fmt.Errorf("writing JSON: %w", err)
				}
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("writing JSON: %w", err)
			}
			if err := reportLoad(c.App.ErrWriter, res); err != nil {
				if file != nil {
					fmt.Fprintf(c.App.ErrWriter, "rulec ir: %s not written: the run failed\n", c.String("output"))
				}
				return err
			}
			if file != nil {
				return file.Commit()
			}
			return nil
		},
	}
}

// reportLoad prints load diagnostics and the closing summary; it fails when any file failed.
func reportLoad(w io.Writer, res *frontend.Result) error {
	printDiagnostics(w, res.Diagnostics)
	fmt.Fprintf(w, "%d rules loaded, %d files failed\n", len(res.Rules), len(res.FailedFiles))
	if len(res.FailedFiles) > 0 {
		return exitError{1}
	}
	return nil
}

func printDiagnostics(w io.Writer, ds ast.Diagnostics) {
	for _, d := range ds {
		fmt.Fprintln(w, d.Error())
	}
}
