// Package gogen compiles Sigma detection and correlation rules into a Go
// package (`rulec gen-go`). It renders the program engine.NewRuleset compiles
// (the interpreter's own: tests, detections as expressions over them, logsource
// groups, literal index) and decides no semantics itself: each rule becomes a
// Go function whose condition calls abi.State.Test, the tables become data the
// package decodes once. The generated code runs on the engine's event model
// and its abi.Program/abi.State runtime (engine/internal/rt) and needs
// nothing else than the standard library and
// github.com/rulec/rulec/engine/abi (with engine/correlation, engine/detection and
// ast): no YAML and no interpretation at run time. Its Detector is a
// detect.Detector (detector.go).
//
// Semantics are the interpreter's (engine.NewRuleset): the same rules are
// usable, the same logsource profile decides which events each rule sees, and
// every value form (wildcards, escapes, cased, all, neq, null, empty, exists,
// fieldref, numbers, comparisons, CIDR, regular expressions, keywords, arrays)
// gives the same answer. The differential tests check this.
package gogen
