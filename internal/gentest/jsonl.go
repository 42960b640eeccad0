package gentest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rulec/rulec/internal/shared"
)

// ProcessCreationJSONL returns the process-creation events (Sysmon 1, Security
// 4688) of the SigmaHQ regression captures' .json renderings as JSON lines in
// evtx_dump's shape ({"Event":{"System":{...},"EventData":{...}}}, one compact
// object a line, keys sorted), and their count. It skips when the captures are absent.
func ProcessCreationJSONL(tb testing.TB) ([]byte, int) {
	tb.Helper()
	root := shared.Path(tb, "sigmahq", "regression_data")
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	var out bytes.Buffer
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		// Some renderings are indented with non-breaking spaces.
		data = bytes.ReplaceAll(data, []byte("\u00a0"), []byte(" "))
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		for {
			var v map[string]any
			if err := dec.Decode(&v); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				tb.Logf("%s: %v (rest skipped)", f, err)
				break
			}
			ev, _ := v["Event"].(map[string]any)
			sys, _ := ev["System"].(map[string]any)
			ch, _ := sys["Channel"].(string)
			id, _ := sys["EventID"].(json.Number)
			if (ch == "Microsoft-Windows-Sysmon/Operational" && id == "1") || (ch == "Security" && id == "4688") {
				enc := json.NewEncoder(&out)
				enc.SetEscapeHTML(false)
				if err := enc.Encode(v); err != nil {
					tb.Fatal(err)
				}
				n++
			}
		}
	}
	if n == 0 {
		tb.Skip("no process-creation events in the regression captures' .json files")
	}
	return out.Bytes(), n
}
