package main

import (
	"os"
	"runtime"
	"testing"
)

// TestOutputToDevice: -o /dev/null writes to the device; it must not rename a
// temporary file over it (which would replace /dev/null with a regular file).
func TestOutputToDevice(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/null on Windows")
	}
	before, err := os.Stat(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	if err := writeFileAtomic(os.DevNull, []byte("<group/>\n")); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() || after.Mode().IsRegular() {
		t.Fatalf("%s changed: %v -> %v (%v)", os.DevNull, before.Mode(), after.Mode(), err)
	}
}
