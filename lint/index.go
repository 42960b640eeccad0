package lint

import (
	"github.com/rulec/rulec/ast"
)

// Index holds lookups over all loaded rules that several checks share.
type Index struct {
	// refs reads the front end's resolution of references.
	refs *ast.Resolver
	// referenced holds the rules that some correlation references.
	referenced map[*ast.Rule]bool
	// fields caches the fields each rule's detection and fields list mention.
	fields map[*ast.Rule]map[string]bool
	// firstDoc is the index of the first loaded document of each file.
	firstDoc map[string]int
	// conds caches the condition analysis of each detection.
	conds map[*ast.Detection]condFacts
}

func newIndex(rules []*ast.Rule) *Index {
	ix := &Index{refs: ast.NewResolver(rules), referenced: map[*ast.Rule]bool{}, fields: map[*ast.Rule]map[string]bool{}, conds: map[*ast.Detection]condFacts{}, firstDoc: map[string]int{}}
	for _, r := range rules {
		if d, ok := ix.firstDoc[r.Pos.File]; !ok || r.Document < d {
			ix.firstDoc[r.Pos.File] = r.Document
		}
	}
	for _, r := range rules {
		if r.Correlation == nil {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			if t := ix.Lookup(ref); t != nil {
				ix.referenced[t] = true
			}
		}
	}
	return ix
}

// Lookup returns the loaded rule a reference points at, as the front end
// resolved it (RuleRef.Target); nil when none.
func (ix *Index) Lookup(ref ast.RuleRef) *ast.Rule { return ix.refs.Target(ref) }

// Referenced reports whether a correlation references the rule: such base rules
// may leave metadata to the correlation (Sigma correlation specification).
func (ix *Index) Referenced(r *ast.Rule) bool { return ix.referenced[r] }

// Fields returns the fields a rule is known to set: for a detection rule, the
// fields its searches test or reference (fieldref) plus its `fields:` list; for a
// correlation rule, its group-by fields and alias names.
func (ix *Index) Fields(r *ast.Rule) map[string]bool {
	if f, ok := ix.fields[r]; ok {
		return f
	}
	set := map[string]bool{}
	for _, f := range r.Fields {
		set[f] = true
	}
	if r.Detection != nil {
		for _, s := range r.Detection.Searches {
			s.Body.Walk(func(fm *ast.FieldMatch) {
				if fm.Field != "" {
					set[fm.Field] = true
				}
				for _, v := range fm.Values {
					if v.Kind == ast.ValFieldRef {
						set[v.Ref] = true
					}
				}
			})
		}
	}
	if r.Correlation != nil {
		for _, g := range r.Correlation.GroupBy {
			set[g] = true
		}
		for _, a := range r.Correlation.Aliases {
			set[a.Name] = true
		}
	}
	ix.fields[r] = set
	return set
}

// conditionFacts returns the (cached) analysis of a detection's condition.
func (ix *Index) conditionFacts(det *ast.Detection) condFacts {
	if f, ok := ix.conds[det]; ok {
		return f
	}
	f := analyseCondition(det)
	ix.conds[det] = f
	return f
}
