package rt

import "github.com/rulec/rulec/ast"

// StringClauseHolds reports, for the external tests, whether a string
// pattern gets an index clause and whether it holds on the lowered text.
func StringClauseHolds(parts []ast.StringPart, field string, cased bool, text string) (indexed, holds bool) {
	c := stringClause(parts, field, cased)
	return !c.top, clauseHolds(c, Lower(text))
}
