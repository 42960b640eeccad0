package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// cliRun runs rulec in-process with stdin and returns the exit status, stdout and stderr.
func cliRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runIO(append([]string{"rulec"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// corpusPath is an absolute path under corpus/, valid after t.Chdir.
func corpusPath(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "corpus"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExitStatus: 0 on success, 1 when an input failed to load or a path does
// not exist (whatever the command), 2 on usage errors.
func TestExitStatus(t *testing.T) {
	rules := corpusPath(t, "rules")
	missing := filepath.Join(t.TempDir(), "missing")
	out := t.TempDir()
	logs := corpusPath(t, "logs", "linux.jsonl")
	for _, tc := range []struct {
		name   string
		args   []string
		want   int
		stderr string
	}{
		{"build ok", []string{"build", "--stock-rules", "", rules}, 0, "emitted as"},
		{"build missing path", []string{"build", "--stock-rules", "", rules, missing}, 1, "1 files failed to load"},
		{"gen-go ok", []string{"gen-go", "-pkg", "x", "-o", filepath.Join(out, "ok"), rules}, 0, "0 files failed"},
		{"gen-go missing path", []string{"gen-go", "-pkg", "x", "-o", filepath.Join(out, "gen"), rules, missing}, 1, "not written"},
		{"ir ok", []string{"ir", rules}, 0, "0 files failed"},
		{"ir missing path", []string{"ir", missing}, 1, "1 files failed"},
		{"lint missing path", []string{"lint", "--no-config", missing}, 1, "rulec lint: "},
		{"lint missing path, --fail-on none", []string{"lint", "--no-config", "--fail-on", "none", rules, missing}, 1, missing},
		{"lint ok", []string{"lint", "--no-config", "--fail-on", "none", rules}, 0, ""},
		{"test missing path", []string{"test", missing}, 1, "cannot read"},
		{"scan missing rules", []string{"scan", "--rules", missing, logs}, 1, "1 files failed"[:0] + "cannot read"},
		{"scan missing log", []string{"scan", "--rules", rules, missing}, 1, "1 files failed"},
		{"version", []string{"version"}, 0, ""},

		{"no command", nil, 2, "USAGE:"},
		{"build without paths", []string{"build"}, 2, "give at least one"},
		{"build bad target", []string{"build", "--target", "splunk", rules}, 2, "unknown target"},
		{"gen-go without paths", []string{"gen-go"}, 2, "give at least one"},
		{"ir without paths", []string{"ir"}, 2, "rulec ir: give at least one"},
		{"lint bad format", []string{"lint", "--format", "xml", rules}, 2, `invalid value "xml" for --format`},
		{"lint bad color", []string{"lint", "--color=sometimes", rules}, 2, `invalid value "sometimes" for --color (want auto, always or never)`},
		{"lint bad color, close", []string{"lint", "--color", "allways", rules}, 2, "did you mean always?"},
		{"scan without --rules", []string{"scan", logs}, 2, "give the rules with --rules"},
		{"scan without logs", []string{"scan", "--rules", rules}, 2, "give at least one log file"},
		{"scan stdin twice", []string{"scan", "--rules", rules, "-", "-"}, 2, "standard input (-) can be read once"},
		{"test without paths", []string{"test"}, 2, "give at least one"},
		{"build -o a folder", []string{"build", "-o", out, rules}, 2, "is a folder"},
		{"build -o in a missing folder", []string{"build", "-o", filepath.Join(missing, "x.xml"), rules}, 2, "does not exist"},
		{"build --id-map in a missing folder", []string{"build", "--id-map", filepath.Join(missing, "ids.yml"), rules}, 2, "does not exist"},
		{"ir -o a folder", []string{"ir", "-o", out, rules}, 2, "is a folder"},
		{"lint -o in a missing folder", []string{"lint", "-o", filepath.Join(missing, "r.sarif"), rules}, 2, "does not exist"},
		{"gen-go -o a file", []string{"gen-go", "-o", logs, rules}, 2, "is a file, not a folder"},
		{"version extra", []string{"version", "extra"}, 2, `unexpected argument "extra"`},
		{"unknown flag", []string{"build", "--stok-rules", "x", rules}, 2, "unknown flag --stok-rules; did you mean --stock-rules?"},
		{"unknown global flag", []string{"--bogus"}, 2, "unknown flag --bogus"},
		{"flag without value", []string{"lint", rules, "--format"}, 2, "rulec lint: flag --format needs a value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cliRun(t, "", tc.args...)
			if code != tc.want || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("rulec %s: exit %d (want %d), stderr lacks %q:\n%s", strings.Join(tc.args, " "), code, tc.want, tc.stderr, stderr)
			}
			if tc.want == 2 && stdout != "" {
				t.Errorf("usage error printed on standard output:\n%.300s", stdout)
			}
		})
	}
}

// TestOutputDash: `-o -` writes to standard output (no file named -) for
// build, lint, gen-go and ir, and the output is what -o FILE writes.
func TestOutputDash(t *testing.T) {
	rules := corpusPath(t, "rules")
	t.Chdir(t.TempDir())
	for _, tc := range []struct {
		cmd  []string
		want string // in standard output
	}{
		{[]string{"build", "--stock-rules", ""}, `<group name="sigma,">`},
		{[]string{"lint", "--no-config", "--fail-on", "none", "-f", "sarif"}, `"version": "2.1.0"`},
		{[]string{"ir", "--compact"}, `"kind":"detection"`},
		{[]string{"gen-go", "-pkg", "corpusrules"}, "package corpusrules\n"},
	} {
		t.Run(tc.cmd[0], func(t *testing.T) {
			code, stdout, stderr := cliRun(t, "", append(append([]string{}, tc.cmd...), "-o", "-", rules)...)
			if code != 0 || !strings.Contains(stdout, tc.want) {
				t.Fatalf("exit %d, stdout lacks %q: %.300s\n%s", code, tc.want, stdout, stderr)
			}
			if _, err := os.Stat("-"); err == nil {
				t.Fatal(`-o - created a file named "-"`)
			}
			if tc.cmd[0] == "gen-go" {
				if !strings.HasPrefix(stdout, "// Code generated by rulec gen-go. DO NOT EDIT.") || strings.Count(stdout, "\nimport (") != 1 || strings.Count(stdout, "\npackage ") != 1 {
					t.Errorf("gen-go -o - is not one Go file:\n%.500s", stdout)
				}
				return
			}
			file := tc.cmd[0] + ".out"
			if code, _, stderr := cliRun(t, "", append(append([]string{}, tc.cmd...), "-o", file, rules)...); code != 0 {
				t.Fatalf("-o %s: exit %d\n%s", file, code, stderr)
			}
			data, err := os.ReadFile(file)
			if err != nil || string(data) != stdout {
				t.Errorf("-o %s differs from -o - (%v)", file, err)
			}
		})
	}
}

// TestOutputKeptOnFailure: an output file is replaced only by a complete run
// (through a temporary file and a rename): when an input fails, build, ir
// and gen-go leave the previous output alone, and no temporary file is left.
func TestOutputKeptOnFailure(t *testing.T) {
	rules := corpusPath(t, "rules")
	missing := filepath.Join(t.TempDir(), "missing.yml")
	for _, tc := range []struct {
		name string
		args []string // the output path is appended
		file string   // in the output (for gen-go, a file of the folder)
		want string   // in the new output
	}{
		{"build", []string{"build", "--stock-rules", "", "-o"}, "", `<group name="sigma,">`},
		{"build --strict", []string{"build", "--stock-rules", "", "--strict", "-o"}, "", ""},
		{"ir", []string{"ir", "-o"}, "", `"kind": "detection"`},
		{"gen-go", []string{"gen-go", "-pkg", "out", "-o"}, "program_gen.go", "package out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, old := filepath.Join(dir, "out"), filepath.Join(dir, "out")
			if tc.file != "" {
				os.Mkdir(out, 0o755)
				old = filepath.Join(out, tc.file)
			}
			oldData := "// Code generated by rulec gen-go. DO NOT EDIT.\n\npackage out\n"
			if err := os.WriteFile(old, []byte(oldData), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append(append([]string{}, tc.args...), out)
			if !strings.Contains(tc.name, "strict") {
				args = append(args, missing) // the corpus and a missing file: the run fails
			}
			code, _, stderr := cliRun(t, "", append(args, rules)...)
			if code != 1 || !strings.Contains(stderr, "not written") {
				t.Errorf("exit %d, want 1 and a note that the output was not written:\n%s", code, stderr)
			}
			if data, _ := os.ReadFile(old); string(data) != oldData {
				t.Errorf("a failed run changed %s:\n%.200s", old, data)
			}
			if tc.want == "" {
				return
			}
			if code, _, stderr := cliRun(t, "", append(append([]string{}, tc.args...), out, rules)...); code != 0 {
				t.Fatalf("exit %d:\n%s", code, stderr)
			}
			if data, _ := os.ReadFile(old); !strings.Contains(string(data), tc.want) {
				t.Errorf("a good run did not replace %s:\n%.200s", old, data)
			}
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && strings.Contains(d.Name(), ".tmp") {
					t.Errorf("temporary file left: %s", p)
				}
				return nil
			})
		})
	}
}

// TestLintOutputOnFindings: lint's report is written (atomically) even when
// findings fail the run: it is complete, and CI uploads it.
func TestLintOutputOnFindings(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, _ := cliRun(t, "", "lint", "--no-config", "-f", "json", "-o", out, "--fail-on", "note", corpusPath(t, "lint"))
	data, err := os.ReadFile(out)
	if code != 1 || stdout != "" || err != nil || !bytes.Contains(data, []byte(`"findings"`)) {
		t.Errorf("exit %d, stdout %q, report %v %.100s", code, stdout, err, data)
	}
}

// TestScanStdin: a log named - is read from standard input, also with other logs.
func TestScanStdin(t *testing.T) {
	log, err := os.ReadFile(corpusPath(t, "logs", "linux.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	rules := corpusPath(t, "rules")
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string // stdout
		sum   string // stderr
		code  int
	}{
		{"stdin", []string{"-"}, string(log), "<stdin>:1 [high] Suspicious Shell Keywords", "4 events from 1 files, 3 matches", 0},
		{"stdin and a file", []string{corpusPath(t, "logs", "windows_sysmon.jsonl"), "-"}, string(log), "<stdin>:4 [high]", "from 2 files", 0},
		{"empty stdin", []string{"-"}, "", "", "0 events from 1 files", 0},
		{"bad record on stdin", []string{"-"}, "{\"a\":\n", "", "<stdin>: error: no readable event (1 unreadable records)", 1},
		{"stdin and a missing file", []string{"-", filepath.Join(t.TempDir(), "missing.jsonl")}, string(log), "<stdin>:1 [high]", "1 files failed", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cliRun(t, tc.stdin, append([]string{"scan", "--format", "text", "--rules", rules}, tc.args...)...)
			if code != tc.code || !strings.Contains(stdout, tc.want) || !strings.Contains(stderr, tc.sum) {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

// TestHelpAndSuggestions: `rulec help CMD`, `CMD --help`, and "did you mean"
// for mistyped commands, flags and enumerated values.
func TestHelpAndSuggestions(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"help"}, 0, "COMMANDS:", ""},
		{[]string{"help", "scan"}, 0, "rulec scan - evaluate detection rules", ""},
		{[]string{"help", "gen-go"}, 0, "--pkg value", ""},
		{[]string{"help", "help"}, 0, "rulec help - print the help", ""},
		{[]string{"scan", "--help"}, 0, "rulec scan - evaluate detection rules", ""},
		{[]string{"--help"}, 0, "COMMANDS:", ""},
		{[]string{"help", "biuld"}, 2, "", `unknown command "biuld"; did you mean build?`},
		{[]string{"help", "scan", "lint"}, 2, "", "give one command at most"},
		{[]string{"biuld"}, 2, "", `unknown command "biuld"; did you mean build?`},
		{[]string{"sacn", "x"}, 2, "", "did you mean scan?"},
		{[]string{"lnit"}, 2, "", "did you mean lint?"},
		{[]string{"gen"}, 2, "", "did you mean gen-go?"},
		{[]string{"version", "--bogus"}, 2, "", "unknown flag --bogus\nRun 'rulec help version' for usage."},
		{[]string{"lint", "--fromat", "json"}, 2, "", "did you mean --format?"},
		{[]string{"scan", "--rule", "x", "y"}, 2, "", "did you mean --rules?"},
		{[]string{"frobnicate"}, 2, "", "unknown command \"frobnicate\"\nRun 'rulec help' for the commands."},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := cliRun(t, "", tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%.400s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if tc.code == 2 && strings.Contains(tc.stderr, "did you mean") != strings.Contains(stderr, "did you mean") {
				t.Errorf("suggestion: %s", stderr)
			}
		})
	}
}

func TestClosest(t *testing.T) {
	cmds := []string{"ir", "build", "gen-go", "lint", "scan", "test", "version", "help"}
	for _, tc := range []struct{ in, want string }{
		{"biuld", "build"}, {"buidl", "build"}, {"bild", "build"}, {"Build", "build"},
		{"sacn", "scan"}, {"tets", "test"}, {"gen", "gen-go"}, {"ver", "version"},
		{"i", "ir"}, {"x", ""}, {"hlep", "help"}, {"frobnicate", ""}, {"", ""}, {"lnt", "lint"},
	} {
		if got := closest(tc.in, cmds); got != tc.want {
			t.Errorf("closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestVersionFrom: the stamped version wins, then the module version from the
// build info (rulec as the main module with go install, or as a dependency
// with go tool / go run), then the development version.
func TestVersionFrom(t *testing.T) {
	main := func(v string) *debug.BuildInfo {
		return &debug.BuildInfo{Path: modulePath + "/cmd/rulec", Main: debug.Module{Path: modulePath, Version: v}}
	}
	dep := func(d *debug.Module) *debug.BuildInfo {
		return &debug.BuildInfo{Path: modulePath + "/cmd/rulec", Main: debug.Module{Path: "example.com/mytools", Version: "(devel)"}, Deps: []*debug.Module{
			{Path: "github.com/urfave/cli/v2", Version: "v2.27.7"}, d}}
	}
	for _, tc := range []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"go install @version", devVersion, main("v1.4.2"), "v1.4.2"},
		{"go install @commit", devVersion, main("v1.4.3-0.20261204184421-f1be5d239042"), "v1.4.3-0.20261204184421-f1be5d239042"},
		{"built in the checkout", devVersion, main("(devel)"), devVersion},
		{"no build info", devVersion, nil, devVersion},
		{"stamped", "v2.0.0", main("v1.4.2"), "v2.0.0"},
		{"stamped, built in the checkout", "v2.0.0", main("(devel)"), "v2.0.0"},
		{"go tool in a module", devVersion, dep(&debug.Module{Path: modulePath, Version: "v1.3.0"}), "v1.3.0"},
		{"replaced by a version", devVersion, dep(&debug.Module{Path: modulePath, Version: "v1.3.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.3.1"}}), "v1.3.1"},
		{"replaced by a folder", devVersion, dep(&debug.Module{Path: modulePath, Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "../rulec"}}), devVersion},
		{"empty stamp", "", nil, devVersion},
	} {
		if got := versionFrom(tc.stamped, tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	code, out, _ := cliRun(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "rulec "+rulecVersion()+" (go") {
		t.Errorf("rulec version: exit %d, %q", code, out)
	}
}
