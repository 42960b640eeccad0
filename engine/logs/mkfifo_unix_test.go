//go:build linux || darwin || freebsd

package logs

import "syscall"

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }
