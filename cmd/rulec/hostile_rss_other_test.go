//go:build !linux && !darwin

package main

import (
	"errors"
	"os"
)

func peakRSS(ps *os.ProcessState) (int64, bool) { return 0, false }

func mkfifo(path string) error { return errors.New("no FIFOs here") }

func userCPU(ps *os.ProcessState) float64 { return ps.UserTime().Seconds() }
