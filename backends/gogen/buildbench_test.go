package gogen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/rulec/rulec/frontend"
	"github.com/rulec/rulec/internal/shared"
)

// BenchmarkBuildSigmaHQ generates a package from every SigmaHQ rule folder
// (../shared/sigmahq/rules*) and measures what a user of gen-go waits for:
// one op is one `go build` of the generated package with its dependencies
// already built (a fresh file in the package makes the go command recompile
// it each time). It reports the build's wall seconds, the generated lines and
// bytes, and the generation's seconds.
func BenchmarkBuildSigmaHQ(b *testing.B) {
	dirs := shared.SigmaHQRuleDirs(b)
	dir := genDir(b, "build")
	start := time.Now()
	loaded := frontend.Load(dirs, frontend.Options{})
	res, err := Generate(loaded.Rules, Options{Package: "sigmahq", BaseDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	genSeconds := time.Since(start).Seconds()
	writeFiles(b, dir, res)
	lines, size := 0, 0
	for _, f := range res.Files {
		lines += bytes.Count(f.Data, []byte("\n"))
		size += len(f.Data)
	}
	build := func(i int) {
		stamp := fmt.Sprintf("package sigmahq\n\n// build %d %d\n", i, time.Now().UnixNano())
		if err := os.WriteFile(filepath.Join(dir, "stamp.go"), []byte(stamp), 0o644); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command("go", "build", ".")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	build(-1) // dependencies, once
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		build(i)
	}
	b.StopTimer()
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "build-s")
	b.ReportMetric(float64(lines), "lines")
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(genSeconds, "generate-s")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d rules, %d files, %d lines, %d bytes", res.Rules, len(res.Files), lines, size)
}
