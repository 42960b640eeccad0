// Package frontend loads Sigma YAML files into the typed AST and condition IR.
// Nothing downstream of it reads YAML.
package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	return load(osFiles{}, paths, opts)
}

// LoadFS is Load over a file system: paths are slash-separated fs paths (fs.ValidPath;
// "." is the whole of fsys), each a rule file, a folder or a path.Match pattern
// (expanded with fs.Glob). Limits, diagnostics and positions are Load's, with the
// fs paths as file names.
func LoadFS(fsys fs.FS, paths []string, opts Options) *Result {
	return load(fsFiles{fsys}, paths, opts)
}

func load(fsys fileSystem, paths []string, opts Options) *Result {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = 4 << 20
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	res := &Result{}
	lim := newBudgets(opts)
	files, diags := collectFiles(fsys, paths)
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
				rules, ds := loadFile(fsys, files[i], opts.MaxFileSize, lim)
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
	unlinkDropped(res.Rules)
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
// Symbolic links are followed, to files and to folders (to files only in an
// fs.FS, which cannot tell a link cycle, as fs.WalkDir); a folder reached again
// through a link (a cycle, or the same folder twice) is walked once, with a
// warning, and a file reached by two paths is loaded once.
func collectFiles(fsys fileSystem, paths []string) ([]string, ast.Diagnostics) {
	var files []string
	var diags ast.Diagnostics
	seen := map[string]bool{}
	// add lists a file once, whatever the path it is reached by; key is its
	// real path when known ("" to resolve it).
	add := func(p, key string) {
		p = fsys.clean(p)
		if key == "" {
			key = p
			if real, err := fsys.realPath(p); err == nil {
				key = real
			}
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	ioErr := func(p string, err error) {
		diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: p}, Severity: ast.SeverityError, Code: "io", Message: fmt.Sprintf("cannot read: %v", err)})
	}
	roots, rootDiags := fsys.expand(paths)
	diags = append(diags, rootDiags...)
	for _, root := range roots {
		info, err := fsys.stat(root)
		if err != nil {
			ioErr(root, err)
			continue
		}
		if !info.IsDir() {
			if !info.Mode().IsRegular() {
				diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: root}, Severity: ast.SeverityError, Code: "io", Message: fmt.Sprintf("not a regular file (%v)", info.Mode().Type())})
				continue
			}
			add(root, "")
			continue
		}
		// found are the rule files under root with their real paths.
		var found [][2]string
		walked := map[string]string{} // real folder -> the path it was first walked as
		var walk func(dir string)
		walk = func(dir string) {
			real, err := fsys.realPath(dir)
			if err != nil {
				ioErr(dir, err)
				return
			}
			if first, ok := walked[real]; ok {
				diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: dir}, Severity: ast.SeverityWarning, Code: "io", Message: fmt.Sprintf("folder already read as %s (a symbolic link cycle or a second link); not read again", first)})
				return
			}
			walked[real] = dir
			entries, err := fsys.readDir(dir)
			if err != nil {
				ioErr(dir, err)
			}
			for _, de := range entries {
				p := fsys.join(dir, de.Name())
				// Dot-files and dot-folders are tool configuration (.rulec.yml, .git), not rules.
				if strings.HasPrefix(de.Name(), ".") {
					continue
				}
				t := de.Type()
				if t&fs.ModeSymlink != 0 {
					st, err := fsys.stat(p)
					if err != nil {
						if isRuleFile(de.Name()) {
							diags = append(diags, ast.Diagnostic{Pos: ast.Pos{File: p}, Severity: ast.SeverityWarning, Code: "io", Message: fmt.Sprintf("broken symbolic link: %v", err)})
						}
						continue
					}
					t = st.Mode().Type()
				}
				switch {
				case t.IsDir() && (de.Type()&fs.ModeSymlink == 0 || fsys.followsFolderLinks()):
					walk(p)
				case t.IsRegular() && isRuleFile(de.Name()):
					// A file that is not a link is where its folder really is: no
					// need to resolve every component of its path again.
					key := ""
					if de.Type()&fs.ModeSymlink == 0 {
						key = fsys.join(real, de.Name())
					}
					found = append(found, [2]string{p, key})
				}
			}
		}
		walk(root)
		sort.Slice(found, func(i, j int) bool { return found[i][0] < found[j][0] })
		for _, f := range found {
			add(f[0], f[1])
		}
	}
	return files, diags
}

func loadFile(fsys fileSystem, path string, maxSize int64, lim *budgets) ([]*ast.Rule, ast.Diagnostics) {
	errDiag := func(msg string) ast.Diagnostics {
		return ast.Diagnostics{{Pos: ast.Pos{File: path}, Severity: ast.SeverityError, Code: "io", Message: msg}}
	}
	f, err := fsys.open(path)
	if err != nil {
		return nil, errDiag(fmt.Sprintf("cannot read: %v", err))
	}
	defer f.Close()
	data, err := readBounded(f, maxSize)
	if err != nil {
		return nil, errDiag(fmt.Sprintf("cannot read: %v", err))
	}
	if int64(len(data)) > maxSize {
		return nil, errDiag(fmt.Sprintf("file is larger than %d bytes; not a rule file?", maxSize))
	}
	return guardedDecode(path, data, lim)
}

// readBounded reads a file up to maxSize+1 bytes into a buffer of the file's
// size when known, instead of growing one from 512 bytes.
func readBounded(f io.Reader, maxSize int64) ([]byte, error) {
	size := int64(512)
	if s, ok := f.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if st, err := s.Stat(); err == nil && st.Mode().IsRegular() && st.Size() < maxSize {
			size = st.Size() + 1 // room to read the end of the file without growing
		}
	}
	buf := make([]byte, 0, size)
	lr := io.LimitReader(f, maxSize+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// maxNodes bounds the YAML nodes one document reaches through aliases (merge
// keys included), against alias bombs: an alias counts every node of what it
// names, each time it is used. Plain nodes are bounded by the file size.
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
		if n := countAliasNodes(root, false, 0); n > maxNodes {
			d.errorf(root, "yaml", "aliases in the document expand to more than %d YAML nodes (alias bomb?)", maxNodes)
			continue
		}
		if hasMergeKey(root) {
			root = expandMerges(root, map[*yaml.Node]*yaml.Node{})
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

// countAliasNodes counts the nodes reached through aliases below n (each use of
// an alias counts the whole of its target, nested aliases multiplied out),
// stopping past maxNodes.
func countAliasNodes(n *yaml.Node, inAlias bool, acc int) int {
	if n == nil || acc > maxNodes {
		return acc
	}
	if inAlias {
		acc++
	}
	if n.Kind == yaml.AliasNode {
		return countAliasNodes(n.Alias, true, acc)
	}
	for _, c := range n.Content {
		acc = countAliasNodes(c, inAlias, acc)
		if acc > maxNodes {
			break
		}
	}
	return acc
}

// isMergeKey reports whether a mapping key is the YAML merge key `<<`.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Tag == "")
}

// hasMergeKey reports whether a mapping of the tree under n has a merge key:
// without one, expandMerges would return a copy of the same tree. Alias nodes
// are not followed (what they name is in the tree itself).
func hasMergeKey(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if isMergeKey(n.Content[i]) {
				return true
			}
		}
	}
	for _, c := range n.Content {
		if hasMergeKey(c) {
			return true
		}
	}
	return false
}

// expandMerges returns n with YAML merge keys (`<<: *base`, `<<: [*a, *b]`)
// replaced by the pairs of the mappings they name that the mapping does not set
// itself (an earlier mapping of a list wins, as in YAML 1.1). Mappings are
// copied, never changed, as an anchor's node is shared; done maps a node to its
// expansion, so each is expanded once. A `<<` whose value is not a mapping or a
// list of mappings is kept, for the decoder to report.
func expandMerges(n *yaml.Node, done map[*yaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if out, ok := done[n]; ok {
		return out
	}
	switch n.Kind {
	case yaml.AliasNode:
		a := *n
		a.Alias = expandMerges(n.Alias, done)
		done[n] = &a
		return &a
	case yaml.DocumentNode, yaml.SequenceNode:
		c := *n
		done[n] = &c
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, x := range n.Content {
			c.Content[i] = expandMerges(x, done)
		}
		return &c
	case yaml.MappingNode:
	default:
		return n
	}
	c := *n
	done[n] = &c
	c.Content = nil
	has := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !isMergeKey(k) && k.Kind == yaml.ScalarNode {
			has[k.Value] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isMergeKey(k) {
			c.Content = append(c.Content, k, expandMerges(v, done))
			continue
		}
		var sources []*yaml.Node
		switch rv := resolveAlias(v); {
		case rv != nil && rv.Kind == yaml.MappingNode:
			sources = []*yaml.Node{rv}
		case rv != nil && rv.Kind == yaml.SequenceNode:
			for _, x := range rv.Content {
				sources = append(sources, resolveAlias(x))
			}
		}
		ok := len(sources) > 0
		for _, src := range sources {
			ok = ok && src != nil && src.Kind == yaml.MappingNode
		}
		if !ok {
			c.Content = append(c.Content, k, expandMerges(v, done))
			continue
		}
		for _, src := range sources {
			m := expandMerges(src, done)
			for j := 0; j+1 < len(m.Content); j += 2 {
				mk := m.Content[j]
				if mk.Kind == yaml.ScalarNode && !has[mk.Value] {
					has[mk.Value] = true
					c.Content = append(c.Content, mk, m.Content[j+1])
				}
			}
		}
	}
	return &c
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
