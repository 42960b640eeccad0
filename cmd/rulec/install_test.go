package main

import (
	"archive/zip"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestGoInstallVersion installs rulec the two ways a user does, from a module
// proxy (a file:// one holding this checkout's tracked files as version
// v0.99.0, the dependencies from the local module cache), and checks that
// `rulec version` reports the module version: `go install
// github.com/rulec/rulec/cmd/rulec@v0.99.0`, and `go get -tool` plus `go tool
// rulec` in a scratch module.
func TestGoInstallVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds rulec twice with the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	files, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached").Output()
	if err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	cacheOut, err := exec.Command(goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	cache := strings.TrimSpace(string(cacheOut))

	const v = "v0.99.0"
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy", "github.com", "rulec", "rulec", "@v")
	if err := os.MkdirAll(proxy, 0o755); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for _, name := range strings.Split(strings.TrimRight(string(files), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil {
			continue // deleted in the work tree
		}
		w, err := zw.Create(modulePath + "@" + v + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"list": []byte(v + "\n"), v + ".info": []byte(`{"Version":"` + v + `","Time":"2026-01-01T00:00:00Z"}`),
		v + ".mod": gomod, v + ".zip": zb.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(proxy, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fileURL := func(p string) string {
		p = filepath.ToSlash(p)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return "file://" + p
	}
	// Modules missing from the local cache (a fresh machine has only those its
	// builds needed, not every go.mod of the module graph) come from the
	// environment's own proxy, when it has one.
	proxies := fileURL(filepath.Join(tmp, "proxy")) + "," + fileURL(filepath.Join(cache, "cache", "download"))
	if out, err := exec.Command(goBin, "env", "GOPROXY").Output(); err == nil {
		if p := strings.TrimSpace(string(out)); p != "" && p != "off" {
			proxies += "," + p
		}
	}
	bin := filepath.Join(tmp, "bin")
	env := append(os.Environ(),
		"GOPROXY="+proxies,
		"GOMODCACHE="+filepath.Join(tmp, "modcache"), "GOFLAGS=-modcacherw", "GOSUMDB=off", "GOBIN="+bin,
		"GOWORK=off", "GOTOOLCHAIN=local")
	goCmd := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	want := "rulec " + v + " ("

	goCmd(tmp, "install", modulePath+"/cmd/rulec@"+v)
	exe := filepath.Join(bin, "rulec")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	out, err := exec.Command(exe, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), want) {
		t.Errorf("go install: rulec version: %v %q, want %q...", err, out, want)
	}

	scratch := filepath.Join(tmp, "scratch")
	os.Mkdir(scratch, 0o755)
	goCmd(scratch, "mod", "init", "example.com/scratch")
	goCmd(scratch, "get", "-tool", modulePath+"/cmd/rulec@"+v)
	if out := goCmd(scratch, "tool", "rulec", "version"); !strings.HasPrefix(out, want) {
		t.Errorf("go tool rulec version: %q, want %q...", out, want)
	}
}
