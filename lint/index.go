package lint

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// Index holds lookups over all loaded rules that several checks share.
type Index struct {
	// byRef finds rules by lower-case id and by name.
	byRef map[string][]*ast.Rule
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
	ix := &Index{byRef: map[string][]*ast.Rule{}, referenced: map[*ast.Rule]bool{}, fields: map[*ast.Rule]map[string]bool{}, conds: map[*ast.Detection]condFacts{}, firstDoc: map[string]int{}}
	for _, r := range rules {
		if d, ok := ix.firstDoc[r.Pos.File]; !ok || r.Document < d {
			ix.firstDoc[r.Pos.File] = r.Document
		}
		if r.ID != "" {
			k := strings.ToLower(r.ID)
			ix.byRef[k] = append(ix.byRef[k], r)
		}
		if r.Name != "" && !strings.EqualFold(r.Name, r.ID) {
			ix.byRef[r.Name] = append(ix.byRef[r.Name], r)
		}
	}
	for _, r := range rules {
		if r.Correlation == nil {
			continue
		}
		for _, ref := range r.Correlation.Rules {
			if t := ix.Lookup(ref, r.Pos.File); t != nil {
				ix.referenced[t] = true
			}
		}
	}
	return ix
}

// Lookup finds the rule a correlation reference points at, preferring one in the
// given file, as the front end resolves references; nil when none.
func (ix *Index) Lookup(ref ast.RuleRef, file string) *ast.Rule {
	key := ref.Ref
	if ref.ID != "" {
		key = ref.ID
	}
	cands := ix.byRef[strings.ToLower(key)]
	if len(cands) == 0 {
		cands = ix.byRef[key]
	}
	if ref.File != "" {
		file = ref.File
	}
	for _, c := range cands {
		if c.Pos.File == file {
			return c
		}
	}
	if len(cands) > 0 {
		return cands[0]
	}
	return nil
}

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
