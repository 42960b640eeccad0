package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/lint"
	"github.com/rulec/rulec/pipeline"
)

// pipelineCommands are the commands that load rules and take -p/--pipeline.
var pipelineCommands = []string{"build", "gen-go", "ir", "lint", "scan", "test"}

// addPipelineFlags gives every rule-loading command the repeatable -p/--pipeline flag.
func addPipelineFlags(app *cli.App) {
	for _, cmd := range app.Commands {
		if slices.Contains(pipelineCommands, cmd.Name) {
			cmd.Flags = append(cmd.Flags, &cli.StringSliceFlag{Name: "pipeline", Aliases: []string{"p"},
				Usage: "apply the pySigma processing pipeline `FILE` to the rules after loading (repeatable; applied by priority, lowest first, then by file name; adds to pipelines: in .rulec.yml)"})
		}
	}
}

// pipelineFiles returns the pipelines of a command line: those of -p, then those listed
// under pipelines: in its configuration (configFile).
func pipelineFiles(c *cli.Context, rulePaths []string) []string {
	files := append([]string(nil), c.StringSlice("pipeline")...)
	if cfg := configFile(c, rulePaths); cfg != "" {
		return append(files, configPipelines(cfg)...)
	}
	return files
}

// configFile is the .rulec.yml of a command line: --config FILE, none with --no-config,
// else the one found for the first rule path (lint.FindConfig); "" when there is none.
func configFile(c *cli.Context, rulePaths []string) string {
	if len(rulePaths) == 0 || c.Bool("no-config") {
		return ""
	}
	if cfg := c.String("config"); cfg != "" {
		return cfg
	}
	cwd, _ := os.Getwd()
	cfg, err := lint.FindConfig(rulePaths[0], cwd)
	if err != nil {
		return ""
	}
	return cfg
}

// configPipelines reads the top-level pipelines: list of a .rulec.yml; a malformed
// section yields the configuration file itself, so that loading it reports the problem.
func configPipelines(cfg string) []string {
	data, err := os.ReadFile(cfg)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "pipelines" {
			continue
		}
		v := root.Content[i+1]
		var out []string
		items := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			items = v.Content
		}
		for _, it := range items {
			if it.Kind != yaml.ScalarNode || it.Tag == "!!null" {
				continue
			}
			p := it.Value
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(cfg), p)
			}
			out = append(out, p)
		}
		return out
	}
	return nil
}

// loadRules loads rules as frontend.Load does, then applies the command line's pipelines.
func loadRules(c *cli.Context, paths []string, opts frontend.Options) *frontend.Result {
	return applyPipelines(frontend.Load(paths, opts), pipelineFiles(c, paths))
}

// applyPipelines runs the pipelines over the loaded rules. A pipeline that does not parse
// fails the run (its file is listed as failed and no rule is kept: unmapped rules would be
// wrong for every consumer); a rule a pipeline fails on is dropped and its file listed as failed.
func applyPipelines(res *frontend.Result, files []string) *frontend.Result {
	if len(files) == 0 {
		return res
	}
	chain, diags := pipeline.LoadFiles(files)
	res.Diagnostics = append(res.Diagnostics, diags...)
	failed := map[string]bool{}
	for _, f := range res.FailedFiles {
		failed[f] = true
	}
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == ast.SeverityError {
				// Named apart from rule files: a pipeline is not a rule that failed to load.
				failed[d.Pos.File+" (pipeline)"] = true
			}
		}
		res.Diagnostics = append(res.Diagnostics, ast.Diagnostic{Pos: ast.Pos{File: files[0]}, Severity: ast.SeverityError, Code: "pipeline",
			Message: fmt.Sprintf("no rule is used: the processing pipelines do not load (%d rules loaded before processing)", len(res.Rules))})
		res.Rules = nil
	} else {
		kept, ds := chain.Apply(res.Rules)
		res.Rules = kept
		res.Diagnostics = append(res.Diagnostics, ds...)
		for _, d := range ds {
			if d.Severity == ast.SeverityError {
				failed[d.Pos.File] = true
			}
		}
	}
	res.Diagnostics.Sort()
	res.FailedFiles = res.FailedFiles[:0]
	for f := range failed {
		res.FailedFiles = append(res.FailedFiles, f)
	}
	slices.Sort(res.FailedFiles)
	return res
}
