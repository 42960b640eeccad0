package gogen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rulec/rulec/engine/abi"
	"github.com/rulec/rulec/frontend"
)

// TestABIVersionMismatchFailsToBuild generates a package, builds it against
// this runtime, then builds the same package as if generated for the next
// ABI version: the build must fail on the version constant, not run against
// tables of another layout.
func TestABIVersionMismatchFailsToBuild(t *testing.T) {
	res0 := frontend.Load([]string{filepath.Join("testdata", "forms")}, frontend.Options{})
	if len(res0.Detections()) == 0 {
		t.Fatal("no rules in testdata/forms")
	}
	res, err := Generate(res0.Detections(), Options{Package: "abicheck"})
	if err != nil {
		t.Fatal(err)
	}
	dir := genDir(t, "abi")
	writeFiles(t, dir, res)
	goCmd(t, dir, "build", ".")

	prog := filepath.Join(dir, "program_gen.go")
	src, err := os.ReadFile(prog)
	if err != nil {
		t.Fatal(err)
	}
	cur := fmt.Sprintf("abi.V%d", abi.Version)
	if !bytes.Contains(src, []byte("const abiVersion = "+cur+"\n")) {
		t.Fatalf("program_gen.go does not refer to %s", cur)
	}
	next := fmt.Sprintf("abi.V%d", abi.Version+1)
	if err := os.WriteFile(prog, bytes.ReplaceAll(src, []byte(cur), []byte(next)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "build", ".")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a package generated for %s built against a runtime of ABI version %d", next, abi.Version)
	}
	if !strings.Contains(string(out), "undefined: "+next) {
		t.Fatalf("the build failed for another reason than the ABI version:\n%s", out)
	}
}
