package abi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestVersionConstant checks that the package defines V<Version> and no
// other version constant, so that a package generated for another version
// does not build against it.
func TestVersionConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "abi.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("V%d", Version)
	var found []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				if len(n.Name) > 1 && n.Name[0] == 'V' && n.Name[1] >= '0' && n.Name[1] <= '9' {
					found = append(found, n.Name)
				}
			}
		}
	}
	if len(found) != 1 || found[0] != want {
		t.Fatalf("version constants %v, want exactly [%s]", found, want)
	}
}
