// Package frontend loads Sigma YAML files into the typed AST and condition IR.
// Nothing downstream of it reads YAML.
package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gopkg.in/yaml.v3"

	"github.com/rulec/rulec/ast"
)

// Options configures loading.
type Options struct {
	// MaxFileSize is the largest rule file accepted, in bytes (default 4 MiB).
	MaxFileSize int64
	// Workers is the number of files parsed in parallel (default GOMAXPROCS).
	Workers int
	// MaxRuleVariants is the expansion budget of one rule: the variants that the
	// expansion modifiers (windash, base64offset) may produce over all of its values
	// (default 10,000; SigmaHQ's largest rule needs 165). A rule over it fails to load
	// with a "modifier" error naming the budget at the value that crossed it.
	MaxRuleVariants int
	// MaxLoadVariants is the expansion budget of a whole Load, over all files
	// (default 100,000; all of SigmaHQ needs 1,232). Each budget is checked before the
	// variants are built, so a few lines of YAML cannot allocate gigabytes.
	MaxLoadVariants int
}

// Default expansion budgets (see Options).
const (
	DefaultMaxRuleVariants = 10000
	DefaultMaxLoadVariants = 100000
)

// budgets are the expansion budgets shared by the files of one load.
type budgets struct {
	rule, load int64
	loadUsed   *atomic.Int64 // over all files, updated by parallel workers
}

func newBudgets(opts Options) *budgets {
	b := &budgets{rule: int64(opts.MaxRuleVariants), load: int64(opts.MaxLoadVariants), loadUsed: new(atomic.Int64)}
	if b.rule <= 0 {
		b.rule = DefaultMaxRuleVariants
	}
	if b.load <= 0 {
		b.load = DefaultMaxLoadVariants
	}
	return b
}

// Result is the outcome of loading a set of paths.
type Result struct {
	// Rules are all documents that loaded, in file order then document order.
	Rules []*ast.Rule
	// Diagnostics are every problem found, sorted by position.
	Diagnostics ast.Diagnostics
	// Files is the number of rule files read.
	Files int
	// FailedFiles lists files with at least one error, sorted.
	FailedFiles []string
}

// Detections returns the detection rules (filters already applied).
func (r *Result) Detections() []*ast.Rule { return r.ofKind(ast.KindDetection) }

// Correlations returns the correlation rules.
func (r *Result) Correlations() []*ast.Rule { return r.ofKind(ast.KindCorrelation) }

func (r *Result) ofKind(k ast.Kind) []*ast.Rule {
	var out []*ast.Rule
	for _, x := range r.Rules {
		if x.Kind == k {
			out = append(out, x)
		}
	}
	return out
}

// Load reads rule files and folders (recursively, .yml and .yaml), decodes every
// document, then resolves correlation and filter references across all files.
// A broken file yields diagnostics and loading goes on with the others.
func Load(paths []string, opts Options) *Result {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 4 << 20
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{}
	lim := newBudgets(opts)
	files, diags := collectFiles(paths)
	res.Diagnostics = append(res.Diagnostics, diags...)
	res.Files = len(files)

	type fileResult struct {
		rules []*ast.Rule
		diags ast.Diagnostics
	}
	results := make([]fileResult, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rules, ds := loadFile(files[i], opts.MaxFileSize, lim)
				results[i] = fileResult{rules, ds}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, fr := range results {
		res.Rules = append(res.Rules, fr.rules...)
		res.Diagnostics = append(res.Diagnostics, fr.diags...)
	}
	res.resolve()
	return res
}

// LoadBytes decodes one file's content and resolves references within it.
func LoadBytes(name string, data []byte) *Result {
	rules, diags := guardedDecode(name, data, newBudgets(Options{}))
	res := &Result{Rules: rules, Diagnostics: diags, Files: 1}
	res.resolve()
	return res
}

// resolve drops the rules of files that failed, resolves references among the
// rest, then drops the rules of files whose references failed.
func (res *Result) resolve() {
	res.finish()
	res.Diagnostics = append(res.Diagnostics, Resolve(res.Rules)...)
	res.finish()
}

// finish drops rules of failed files, sorts diagnostics and lists failed files.
func (res *Result) finish() {
	res.FailedFiles = nil
	res.Diagnostics.Sort()
	failed := map[string]bool{}
	for _, d := range res.Diagnostics {
		if d.Severity == ast.SeverityError {
			failed[d.Pos.File] = true
		}
	}
	kept := res.Rules[:0]
	for _, r := range res.Rules {
		if !failed[r.Pos.File] {
			kept = append(kept, r)
		}
	}
	res.Rules = kept
	for f := range failed {
		res.FailedFiles = append(res.FailedFiles, f)
	}
	sort.Strings(res.FailedFiles)
}

func isRuleFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yml" || ext == ".yaml"
}

// collectFiles expands folders into their rule files, sorted, without duplicates.
func collectFiles(paths []string) ([]string, ast.Diagnostics) {
	var files []string
	var diags ast.Diagnostics
	seen := map[string]bool{}
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: root}, Severity: ast.SeverityError, Code: "io", Message: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		if !info.IsDir() {
			add(root)
			continue
		}
		var found []string
		err = filepath.WalkDir(root, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: p}, Severity: ast.SeverityError, Code: "io", Message: fmt.Sprintf("cannot read: %v", err)})
				return nil
			}
			if de.IsDir() {
				if p != root && strings.HasPrefix(de.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			// Dot-files in a folder are tool configuration (.rulec.yml, .pre-commit-config.yaml), not rules.
			if de.Type().IsRegular() && isRuleFile(de.Name()) && !strings.HasPrefix(de.Name(), ".") {
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: root}, Severity: ast.SeverityError, Code: "io", Message: err.Error()})
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return files, diags
}

func loadFile(path string, maxSize int64, lim *budgets) ([]*ast.Rule, ast.Diagnostics) {
	errDiag := func(msg string) ast.Diagnostics {
		return ast.Diagnostics{{Pos: ast.Pos{File: path}, Severity: ast.SeverityError, Code: "io", Message: msg}}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errDiag(fmt.Sprintf("cannot read: %v", err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, errDiag(fmt.Sprintf("cannot read: %v", err))
	}
	if int64(len(data)) > maxSize {
		return nil, errDiag(fmt.Sprintf("file is larger than %d bytes; not a rule file?", maxSize))
	}
	return guardedDecode(path, data, lim)
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxNodes bounds the YAML nodes of one document, against alias bombs.
const maxNodes = 200000

// decodeFile splits a file into YAML documents, applies legacy collection
// actions (global, reset, repeat) and decodes each rule.
func decodeFile(path string, data []byte, lim *budgets) (rules []*ast.Rule, diags ast.Diagnostics) {
	if lim == nil {
		lim = newBudgets(Options{})
	}
	d := &decoder{file: path, src: string(data), budgets: lim}
	if bytes.IndexByte(data, 0) >= 0 {
		d.diagAt(ast.Pos{File: path}, ast.SeverityError, "yaml", "file contains NUL bytes; not a YAML rule file")
		return nil, d.diags
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var global, prev *yaml.Node
	for index := 0; ; index++ {
		var doc yaml.Node
		err := safeDecode(dec, &doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			d.diags = append(d.diags, yamlError(path, err))
			break
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // empty document, e.g. a trailing ---
		}
		if n := countNodes(root, 0); n > maxNodes {
			d.errorf(root, "yaml", "document expands to more than %d YAML nodes (alias bomb?)", maxNodes)
			continue
		}
		action := ""
		if root.Kind == yaml.MappingNode {
			action = mapGet(root, "action")
		}
		hasMeta := root.Kind == yaml.MappingNode && (mapHas(root, "correlation") || mapHas(root, "filter"))
		switch action {
		case "global":
			global = withoutKey(root, "action")
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			if prev == nil {
				d.errorf(root, "collection", "action: repeat without a previous rule")
				continue
			}
			root = mergeNodes(prev, withoutKey(root, "action"))
		case "":
			if global != nil && !hasMeta {
				root = mergeNodes(root, global)
			}
		default:
			d.errorf(root, "collection", "unknown collection action %q (expected global, reset or repeat)", action)
			continue
		}
		prev = root
		if r := d.rule(root, index); r != nil {
			rules = append(rules, r)
		}
	}
	return rules, d.diags
}

// safeDecode decodes one document; yaml.v3 panics on some hostile inputs, which become errors.
func safeDecode(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(doc)
}

// guardedDecode is decodeFile with a last-resort recover, so that one file can never
// crash a run over thousands: a panic becomes an internal-error diagnostic.
func guardedDecode(path string, data []byte, lim *budgets) (rules []*ast.Rule, diags ast.Diagnostics) {
	defer func() {
		if r := recover(); r != nil {
			rules = nil
			diags = ast.Diagnostics{{Pos: ast.Pos{File: path}, Severity: ast.SeverityError, Code: "internal",
				Message: fmt.Sprintf("internal error while loading this file (please report it): %v", r)}}
		}
	}()
	return decodeFile(path, data, lim)
}

func yamlError(path string, err error) ast.Diagnostic {
	msg := err.Error()
	line := 0
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	col := 0
	if line > 0 {
		col = 1
	}
	return ast.Diagnostic{Pos: ast.Pos{File: path, Line: line, Col: col}, Severity: ast.SeverityError, Code: "yaml", Message: "invalid YAML: " + msg}
}

func countNodes(n *yaml.Node, acc int) int {
	if n == nil || acc > maxNodes {
		return acc
	}
	acc++
	if n.Kind == yaml.AliasNode {
		return countNodes(n.Alias, acc)
	}
	for _, c := range n.Content {
		acc = countNodes(c, acc)
		if acc > maxNodes {
			break
		}
	}
	return acc
}

func mapHas(n *yaml.Node, key string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return true
		}
	}
	return false
}

func mapGet(n *yaml.Node, key string) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

func withoutKey(n *yaml.Node, key string) *yaml.Node {
	out := *n
	out.Content = nil
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			out.Content = append(out.Content, n.Content[i], n.Content[i+1])
		}
	}
	return &out
}

// mergeNodes deep-merges src into a copy of dst: mappings merge recursively,
// anything else in src replaces dst's value (pySigma's deep_dict_update).
func mergeNodes(dst, src *yaml.Node) *yaml.Node {
	dst, src = resolveAlias(dst), resolveAlias(src)
	if dst == nil || dst.Kind != yaml.MappingNode || src == nil || src.Kind != yaml.MappingNode {
		return src
	}
	out := *dst
	out.Content = append([]*yaml.Node(nil), dst.Content...)
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		replaced := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				out.Content[j+1] = mergeNodes(out.Content[j+1], v)
				replaced = true
				break
			}
		}
		if !replaced {
			out.Content = append(out.Content, k, v)
		}
	}
	return &out
}
