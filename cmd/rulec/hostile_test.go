package main

// The hostile corpus of issue 12: each case runs the rulec binary as a child
// process on hostile rules, logs or output paths, with a timeout and a bound on
// its peak memory, and checks that it neither crashes nor hangs, names the
// broken input (file:line:col where there is one), still builds or runs the
// good rules, and exits with the status the README promises. Small inputs are
// committed under corpus/hostile; large ones are generated here.

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var rulecBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rulec-hostile-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rulecBin = filepath.Join(dir, "rulec")
	// Builds keep their shadowing cache in the test's folder, not the user's.
	userCacheDir = func() (string, error) { return filepath.Join(dir, "cache"), nil }
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")) // for the child processes
	if runtime.GOOS == "windows" {
		rulecBin += ".exe"
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildRulec builds the binary once per test run.
func buildRulec(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(rulecBin); err == nil {
		return rulecBin
	}
	out, err := exec.Command("go", "build", "-o", rulecBin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return rulecBin
}

// child is the outcome of one run of the binary.
type child struct {
	code           int
	stdout, stderr string
	rss            int64 // peak resident set size in bytes, 0 when unknown
	user           float64
}

// runChild runs rulec with args in the repository root, failing the test on a
// timeout (a hang), a crash (a signal, a Go panic or fatal error) or a peak
// resident set over maxRSS bytes.
func runChild(t *testing.T, timeout time.Duration, maxRSS int64, stdin io.Reader, args ...string) child {
	t.Helper()
	bin := buildRulec(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = repoRoot(t)
	cmd.Stdin = stdin
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	start := time.Now()
	err := cmd.Run()
	c := child{stdout: so.String(), stderr: se.String()}
	if ctx.Err() != nil {
		t.Fatalf("rulec %s: no result in %v (hang?)\nstderr:\n%s", argText(args), timeout, tail(c.stderr))
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		c.code = ee.ExitCode()
		if c.code < 0 {
			t.Fatalf("rulec %s: killed: %v\nstderr:\n%s", argText(args), err, tail(c.stderr))
		}
	default:
		t.Fatalf("rulec %s: %v", argText(args), err)
	}
	if strings.Contains(c.stderr, "goroutine ") || strings.Contains(c.stderr, "fatal error:") {
		t.Fatalf("rulec %s crashed:\n%s", argText(args), tail(c.stderr))
	}
	if rss, ok := peakRSS(cmd.ProcessState); ok {
		c.rss = rss
		if rss > maxRSS {
			t.Errorf("rulec %s: peak RSS %d MiB, bound %d MiB", argText(args), rss>>20, maxRSS>>20)
		}
	}
	c.user = userCPU(cmd.ProcessState)
	t.Logf("rulec %s: exit %d, %v, peak RSS %d MiB, user %.2fs", argText(args), c.code, time.Since(start).Round(time.Millisecond), c.rss>>20, c.user)
	return c
}

// argText shows a command line, at most its first ten arguments.
func argText(args []string) string {
	if len(args) > 10 {
		return strings.Join(args[:10], " ") + fmt.Sprintf(" ... (%d arguments)", len(args))
	}
	return strings.Join(args, " ")
}

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return s
}

func repoRoot(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func wantIn(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, tail(s))
		}
	}
}

const (
	mib     = int64(1) << 20
	hTime   = 60 * time.Second
	hRules  = "corpus/hostile/rules"
	hGood   = "corpus/hostile/rules/good.yml"
	goodLog = "corpus/hostile/logs/good.jsonl"
)

// Broken and hostile rule files among good ones: each is named with its
// position, the good rules still run, the exit status is 1.
func TestHostileRulesScan(t *testing.T) {
	c := runChild(t, hTime, 128*mib, nil, "scan", "--rules", hRules, goodLog)
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stdout", c.stdout, "Hostile corpus good rule")
	wantIn(t, "stderr", c.stderr,
		"corpus/hostile/rules/broken_yaml.yml:5:1: error: invalid YAML",
		"corpus/hostile/rules/bad_regex.yml:8:25: error:",
		"corpus/hostile/rules/alias_bomb.yml:1:1: error: aliases in the document expand to more than 200000 YAML nodes")
}

// build: the same files; the good rules are still converted (-o -), the
// comments of a title with control characters and noncharacters do not break
// the XML, merge keys load.
func TestHostileRulesBuild(t *testing.T) {
	c := runChild(t, hTime, 128*mib, nil, "build", hRules, "-o", "-")
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stderr", c.stderr, "broken_yaml.yml:5:1", "alias_bomb.yml:1:1")
	wantIn(t, "stdout", c.stdout, "Hostile corpus good rule", "Hostile corpus merge keys", "Hostile corpus title")
	checkXML(t, c.stdout)

	out := filepath.Join(t.TempDir(), "ok.xml")
	c = runChild(t, hTime, 128*mib, nil, "build", hGood, "corpus/hostile/rules/title_control.yml", "corpus/hostile/rules/merge_keys.yml", "-o", out)
	if c.code != 0 {
		t.Fatalf("exit %d, want 0\n%s", c.code, c.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkXML(t, string(data))
}

// checkXML checks that every character of the Wazuh file is one XML can carry
// and that its elements parse.
func checkXML(t *testing.T, s string) {
	t.Helper()
	for i, r := range s {
		ok := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xd7ff) || (r >= 0xe000 && r <= 0xfffd) || r >= 0x10000
		if !ok || (r == 0xfffd && !strings.Contains(s[i:i+3], "\ufffd")) {
			t.Fatalf("character %U at byte %d is not XML: %q", r, i, s[max(0, i-40):min(len(s), i+40)])
		}
	}
	dec := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the XML does not parse: %v", err)
		}
	}
}

// The expansion budget: 1,000 windash|contains values of five flags (3.1
// million variants and gigabytes before issue 12).
func TestHostileWindashBomb(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("title: windash bomb\nlogsource:\n    product: windows\ndetection:\n    sel:\n        CommandLine|windash|contains:\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "            - ' -a%d -b -c -d -e'\n", i)
	}
	b.WriteString("    condition: sel\n")
	bomb := writeFile(t, filepath.Join(dir, "bomb.yml"), b.String())
	c := runChild(t, hTime, 128*mib, nil, "scan", "--rules", bomb, "--rules", hGood, goodLog)
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stderr", c.stderr, "bomb.yml:10:15: error: modifier windash:", "expansion budget")
	wantIn(t, "stdout", c.stdout, "Hostile corpus good rule")
}

// A 3 MB line of 5,000 nested objects with a keyword rule (7.7 GB before).
func TestHostileNestedJSON(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	key := strings.Repeat("k", 600)
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, `{"v%d":"x","%s":`, i, key)
	}
	b.WriteString(`"the needle"` + strings.Repeat("}", 5000) + "\n")
	log := writeFile(t, filepath.Join(dir, "nested.jsonl"), b.String())
	rule := writeFile(t, filepath.Join(dir, "kw.yml"), "title: needle keyword\nlogsource:\n    product: any\ndetection:\n    keywords:\n        - 'the needle'\n    condition: keywords\n")
	c := runChild(t, hTime, 256*mib, nil, "scan", "--no-logsource", "--rules", rule, log)
	wantIn(t, "stdout", c.stdout, "needle keyword")
	wantIn(t, "stderr", c.stderr, "nested.jsonl:1: record 0: record cut by a limit")
	if c.code != 0 {
		t.Errorf("exit %d, want 0 (the record is read, its cut reported)", c.code)
	}
}

// One audit serial over 100,000 lines (3.3 GB before).
func TestHostileAuditSerial(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "type=PATH msg=audit(1700000000.000:42): item=%d name=\"/tmp/f%d\" nametype=NORMAL\n", i, i)
	}
	log := writeFile(t, filepath.Join(dir, "audit.log"), b.String())
	c := runChild(t, hTime, 256*mib, nil, "scan", "--rules", hGood, "--log-format", "auditd", log)
	wantIn(t, "stderr", c.stderr, "audit.log:", "record cut by a limit")
	if c.code != 0 {
		t.Errorf("exit %d, want 0", c.code)
	}
}

// Damaged EVTX files: a header claiming a chunk over a file cut after it, a
// chunk of garbage: named, exit 1, no silent 0 events.
func TestHostileDamagedEVTX(t *testing.T) {
	dir := t.TempDir()
	header := make([]byte, 4096)
	copy(header, "ElfFile\x00")
	header[32], header[36], header[38], header[41], header[42] = 128, 2, 3, 0x10, 1
	chunk := bytes.Repeat([]byte{0xff}, 65536)
	copy(chunk, "ElfChnk\x00")
	cut := writeFile(t, filepath.Join(dir, "cut.evtx"), string(header))
	garbage := writeFile(t, filepath.Join(dir, "garbage.evtx"), string(header)+string(chunk))
	c := runChild(t, hTime, 128*mib, nil, "scan", "--rules", hGood, cut, garbage, goodLog)
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stderr", c.stderr, "cut.evtx: error: no readable event", "garbage.evtx: error: no readable event", "no record magic at 0x200")
	wantIn(t, "stdout", c.stdout, "Hostile corpus good rule")
}

// A FIFO without a writer blocked forever, /dev/zero as a log ran forever.
func TestHostileNonRegularLogs(t *testing.T) {
	args := []string{"scan", "--rules", hGood}
	var want []string
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := mkfifo(fifo); err == nil {
			args = append(args, fifo)
			want = append(want, "fifo: error: open log "+fifo+": is a FIFO")
		}
		args = append(args, "/dev/zero")
		want = append(want, "/dev/zero: error: open log /dev/zero: is a device")
	}
	c := runChild(t, 20*time.Second, 128*mib, nil, append(args, goodLog)...)
	if c.code != 1 && len(want) > 0 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stderr", c.stderr, want...)
	wantIn(t, "stdout", c.stdout, "Hostile corpus good rule")
}

// Duplicate JSON keys are named with the record's line.
func TestHostileDuplicateKeys(t *testing.T) {
	c := runChild(t, hTime, 128*mib, nil, "scan", "--rules", hGood, "corpus/hostile/logs/duplicate_keys.jsonl")
	wantIn(t, "stderr", c.stderr, `corpus/hostile/logs/duplicate_keys.jsonl:1: record 0: duplicate JSON key "Image"`)
}

// A fan-out graph (12 levels of three correlations) on one event: 797,160
// alerts and out of memory before.
func TestHostileCorrelationFanOut(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("title: failed\nname: failed\nlogsource:\n    product: any\ndetection:\n    sel:\n        EventID: 4625\n    condition: sel\n")
	for l := 1; l <= 12; l++ {
		for k := 0; k < 3; k++ {
			refs := "failed"
			if l > 1 {
				refs = fmt.Sprintf("l%d_0, l%d_1, l%d_2", l-1, l-1, l-1)
			}
			fmt.Fprintf(&b, "---\ntitle: L%d %d\nname: l%d_%d\ncorrelation: {type: event_count, rules: [%s], timespan: 1h, condition: {gte: 1}}\n", l, k, l, k, refs)
		}
	}
	rules := writeFile(t, filepath.Join(dir, "graph.yml"), b.String())
	log := writeFile(t, filepath.Join(dir, "one.jsonl"), `{"EventID":4625,"@timestamp":"2026-01-01T00:00:00Z"}`+"\n")
	c := runChild(t, hTime, 256*mib, nil, "scan", "--no-logsource", "--rules", rules, log)
	wantIn(t, "stderr", c.stderr, "correlation: ", "fan-out budget")
}

// One event stamped 9999-12-31 made every later event too late (0 alerts instead of 2).
func TestHostileFutureTimestamp(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, filepath.Join(dir, "r.yml"), "title: failed\nname: failed\nlogsource:\n    product: any\ndetection:\n    sel:\n        EventID: 4625\n    condition: sel\n"+
		"---\ntitle: Two failed\nname: two_failed\ncorrelation: {type: event_count, rules: [failed], group-by: [user], timespan: 1h, condition: {gte: 2}}\n")
	var b strings.Builder
	b.WriteString(`{"EventID":4625,"user":"x","@timestamp":"2026-01-01T00:00:00Z"}` + "\n")
	b.WriteString(`{"EventID":4625,"user":"x","@timestamp":"9999-12-31T00:00:00Z"}` + "\n")
	for _, u := range []string{"a", "a", "b", "b"} {
		b.WriteString(`{"EventID":4625,"user":"` + u + `","@timestamp":"2026-01-01T00:01:00Z"}` + "\n")
	}
	log := writeFile(t, filepath.Join(dir, "l.jsonl"), b.String())
	c := runChild(t, hTime, 128*mib, nil, "scan", "--no-logsource", "--rules", rules, log)
	if n := strings.Count(c.stdout, `"correlation"`); n != 2 {
		t.Errorf("%d correlation alerts, want 2:\n%s", n, c.stdout)
	}
	wantIn(t, "stderr", c.stderr, "events refused for a time beyond the future tolerance")
}

// lint on 10,000 rules with one id (87 s, 17.8 GB and quadratic output before).
func TestHostileLintDuplicateIDs(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "---\ntitle: dup %d\nid: 6f1c2a10-8b1e-4c55-9d2a-0b7f3e9a1cff\nlogsource:\n    product: windows\ndetection:\n    sel:\n        EventID: %d\n    condition: sel\n", i, i)
	}
	f := writeFile(t, filepath.Join(dir, "dups.yml"), strings.TrimPrefix(b.String(), "---\n"))
	c := runChild(t, hTime, 512*mib, nil, "lint", f)
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stderr+stdout", c.stdout+c.stderr, "dups.yml:")
	if len(c.stdout)+len(c.stderr) > 16<<20 {
		t.Errorf("%d bytes of report for 10,000 rules", len(c.stdout)+len(c.stderr))
	}
}

// Output paths: never over an input, never through a symbolic link onto
// another file, a failed run keeps the old output.
func TestHostileOutputPaths(t *testing.T) {
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	good := writeFile(t, filepath.Join(rulesDir, "good.yml"), mustRead(t, filepath.Join(repoRoot(t), hGood)))
	broken := writeFile(t, filepath.Join(dir, "broken", "b.yml"), mustRead(t, filepath.Join(repoRoot(t), "corpus/hostile/rules/broken_yaml.yml")))
	out := filepath.Join(dir, "good.xml")
	const old = "<group name=\"old,\"></group>\n"
	check := func(path, want string) {
		t.Helper()
		if got := mustRead(t, path); got != want {
			t.Errorf("%s changed:\n%s", path, got)
		}
	}
	ruleText := mustRead(t, good)

	c := runChild(t, hTime, 128*mib, nil, "build", rulesDir, "-o", good)
	if c.code == 0 {
		t.Errorf("build -o onto an input: exit 0")
	}
	check(good, ruleText)
	c = runChild(t, hTime, 128*mib, nil, "lint", rulesDir, "-o", good)
	if c.code == 0 {
		t.Errorf("lint -o onto an input: exit 0")
	}
	check(good, ruleText)

	writeFile(t, out, old)
	c = runChild(t, hTime, 128*mib, nil, "build", filepath.Dir(broken), "-o", out)
	if c.code != 1 {
		t.Errorf("build broken/ -o good.xml: exit %d, want 1", c.code)
	}
	wantIn(t, "stderr", c.stderr, "b.yml:5:1")
	check(out, old)
	c = runChild(t, hTime, 128*mib, nil, "build", filepath.Join(dir, "missing"), "-o", out)
	if c.code != 1 {
		t.Errorf("build missing/ -o good.xml: exit %d, want 1", c.code)
	}
	check(out, old)

	if runtime.GOOS != "windows" {
		link := filepath.Join(dir, "link.xml")
		if err := os.Symlink(good, link); err == nil {
			runChild(t, hTime, 128*mib, nil, "build", rulesDir, "-o", link)
			check(good, ruleText)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A fixture naming /etc/passwd fails without reading it.
func TestHostileFixturePath(t *testing.T) {
	c := runChild(t, hTime, 128*mib, nil, "test", hGood, "corpus/hostile/fixtures/outside.yml")
	if c.code != 1 {
		t.Errorf("exit %d, want 1", c.code)
	}
	wantIn(t, "stdout+stderr", c.stdout+c.stderr, "corpus/hostile/fixtures/outside.yml:5", "is outside the folder above the fixture's folder")
}

// Symbolic links in a rule folder: followed, a cycle read once with a warning.
func TestHostileSymlinkLoop(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real", "good.yml"), mustRead(t, filepath.Join(repoRoot(t), hGood)))
	if err := os.Symlink("..", filepath.Join(dir, "real", "loop")); err != nil {
		t.Skip(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "linked")); err != nil {
		t.Skip(err)
	}
	c := runChild(t, hTime, 128*mib, nil, "scan", "--rules", dir, goodLog)
	if c.code != 0 {
		t.Errorf("exit %d, want 0", c.code)
	}
	wantIn(t, "stderr", c.stderr, "already read as", "1 matches of 1 rules")
}

// 100,000 plain keys are no alias bomb; --max-groups 0 is a usage error.
func TestHostileManyKeysAndMaxGroups(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("title: many keys\nlogsource:\n    product: windows\ncustom:\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, "    k%d: v\n", i)
	}
	b.WriteString("detection:\n    sel:\n        EventID: 1\n    condition: sel\n")
	f := writeFile(t, filepath.Join(dir, "keys.yml"), b.String())
	c := runChild(t, hTime, 512*mib, nil, "ir", f, "-o", filepath.Join(dir, "ir.json"))
	if c.code != 0 {
		t.Errorf("100,000 keys: exit %d, want 0\n%s", c.code, tail(c.stderr))
	}
	c = runChild(t, hTime, 128*mib, nil, "scan", "--rules", hGood, "--max-groups", "0", goodLog)
	if c.code != 2 {
		t.Errorf("--max-groups 0: exit %d, want 2", c.code)
	}
	wantIn(t, "stderr", c.stderr, "--max-groups must be at least 1")
}

// Rule compilation is linear: 4 times the rules take at most about 4 times
// the CPU (100,000 rules took 123 s before issue 12, quadratic in a
// per-rule scan of all rules for suppressed ones).
func TestHostileCompileScales(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	gen := func(n int) string {
		dir := t.TempDir()
		var b strings.Builder
		for f := 0; f < n/100; f++ {
			b.Reset()
			for i := 0; i < 100; i++ {
				k := f*100 + i
				fmt.Fprintf(&b, "---\ntitle: rule %d\nid: %08d-0000-4000-8000-000000000000\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: '\\p%d.exe'\n        CommandLine|contains: [' -x%d ', 'w%dz']\n    f:\n        User|startswith: 'adm%d'\n    condition: sel and not f\n", k, k, k, k, k, k)
			}
			writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.yml", f)), strings.TrimPrefix(b.String(), "---\n"))
		}
		return dir
	}
	small, large := gen(5000), gen(20000)
	empty := writeFile(t, filepath.Join(t.TempDir(), "empty.jsonl"), "")
	cs := runChild(t, 5*time.Minute, 256*mib, nil, "scan", "--rules", small, empty)
	cl := runChild(t, 5*time.Minute, 1024*mib, nil, "scan", "--rules", large, empty)
	if cs.code != 0 || cl.code != 0 {
		t.Fatalf("exits %d, %d", cs.code, cl.code)
	}
	if cs.user > 0 && cl.user/cs.user > 7 {
		t.Errorf("4 times the rules took %.1f times the CPU (%.2fs, %.2fs): superlinear", cl.user/cs.user, cs.user, cl.user)
	}
}

// Single-byte 0xff mutants of a SigmaHQ EVTX capture (when ../shared holds
// them): 15 of 17,235 made rulec allocate 23.5 GB before issue 12. Every
// mutant at a step of 331 bytes is scanned in one run.
func TestHostileEVTXMutants(t *testing.T) {
	captures, _ := filepath.Glob(filepath.Join(repoRoot(t), "..", "shared", "sigmahq", "regression_data", "rules", "windows", "*", "*", "*.evtx"))
	if len(captures) == 0 {
		t.Skip("no SigmaHQ regression captures in ../shared")
	}
	src, err := os.ReadFile(captures[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	args := []string{"scan", "--rules", hGood}
	for off := 0; off < len(src); off += 331 {
		m := append([]byte(nil), src...)
		m[off] = 0xff
		args = append(args, writeFile(t, filepath.Join(dir, fmt.Sprintf("m%06d.evtx", off)), string(m)))
	}
	c := runChild(t, 2*time.Minute, 512*mib, nil, args...)
	if c.code > 1 {
		t.Errorf("exit %d", c.code)
	}
	wantIn(t, "stderr", c.stderr, " events from ")
}
