package detect

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rulec/rulec/frontend"
)

// TestCompileLoadLimits: the front end's load limits given to Compile reach
// the load (a rule over them fails with the front end's error naming the
// limit; the others compile), and LoadOptions replaces what came before it.
func TestCompileLoadLimits(t *testing.T) {
	windash := "title: W\nlogsource: {product: windows}\ndetection:\n    sel:\n        CommandLine|windash|contains: ' -a -b -c'\n    condition: sel\n"
	plain := "title: P\nlogsource: {product: windows}\ndetection: {sel: {CommandLine: x}, condition: sel}\n"
	fsys := fstest.MapFS{
		"rules/w.yml": {Data: []byte(windash)},
		"rules/p.yml": {Data: []byte(plain)},
	}
	tests := []struct {
		name  string
		opts  []Option
		rules int    // rules compiled
		err   string // in the error; "" for none
	}{
		{"defaults", nil, 2, ""},
		{"file size", []Option{MaxFileSize(int64(len(plain)))}, 1, "w.yml: error: file is larger than"},
		{"rule variants", []Option{MaxRuleVariants(10)}, 1, "MaxRuleVariants"},
		{"load variants", []Option{MaxLoadVariants(10)}, 1, "MaxLoadVariants"},
		{"workers", []Option{LoadWorkers(1)}, 2, ""},
		{"load options", []Option{LoadOptions(frontend.Options{MaxRuleVariants: 10, Workers: 1})}, 1, "MaxRuleVariants"},
		{"load options replace", []Option{MaxFileSize(1), LoadOptions(frontend.Options{})}, 2, ""},
		{"later option wins", []Option{LoadOptions(frontend.Options{}), MaxFileSize(1)}, 0, "file is larger than 1 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(fsys, tc.opts...)
			if got := len(p.Rules()); got != tc.rules {
				t.Errorf("%d rules compiled, want %d", got, tc.rules)
			}
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}
