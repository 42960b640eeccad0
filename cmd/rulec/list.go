package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/lint"
)

// listKinds are what rulec list prints.
var listKinds = []string{"targets", "checks", "logsources", "fields"}

func listCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "print what rulec knows: targets, checks, logsources or fields",
		ArgsUsage: strings.Join(listKinds, "|"),
		Description: "targets: the backends and the commands that use them; checks: the lint checks (as lint --list);\n" +
			"logsources: every logsource the profile maps, for the engine (scan, test, gen-go) and for Wazuh (build),\n" +
			"with the logsources Wazuh cannot see and why; fields: the Sigma field names the profile maps, per engine\n" +
			"logsource and per Wazuh fieldset. --profile FILE lists the built-in profile with FILE over it.",
		Flags: []cli.Flag{
			enumFlag(&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output format: text or json"}, "text", "json"),
			&cli.StringFlag{Name: "profile", Usage: "rulec profile `FILE` over the built-in profile"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 || !contains(listKinds, c.Args().First()) {
				msg := "rulec list: give one of " + strings.Join(listKinds, ", ")
				if c.NArg() > 0 {
					msg = fmt.Sprintf("rulec list: unknown list %q (want %s)", c.Args().First(), strings.Join(listKinds, ", "))
					if s := closest(c.Args().First(), listKinds); s != "" {
						msg += "; did you mean " + s + "?"
					}
				}
				return usageError{msg + "\nRun 'rulec help list' for usage."}
			}
			prof, err := loadProfiles(c.String("profile"))
			if err != nil {
				return usageError{"rulec list: " + err.Error()}
			}
			var rows [][]string
			var doc any
			switch c.Args().First() {
			case "targets":
				rows, doc = listTargets()
			case "checks":
				rows, doc = listChecks()
			case "logsources":
				rows, doc = listLogsources(prof)
			case "fields":
				rows, doc = listFields(prof)
			}
			if c.String("format") == "json" {
				return writeJSON(c.App.Writer, doc)
			}
			return writeTable(c.App.Writer, rows)
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// writeTable prints rows as columns padded to the widest cell; the first row is the header.
func writeTable(w io.Writer, rows [][]string) error {
	width := map[int]int{}
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], len(cell))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		for i, cell := range r {
			if i == len(r)-1 {
				fmt.Fprintln(bw, cell)
			} else {
				fmt.Fprintf(bw, "%-*s  ", width[i], cell)
			}
		}
	}
	return bw.Flush()
}

type targetInfo struct {
	Name     string   `json:"name"`
	Commands []string `json:"commands"`
	Section  string   `json:"profile_section"`
	Output   string   `json:"description"`
}

// targets are the backends of rulec.
var targets = []targetInfo{
	{"engine", []string{"scan", "test"}, "engine", "the interpreter: Sigma semantics on logs (JSON lines, EVTX, syslog, audit...)"},
	{"go", []string{"gen-go"}, "engine", "a Go package of native matchers, the interpreter's semantics compiled"},
	{"wazuh", []string{"build", "test --target wazuh", "lint --target wazuh"}, "wazuh", "Wazuh 4.x custom rules XML under the stock ruleset"},
}

func listTargets() ([][]string, any) {
	rows := [][]string{{"TARGET", "COMMANDS", "PROFILE", "DESCRIPTION"}}
	for _, t := range targets {
		rows = append(rows, []string{t.Name, strings.Join(t.Commands, ", "), t.Section + ":", t.Output})
	}
	return rows, targets
}

type checkInfo struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Category string `json:"category"`
	Target   string `json:"target,omitempty"`
	Summary  string `json:"summary"`
}

func listChecks() ([][]string, any) {
	rows := [][]string{{"CHECK", "SEVERITY", "CATEGORY", "TARGET", "SUMMARY"}}
	out := []checkInfo{}
	for _, c := range lint.Checks() {
		out = append(out, checkInfo{c.ID, c.Severity.String(), string(c.Category), c.Target, c.Summary})
		target := c.Target
		if target == "" {
			target = "-"
		}
		rows = append(rows, []string{c.ID, c.Severity.String(), string(c.Category), target, c.Summary})
	}
	return rows, out
}

type logsourceInfo struct {
	Product  string `json:"product"`
	Category string `json:"category"`
	Service  string `json:"service"`
	// Engine is the number of alternatives of the engine's entry (0: the engine does not know it).
	Engine int `json:"engine_alternatives"`
	// Wazuh are the Wazuh entries (variants) of the logsource.
	Wazuh []wazuhVariant `json:"wazuh"`
	// Unavailable says why Wazuh cannot see the logsource.
	Unavailable string `json:"wazuh_unavailable,omitempty"`
}

type wazuhVariant struct {
	Name     string `json:"name"`
	IfSID    []int  `json:"if_sid,omitempty"`
	IfGroup  string `json:"if_group,omitempty"`
	Fieldset string `json:"fieldset"`
	Optional bool   `json:"optional,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
}

func lsKey(product, category, service string) string {
	return strings.ToLower(product) + "/" + strings.ToLower(category) + "/" + strings.ToLower(service)
}

func listLogsources(p *profiles) ([][]string, any) {
	byKey := map[string]*logsourceInfo{}
	get := func(product, category, service string) *logsourceInfo {
		k := lsKey(product, category, service)
		if byKey[k] == nil {
			byKey[k] = &logsourceInfo{Product: strings.ToLower(product), Category: strings.ToLower(category), Service: strings.ToLower(service), Wazuh: []wazuhVariant{}}
		}
		return byKey[k]
	}
	for _, e := range p.Engine.Logsources {
		get(e.Product, e.Category, e.Service).Engine += len(e.Alternatives)
	}
	for _, l := range p.Wazuh.Logsources {
		li := get(l.Product, l.Category, l.Service)
		li.Wazuh = append(li.Wazuh, wazuhVariant{l.Name, l.IfSID, l.IfGroup, l.Fieldset, l.Optional, l.Disabled})
	}
	for _, u := range p.Wazuh.Unavailable {
		star := func(s string) string {
			if s == "*" {
				return ""
			}
			return s
		}
		li := get(star(u.Product), star(u.Category), star(u.Service))
		if li.Unavailable == "" {
			li.Unavailable = u.Reason
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := []*logsourceInfo{}
	rows := [][]string{{"PRODUCT", "CATEGORY", "SERVICE", "ENGINE", "WAZUH"}}
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, k := range keys {
		li := byKey[k]
		out = append(out, li)
		eng := "-"
		if li.Engine > 0 {
			eng = fmt.Sprintf("%d alternatives", li.Engine)
		}
		var wz []string
		for _, v := range li.Wazuh {
			s := v.Name
			if v.Disabled {
				s += " (disabled)"
			} else if v.Optional {
				s += " (optional)"
			}
			wz = append(wz, s)
		}
		if li.Unavailable != "" {
			wz = append(wz, "unavailable: "+li.Unavailable)
		}
		if len(wz) == 0 {
			wz = []string{"-"}
		}
		rows = append(rows, []string{dash(li.Product), dash(li.Category), dash(li.Service), eng, strings.Join(wz, ", ")})
	}
	return rows, out
}

type fieldInfo struct {
	Target string `json:"target"`
	// Where is the engine logsource (product/category/service) or the Wazuh fieldset.
	Where string `json:"where"`
	Field string `json:"field"`
	// MapsTo are the event or Wazuh fields; empty when the field cannot be converted (Note says why).
	MapsTo []string `json:"maps_to"`
	Note   string   `json:"note,omitempty"`
}

func listFields(p *profiles) ([][]string, any) {
	out := []fieldInfo{}
	for _, e := range p.Engine.Logsources {
		seen := map[string]bool{}
		for _, a := range e.Alternatives {
			names := make([]string, 0, len(a.Fields))
			for k := range a.Fields {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				if !seen[k] {
					seen[k] = true
					out = append(out, fieldInfo{"engine", e.Key(), k, a.Fields[k], ""})
				}
			}
		}
	}
	sets := make([]string, 0, len(p.Wazuh.Fieldsets))
	for k := range p.Wazuh.Fieldsets {
		sets = append(sets, k)
	}
	sort.Strings(sets)
	for _, name := range sets {
		fs := p.Wazuh.Fieldsets[name]
		where := "fieldset " + name
		for _, k := range slices.Sorted(maps.Keys(fs.Fields)) {
			fi := fieldInfo{"wazuh", where, k, []string{}, ""}
			if w := fs.Fields[k]; w != "" {
				fi.MapsTo = []string{w}
			} else {
				fi.Note = "cannot be converted"
			}
			out = append(out, fi)
		}
		for _, k := range slices.Sorted(maps.Keys(fs.Parts)) {
			pt := fs.Parts[k]
			out = append(out, fieldInfo{"wazuh", where, k, []string{pt.Field}, "the " + pt.Part + " part"})
		}
		for _, k := range slices.Sorted(maps.Keys(fs.Values)) {
			out = append(out, fieldInfo{"wazuh", where, k, []string{}, "values told by the fields the decoder produced"})
		}
		for _, k := range slices.Sorted(maps.Keys(fs.Unmapped)) {
			out = append(out, fieldInfo{"wazuh", where, k, []string{}, "not decoded: " + fs.Unmapped[k]})
		}
		for _, k := range slices.Sorted(maps.Keys(fs.Prefixes)) {
			out = append(out, fieldInfo{"wazuh", where, k + "*", []string{fs.Prefixes[k] + "*"}, "prefix"})
		}
		if fs.Default != "" {
			out = append(out, fieldInfo{"wazuh", where, "(any other)", []string{fs.Default}, "{field}: the Sigma name, {lcfirst}: with its first letter lower-cased"})
		}
	}
	rows := [][]string{{"TARGET", "WHERE", "SIGMA FIELD", "MAPS TO"}}
	for _, f := range out {
		to := strings.Join(f.MapsTo, " | ")
		switch {
		case to == "":
			to = "(" + f.Note + ")"
		case f.Note != "":
			to += " (" + f.Note + ")"
		}
		rows = append(rows, []string{f.Target, f.Where, f.Field, to})
	}
	return rows, out
}

func profileCommand() *cli.Command {
	return &cli.Command{
		Name:      "profile",
		Usage:     "print the effective profile (the built-in one, or --profile FILE over it)",
		ArgsUsage: "show [engine|wazuh] [--profile FILE] [--format yaml|json]",
		Subcommands: []*cli.Command{{
			Name:      "show",
			Usage:     "print the effective profile as a profile file (all of it, or the part of one target)",
			ArgsUsage: "[engine|wazuh]",
			Description: "Prints the profile rulec uses, in the profile format (profile/profile.schema.json), with extends: none:\n" +
				"the output is complete, and can be saved and edited as a profile of its own.",
			Flags: []cli.Flag{
				enumFlag(&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "yaml", Usage: "output format: yaml or json"}, "yaml", "json"),
				&cli.StringFlag{Name: "profile", Usage: "rulec profile `FILE` over the built-in profile"},
			},
			Action: func(c *cli.Context) error {
				part := c.Args().First()
				switch {
				case c.NArg() > 1:
					return usageError{"rulec profile show: give one target at most (engine or wazuh)\nRun 'rulec help profile' for usage."}
				case part != "" && part != "engine" && part != "wazuh" && part != "go":
					msg := fmt.Sprintf("rulec profile show: unknown target %q (want engine or wazuh)", part)
					if s := closest(part, []string{"engine", "wazuh"}); s != "" {
						msg += "; did you mean " + s + "?"
					}
					return usageError{msg}
				}
				prof, err := loadProfiles(c.String("profile"))
				if err != nil {
					return usageError{"rulec profile show: " + err.Error()}
				}
				data, err := showProfile(prof, part, c.String("format"))
				if err != nil {
					return err
				}
				_, err = c.App.Writer.Write(data)
				return err
			},
		}},
		Action: func(c *cli.Context) error {
			return usageError{"rulec profile: give a subcommand: show\nRun 'rulec help profile' for usage."}
		},
	}
}

// shownProfile is the effective profile in the profile format.
type shownProfile struct {
	Name         string              `yaml:"name"`
	Extends      string              `yaml:"extends"`
	Placeholders map[string][]string `yaml:"placeholders,omitempty"`
	Engine       *shownEngine        `yaml:"engine,omitempty"`
	Wazuh        *wazuh.Profile      `yaml:"wazuh,omitempty"`
}

type shownEngine struct {
	Logsources []shownEntry `yaml:"logsources"`
}

type shownEntry struct {
	Product  string     `yaml:"product,omitempty"`
	Category string     `yaml:"category,omitempty"`
	Service  string     `yaml:"service,omitempty"`
	Match    []shownAlt `yaml:"match"`
}

type shownAlt struct {
	Where  map[string]any `yaml:"where,omitempty"`
	Fields map[string]any `yaml:"fields,omitempty"`
}

// showProfile writes the effective profile (part: "", engine, go or wazuh) as YAML or JSON.
func showProfile(p *profiles, part, format string) ([]byte, error) {
	doc := shownProfile{Name: p.Name, Extends: "none"}
	if part != "wazuh" {
		doc.Placeholders = p.Engine.Placeholders
		doc.Engine = &shownEngine{Logsources: []shownEntry{}}
		for _, e := range p.Engine.Logsources {
			se := shownEntry{Product: e.Product, Category: e.Category, Service: e.Service}
			for _, a := range e.Alternatives {
				sa := shownAlt{}
				for _, fm := range a.Where {
					if sa.Where == nil {
						sa.Where = map[string]any{}
					}
					var vals []any
					for _, v := range fm.Values {
						vals = append(vals, shownValue(v))
					}
					if len(vals) == 1 {
						sa.Where[fm.Key] = vals[0]
					} else {
						sa.Where[fm.Key] = vals
					}
				}
				for k, names := range a.Fields {
					if sa.Fields == nil {
						sa.Fields = map[string]any{}
					}
					if len(names) == 1 {
						sa.Fields[k] = names[0]
					} else {
						sa.Fields[k] = names
					}
				}
				se.Match = append(se.Match, sa)
			}
			doc.Engine.Logsources = append(doc.Engine.Logsources, se)
		}
	}
	if part == "" || part == "wazuh" {
		doc.Wazuh = p.Wazuh
	}
	if part == "wazuh" && len(p.Engine.Placeholders) > 0 {
		doc.Placeholders = p.Engine.Placeholders // build resolves them for Wazuh
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("writing the profile: %w", err)
	}
	enc.Close()
	data := buf.Bytes()
	if format != "json" {
		return data, nil
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("writing the profile: %w", err)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("writing the profile: %w", err)
	}
	return append(out, '\n'), nil
}

// shownValue is a profile where-value as written: text, a number, true/false (exists) or null.
func shownValue(v ast.Value) any {
	switch v.Kind {
	case ast.ValNumber:
		return v.Number
	case ast.ValExists:
		return v.Bool
	case ast.ValNull:
		return nil
	}
	return v.Raw
}
