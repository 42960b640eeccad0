package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validateSchema checks v against the subset of JSON Schema that testdata/build-report.schema.json
// uses: type (one or a list), const, enum, required, properties, additionalProperties (false or a
// schema), items and local $ref to $defs.
func validateSchema(root, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, _ := root["$defs"].(map[string]any)[name].(map[string]any)
		if def == nil {
			return []string{at + ": unknown $ref " + ref}
		}
		return validateSchema(root, def, v, at)
	}
	var errs []string
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		ok := false
		for _, ty := range types {
			ok = ok || jsonType(v, ty)
		}
		if !ok {
			return []string{fmt.Sprintf("%s: %T is not %v", at, v, types)}
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		errs = append(errs, fmt.Sprintf("%s: %v, want %v", at, v, c))
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || x == v
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v not in %v", at, v, e))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range asSlice(s["required"]) {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: lacks %s", at, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, x := range v {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, validateSchema(root, ps, x, at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					errs = append(errs, fmt.Sprintf("%s: unexpected %s", at, k))
				}
			case map[string]any:
				errs = append(errs, validateSchema(root, ap, x, at+"."+k)...)
			}
		}
	case []any:
		if is, ok := s["items"].(map[string]any); ok {
			for i, x := range v {
				if len(errs) > 20 {
					break
				}
				errs = append(errs, validateSchema(root, is, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func asSlice(x any) []any { s, _ := x.([]any); return s }

func jsonType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	}
	return false
}

// TestBuildReportSchema: the --report JSON of the corpus (with and without stock rules, and of a
// failed run) is valid against testdata/build-report.schema.json, the report's documented schema.
func TestBuildReportSchema(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "build-report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	// The validator itself refuses a report with a missing, an extra and a mistyped field.
	bad := map[string]any{"version": 1.0, "tool": "rulec", "target": "wazuh", "failed": "no", "extra": 1.0}
	if errs := validateSchema(schema, schema, bad, "$"); len(errs) < 3 {
		t.Errorf("validator accepts a bad report: %v", errs)
	}
	dir := t.TempDir()
	rules := filepath.Join("..", "..", "corpus", "rules")
	stock := filepath.Join("..", "..", "..", "shared", "reference", "wazuh-ruleset", "rules")
	runs := [][]string{
		{"--stock-rules", "none", rules},
		{"--stock-rules", "none", rules, filepath.Join(dir, "missing")},
	}
	if _, err := os.Stat(stock); err == nil {
		runs = append(runs, []string{"--stock-rules", stock, rules})
	}
	for _, args := range runs {
		report := filepath.Join(dir, "report.json")
		os.Remove(report)
		cliRun(t, "", append([]string{"build", "-o", filepath.Join(dir, "r.xml"), "--report", report}, args...)...)
		raw, err := os.ReadFile(report)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		if errs := validateSchema(schema, schema, v, "$"); len(errs) > 0 {
			t.Errorf("%v: report not valid against the schema:\n%s", args, strings.Join(errs, "\n"))
		}
	}
}
