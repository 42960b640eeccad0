package rt

import "github.com/rulec/rulec/ast"

// StringClauseHolds reports, for the external tests, whether a string
// pattern gets an index clause and whether it holds on the lowered text.
func StringClauseHolds(parts []ast.StringPart, field string, cased bool, text string) (indexed, holds bool) {
	c := stringClause(parts, field, cased)
	return !c.top, clauseHolds(c, Lower(text))
}

// RegexRun reports, for the external tests, whether a regular expression
// source gets a class run (see regexRun) and whether text has it.
func RegexRun(src, text string) (has, holds bool) {
	r := regexRun(src)
	return r != nil, r != nil && r.in(text)
}

// PatternTest returns the test the compiler makes of a string pattern on a field.
func PatternTest(parts []ast.StringPart, cased bool) Test {
	return patternTest(TestString, TestGlob, 0, parts, cased)
}
