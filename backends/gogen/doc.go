// Package gogen compiles Sigma detection and correlation rules into a Go
// package (`rulec gen-go`): one plain Go function per rule and per search,
// shared predicates evaluated at most once per event, and a literal index that
// sends an event only to the rules it may trigger. The generated code runs on
// the engine's event model and its abi.Program/abi.State runtime
// (engine/primitives.go) and needs nothing else than the standard library and
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
