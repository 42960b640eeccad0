package main

import (
	"github.com/rulec/rulec/ast"
	"github.com/rulec/rulec/backends/wazuh"
	"github.com/rulec/rulec/engine"
	"github.com/rulec/rulec/profile"
)

// profiles are the parts of one profile file (or of the built-in profile) each consumer reads.
type profiles struct {
	// Name names the profile.
	Name string
	// Engine is the interpreter's part, with the placeholder values.
	Engine *engine.Profile
	// Wazuh is the Wazuh backend's part.
	Wazuh *wazuh.Profile
}

// loadProfiles reads the profile file path ("" for the built-in profile) once for every consumer.
func loadProfiles(path string) (*profiles, error) {
	f := &profile.File{Path: "built-in", Name: "default", Extends: "default"}
	if path != "" {
		var err error
		if f, err = profile.Load(path); err != nil {
			return nil, err
		}
	}
	ep, err := engine.ProfileFromFile(f)
	if err != nil {
		return nil, err
	}
	wp, err := wazuh.ProfileFromFile(f)
	if err != nil {
		return nil, err
	}
	return &profiles{Name: f.Name, Engine: ep, Wazuh: wp}, nil
}

// resolvePlaceholders replaces, in the rules' detection values, the %name% placeholders that
// have values by those values, as the interpreter expands them (engine.ExpandPlaceholders): one
// variant keeps the value a string, several make it an expansion (one of which must match, as
// windash does). Values with a placeholder that has no values are left as they are (a backend
// reports them). It is for consumers that do not read the profile's placeholders themselves
// (the Wazuh backend), and returns the number of values resolved.
func resolvePlaceholders(rules []*ast.Rule, values map[string][]string) int {
	if len(values) == 0 {
		return 0
	}
	n := 0
	var resolve func(v *ast.Value)
	resolve = func(v *ast.Value) {
		if v.Kind == ast.ValExpansion {
			for i := range v.Variants {
				resolve(&v.Variants[i])
			}
			return
		}
		if v.Kind != ast.ValString {
			return
		}
		variants, why := engine.ExpandPlaceholders(v.Parts, values)
		if why != "" || len(variants) == 0 || !hasPlaceholder(v.Parts) {
			return
		}
		n++
		if len(variants) == 1 {
			v.Parts = variants[0]
			return
		}
		exp := ast.Value{Kind: ast.ValExpansion, Pos: v.Pos, Raw: v.Raw}
		for _, parts := range variants {
			exp.Variants = append(exp.Variants, ast.Value{Kind: ast.ValString, Pos: v.Pos, Raw: v.Raw, Parts: parts})
		}
		*v = exp
	}
	for _, r := range rules {
		if r == nil || r.Detection == nil {
			continue
		}
		for _, s := range r.Detection.Searches {
			if s.Body == nil {
				continue
			}
			s.Body.Walk(func(fm *ast.FieldMatch) {
				for i := range fm.Values {
					resolve(&fm.Values[i])
				}
			})
		}
	}
	return n
}

func hasPlaceholder(parts []ast.StringPart) bool {
	for _, p := range parts {
		if p.Kind == ast.PartPlaceholder {
			return true
		}
	}
	return false
}
