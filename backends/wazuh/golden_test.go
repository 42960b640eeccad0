package wazuh_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/frontend"
)

var update = flag.Bool("update", false, "rewrite golden/wazuh from the corpus rules")

// TestGolden builds each corpus rule folder into golden/wazuh/<folder>.xml.
func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("..", "..", "corpus", "rules", "*"))
	if len(dirs) == 0 {
		t.Skip("no corpus rules")
	}
	for _, d := range dirs {
		name := filepath.Base(d)
		t.Run(name, func(t *testing.T) {
			loaded := frontend.Load([]string{d}, frontend.Options{})
			res, err := wazuh.Build(loaded.Rules, wazuh.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			out.Write(res.XML)
			for _, d := range res.Diagnostics {
				out.WriteString("<!-- " + d.Error() + " -->\n")
			}
			path := filepath.Join("..", "..", "golden", "wazuh", name+".xml")
			if *update {
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./backends/wazuh/... -update)", err)
			}
			if !bytes.Equal(want, out.Bytes()) {
				t.Errorf("%s differs from the build; rerun with -update and review the diff", path)
			}
		})
	}
}
