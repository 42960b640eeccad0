package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// devVersion is the version of a build that says nothing better.
const devVersion = "0.1.0-dev"

// version is set at build time with -ldflags "-X main.version=...".
var version = devVersion

// modulePath is rulec's module path, to find its version in the build info.
const modulePath = "github.com/rulec/rulec"

// rulecVersion is the version rulec reports: the stamped one (-X main.version),
// else the module version the go command recorded (`go install
// github.com/rulec/rulec/cmd/rulec@v1.2.3`, or `go tool rulec` in a module that
// requires rulec), else the development version.
func rulecVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(version, bi)
}

func versionFrom(stamped string, bi *debug.BuildInfo) string {
	if stamped != devVersion && stamped != "" {
		return stamped
	}
	if bi != nil {
		mod := &bi.Main
		if mod.Path != modulePath {
			mod = nil
			for _, d := range bi.Deps {
				if d.Path == modulePath {
					mod = d
				}
			}
		}
		if mod != nil && mod.Replace != nil {
			if mod.Replace.Version != "" {
				mod = mod.Replace
			} else {
				mod = nil // replaced by a folder: its version is whatever the requirement said
			}
		}
		// A build in the checkout says "(devel)" (or, from Go 1.24, a pseudo-version from the VCS,
		// which is a version too).
		if mod != nil && mod.Version != "" && mod.Version != "(devel)" {
			return mod.Version
		}
	}
	if stamped == "" {
		return devVersion
	}
	return stamped
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the rulec version",
		ArgsUsage: " ",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "rulec %s (%s %s/%s)\n", rulecVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
