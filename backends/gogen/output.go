package gogen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
)

// writeFileAtomic writes data to path through a temporary file in the same
// folder and a rename.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	err = errors.Join(err, f.Close())
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// SingleFile merges the generated files of one package into one gofmt'ed Go
// file (for `rulec gen-go -o -`): the header, the package documentation,
// one import block and every file's declarations in order.
func SingleFile(files []File) ([]byte, error) {
	fset := token.NewFileSet()
	var doc, pkg string
	imports := map[string]bool{}
	var bodies [][]byte
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.Name, f.Data, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if pkg == "" {
			pkg = af.Name.Name
		} else if af.Name.Name != pkg {
			return nil, fmt.Errorf("%s: package %s, not %s", f.Name, af.Name.Name, pkg)
		}
		if af.Doc != nil && doc == "" {
			doc = string(f.Data[fset.Position(af.Doc.Pos()).Offset:fset.Position(af.Doc.End()).Offset])
		}
		end := af.Name.End()
		for _, d := range af.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
				end = gd.End()
			}
		}
		for _, imp := range af.Imports {
			spec := imp.Path.Value
			if imp.Name != nil {
				spec = imp.Name.Name + " " + spec
			}
			imports[spec] = true
		}
		bodies = append(bodies, f.Data[fset.Position(end).Offset:])
	}
	if pkg == "" {
		return nil, errors.New("no files")
	}
	var b bytes.Buffer
	b.WriteString(Header + "\n\n")
	if doc != "" {
		b.WriteString(doc + "\n")
	}
	fmt.Fprintf(&b, "package %s\n", pkg)
	if len(imports) > 0 {
		specs := make([]string, 0, len(imports))
		for s := range imports {
			specs = append(specs, s)
		}
		sort.Strings(specs)
		b.WriteString("\nimport (\n")
		for _, s := range specs {
			b.WriteString("\t" + s + "\n")
		}
		b.WriteString(")\n")
	}
	for _, body := range bodies {
		b.Write(body)
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("merging the generated files: %w", err)
	}
	return out, nil
}
