package frontend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rulec/rulec/ast"
)

const fsRule = `title: Whoami
id: 11111111-1111-1111-1111-111111111111
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: '\whoami.exe'
  condition: sel
`

const fsCorrelation = `title: Many whoami
correlation:
  type: event_count
  rules: [11111111-1111-1111-1111-111111111111]
  group-by: [User]
  timespan: 5m
  condition: {gte: 3}
`

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/whoami.yml":         {Data: []byte(fsRule)},
		"rules/corr/many.yaml":     {Data: []byte(fsCorrelation)},
		"rules/.hidden/x.yml":      {Data: []byte(fsRule)},
		"rules/notes.txt":          {Data: []byte("not a rule")},
		"broken/bad.yml":           {Data: []byte("title: Bad\nlogsource: {}\ndetection:\n  condition: nothing\n")},
		"big/huge.yml":             {Data: []byte(strings.Repeat("#", 200))},
		"other/second.yml":         {Data: []byte(strings.Replace(fsRule, "1111-111111111111", "1111-222222222222", 1))},
		"other/third.yml":          {Data: []byte(strings.Replace(fsRule, "1111-111111111111", "1111-333333333333", 1))},
		"other/deeper/fourth.yaml": {Data: []byte(strings.Replace(fsRule, "1111-111111111111", "1111-444444444444", 1))},
	}
	cases := []struct {
		name      string
		paths     []string
		opts      Options
		files     []string // files of the loaded rules, in order
		diagFiles []string // files of the error diagnostics
		diagText  string   // in the first error
	}{
		{name: "folder", paths: []string{"rules"}, files: []string{"rules/corr/many.yaml", "rules/whoami.yml"}},
		{name: "file", paths: []string{"rules/whoami.yml"}, files: []string{"rules/whoami.yml"}},
		{name: "pattern", paths: []string{"other/*.yml"}, files: []string{"other/second.yml", "other/third.yml"}},
		{name: "pattern and folder, once each", paths: []string{"other/*.yml", "other", "other/third.yml"},
			files: []string{"other/second.yml", "other/third.yml", "other/deeper/fourth.yaml"}},
		{name: "broken file goes on", paths: []string{"broken", "rules/whoami.yml"}, files: []string{"rules/whoami.yml"},
			diagFiles: []string{"broken/bad.yml"}, diagText: "broken/bad.yml:4:"},
		{name: "missing", paths: []string{"nope"}, diagFiles: []string{"nope"}, diagText: "cannot read"},
		{name: "no match", paths: []string{"nope/*.yml"}, diagFiles: []string{"nope/*.yml"}, diagText: "no file matches"},
		{name: "bad pattern", paths: []string{"rules/[.yml"}, diagFiles: []string{"rules/[.yml"}, diagText: "bad pattern"},
		{name: "invalid path", paths: []string{"/rules"}, diagFiles: []string{"/rules"}, diagText: "not a valid fs.FS path"},
		{name: "invalid dotdot", paths: []string{"../rules"}, diagFiles: []string{"../rules"}, diagText: "not a valid fs.FS path"},
		{name: "size limit", paths: []string{"big"}, opts: Options{MaxFileSize: 100}, diagFiles: []string{"big/huge.yml"}, diagText: "larger than 100 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := LoadFS(fsys, tc.paths, tc.opts)
			var files, diagFiles []string
			for _, r := range res.Rules {
				files = append(files, r.Pos.File)
			}
			var first string
			for _, d := range res.Diagnostics {
				if d.Severity == ast.SeverityError {
					diagFiles = append(diagFiles, d.Pos.File)
					if first == "" {
						first = d.Error()
					}
				}
			}
			if strings.Join(files, " ") != strings.Join(tc.files, " ") {
				t.Errorf("rules from %v, want %v", files, tc.files)
			}
			if strings.Join(diagFiles, " ") != strings.Join(tc.diagFiles, " ") {
				t.Errorf("errors in %v, want %v (%v)", diagFiles, tc.diagFiles, res.Diagnostics)
			}
			if !strings.Contains(first, tc.diagText) {
				t.Errorf("first error %q does not contain %q", first, tc.diagText)
			}
		})
	}
}

// TestLoadFSMatchesLoad loads the same folder through the OS and through os.DirFS:
// the same rules, positions and diagnostics, file names relative to the root.
func TestLoadFSMatchesLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/whoami.yml", fsRule)
	write("a/b/many.yml", fsCorrelation)
	write("a/b/bad.yml", "title: Bad\nlogsource: {}\ndetection:\n  condition: nothing\n")
	osRes := Load([]string{filepath.Join(dir, "a")}, Options{})
	fsRes := LoadFS(os.DirFS(dir), []string{"a"}, Options{})
	rel := func(p string) string {
		r, err := filepath.Rel(dir, p)
		if err != nil {
			t.Fatal(err)
		}
		return filepath.ToSlash(r)
	}
	if len(osRes.Rules) != len(fsRes.Rules) || len(osRes.Rules) != 2 {
		t.Fatalf("rules: os %d, fs %d, want 2", len(osRes.Rules), len(fsRes.Rules))
	}
	for i := range osRes.Rules {
		o, f := osRes.Rules[i], fsRes.Rules[i]
		if rel(o.Pos.File) != f.Pos.File || o.Pos.Line != f.Pos.Line || o.Pos.Col != f.Pos.Col || o.Title != f.Title {
			t.Errorf("rule %d: os %s %q, fs %s %q", i, o.Pos, o.Title, f.Pos, f.Title)
		}
	}
	if len(osRes.Diagnostics) != len(fsRes.Diagnostics) || len(fsRes.Diagnostics) == 0 {
		t.Fatalf("diagnostics: os %v, fs %v", osRes.Diagnostics, fsRes.Diagnostics)
	}
	for i := range osRes.Diagnostics {
		o, f := osRes.Diagnostics[i], fsRes.Diagnostics[i]
		o.Pos.File = rel(o.Pos.File)
		if o != f {
			t.Errorf("diagnostic %d: os %v, fs %v", i, o, f)
		}
	}
	if strings.Join(fsRes.FailedFiles, " ") != "a/b/bad.yml" {
		t.Errorf("failed files %v", fsRes.FailedFiles)
	}
}
