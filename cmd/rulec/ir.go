package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
)

func irCommand() *cli.Command {
	return &cli.Command{
		Name:      "ir",
		Usage:     "print the typed AST and condition IR of each rule as JSON",
		ArgsUsage: "PATHS...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "compact", Usage: "one JSON object per line instead of indented output"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return errors.New("rulec ir: give at least one rule file or folder")
			}
			res := frontend.Load(c.Args().Slice(), frontend.Options{})
			enc := json.NewEncoder(c.App.Writer)
			enc.SetEscapeHTML(false)
			if !c.Bool("compact") {
				enc.SetIndent("", "  ")
			}
			for _, r := range res.Rules {
				if err := enc.Encode(r); err != nil {
					return fmt.Errorf("writing JSON: %w", err)
				}
			}
			return reportLoad(c.App.ErrWriter, res)
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

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the rulec version",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(c.App.Writer, "rulec %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
