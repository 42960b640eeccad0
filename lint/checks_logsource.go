package lint

import (
	"strings"

	"github.com/rulec/rulec/ast"
)

// sysmonCategories maps Sysmon event ids to the generic category that covers them
// (pySigma's SpecificInsteadOfGenericLogsource table).
var sysmonCategories = map[float64]string{
	1: "process_creation", 2: "file_change", 3: "network_connection", 4: "sysmon_status", 5: "process_termination",
	6: "driver_load", 7: "image_load", 8: "create_remote_thread", 9: "raw_access_thread", 10: "process_access",
	11: "file_event", 12: "registry_event", 13: "registry_set", 14: "registry_rename", 15: "create_stream_hash",
	16: "sysmon_status", 17: "pipe_created", 18: "pipe_created", 19: "wmi_event", 20: "wmi_event", 21: "wmi_event",
	22: "dns_query", 23: "file_delete", 24: "clipboard_change", 25: "process_tampering", 26: "file_delete_detected",
	27: "file_block_executable", 28: "file_block_shredding", 29: "file_executable_detected", 255: "sysmon_error",
}

func logsourceChecks() []*Check {
	W, N := ast.SeverityWarning, ast.SeverityNote
	return []*Check{
		{ID: "logsource-empty", Severity: W, Category: CatLogsource, Summary: "the logsource sets no product, category or service",

			Run: func(p *Pass) {
				for _, r := range p.Rules {
					ls := r.Logsource
					if r.Kind == ast.KindDetection && hasKey(r, "logsource") && ls.Category == "" && ls.Product == "" && ls.Service == "" {
						p.Reportf(r, r.KeyPos("logsource"), "logsource has no category, product or service")
					}
				}
			}},
		{ID: "logsource-unknown-key", Severity: N, Category: CatLogsource, Summary: "the logsource has a key other than category, product, service and definition",

			Run: func(p *Pass) {
				for _, r := range p.Rules {
					for _, x := range r.Logsource.Extra {
						p.Reportf(r, x.Pos, "logsource key %q is not category, product, service or definition; converters ignore it", x.Key)
					}
				}
			}},
		{ID: "generic-logsource", Severity: W, Category: CatLogsource, Summary: "a Sysmon or Security event id is used where a generic category exists",

			Run: func(p *Pass) {
				p.FieldMatches(func(r *ast.Rule, _ *ast.Search, fm *ast.FieldMatch) {
					ls := r.Logsource
					if fm.Field != "EventID" || ls.Product != "windows" || ls.Category != "" || (ls.Service != "sysmon" && ls.Service != "security") {
						return
					}
					for _, v := range fm.Values {
						if v.Kind != ast.ValNumber {
							continue
						}
						cat := sysmonCategories[v.Number]
						if ls.Service == "security" {
							cat = ""
							if v.Number == 4688 {
								cat = "process_creation"
							}
						}
						if cat != "" {
							p.Reportf(r, v.Pos, "%s EventID %s is covered by the generic logsource category %s", ls.Service, v.String(), cat)
						}
					}
				})
			}},
		{ID: "field-case", Severity: W, Category: CatDetection, Summary: "a field name differs only in case from the usual spelling",

			Run: runFieldCase},
	}
}

// runFieldCase reports fields that differ in case from the well-known or the majority spelling.
func runFieldCase(p *Pass) {
	type lsKey struct{ category, product, service string }
	type use struct {
		r  *ast.Rule
		fm *ast.FieldMatch
	}
	indexes := map[*string]map[string]string{} // per well-known list, keyed by its first element
	spellings := map[lsKey]map[string]map[string]int{}
	var uses []use
	p.FieldMatches(func(r *ast.Rule, _ *ast.Search, fm *ast.FieldMatch) {
		if fm.IsKeyword() {
			return
		}
		uses = append(uses, use{r, fm})
		k := lsKey{r.Logsource.Category, r.Logsource.Product, r.Logsource.Service}
		if spellings[k] == nil {
			spellings[k] = map[string]map[string]int{}
		}
		low := strings.ToLower(fm.Field)
		if spellings[k][low] == nil {
			spellings[k][low] = map[string]int{}
		}
		spellings[k][low][fm.Field]++
	})
	for _, u := range uses {
		field := u.fm.Field
		low := strings.ToLower(field)
		if list := fieldGroup(&u.r.Logsource); list != nil {
			ix := indexes[&list[0]]
			if ix == nil {
				ix = foldIndex(list)
				indexes[&list[0]] = ix
			}
			if known, ok := ix[low]; ok {
				if known != field {
					p.Reportf(u.r, u.fm.Pos, "field %q differs only in case from the well-known field %q", field, known)
				}
				continue
			}
		}
		k := lsKey{u.r.Logsource.Category, u.r.Logsource.Product, u.r.Logsource.Service}
		best, bestN, tie := "", 0, false
		for s, n := range spellings[k][low] {
			switch {
			case n > bestN:
				best, bestN, tie = s, n, false
			case n == bestN:
				tie = true
			}
		}
		if !tie && best != field {
			p.Reportf(u.r, u.fm.Pos, "field %q differs only in case from %q, which other rules of this logsource use %d times", field, best, bestN)
		}
	}
}
