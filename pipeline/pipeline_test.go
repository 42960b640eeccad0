package pipeline

import (
	"strings"
	"testing"
)

// sigmaRule is pySigma's tests/test_processing_transformations.py sigma_rule fixture.
const sigmaRule = `title: Test
logsource:
  category: test
detection:
  test:
    - field1: value1
      field2: value2
      field3: value3
  condition: test
fields: [otherfield1, field1, field2, field3, otherfield2]
`

func TestTransformations(t *testing.T) {
	tests := []struct {
		name, pipeline, rule, want string
	}{
		{"field_name_mapping one-to-one and one-to-many", `
transformations:
  - id: test
    type: field_name_mapping
    mapping: {field1: fieldA, field3: [fieldC, fieldD]}
`, sigmaRule, `logsource: category=test product= service=
test: and(fieldA="value1", field2="value2", or(fieldC="value3", fieldD="value3"))
condition: test
fields: otherfield1,fieldA,field2,fieldC,fieldD,otherfield2
applied: test
`},
		{"field_name_prefix_mapping", `
transformations:
  - id: test
    type: field_name_prefix_mapping
    mapping: {test1.: mapped1., test2.: [mapped2a., mapped2b.]}
`, `title: Test
logsource: {category: test}
detection:
  test:
    - test1.field: value1
      test2.field: value2
      otherfield: value3
  condition: test
fields: [otherfield1, test1.field, test2.field, otherfield2]
`, `logsource: category=test product= service=
test: and(mapped1.field="value1", or(mapped2a.field="value2", mapped2b.field="value2"), otherfield="value3")
condition: test
fields: otherfield1,mapped1.field,mapped2a.field,mapped2b.field,otherfield2
applied: test
`},
		{"field_name_suffix keeps keywords", `
transformations:
  - type: field_name_suffix
    suffix: .test
    id: s
`, `title: Test
logsource: {category: test}
detection:
  test:
    field1|contains: value1
  kw: [value1, value2]
  condition: test or kw
`, `logsource: category=test product= service=
test: field1.test|contains="*value1*"
kw: <keyword>=["value1","value2"]
condition: test or kw
applied: s
`},
		{"field_name_prefix with field name condition", `
transformations:
  - type: field_name_prefix
    prefix: win.
    field_name_conditions:
      - type: include_fields
        fields: ['field[12]']
        mode: re
`, sigmaRule, `logsource: category=test product= service=
test: and(win.field1="value1", win.field2="value2", field3="value3")
condition: test
fields: otherfield1,win.field1,win.field2,field3,otherfield2
applied: field_name_prefix@p.yml:3:5
`},
		{"drop_detection_item with include_fields", `
transformations:
  - type: drop_detection_item
    field_name_conditions: [{type: include_fields, fields: [field2]}]
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="value1", field3="value3")
condition: test
fields: otherfield1,field1,field2,field3,otherfield2
applied: drop_detection_item@p.yml:3:5
`},
		{"drop_detection_item after set_state (pySigma test_drop_detection_item_transformation_with_set_state)", `
transformations:
  - id: test
    type: set_state
    key: state
    val: test
    rule_conditions: [{type: contains_detection_item, field: field2, value: value2}]
  - type: drop_detection_item
    field_name_conditions: [{type: include_fields, fields: [field2]}]
    rule_conditions: [{type: processing_item_applied, processing_item_id: test}]
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="value1", field3="value3")
condition: test
fields: otherfield1,field1,field2,field3,otherfield2
applied: test,drop_detection_item@p.yml:8:5
`},
		{"add_condition", `
transformations:
  - id: ac
    type: add_condition
    name: _cond_x
    conditions: {EventID: 1, Image|endswith: [\a.exe, \b.exe]}
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="value1", field2="value2", field3="value3")
_cond_x: and(EventID=1, Image|endswith=["*\\a.exe","*\\b.exe"])
condition: _cond_x and test
fields: otherfield1,field1,field2,field3,otherfield2
applied: ac
`},
		{"add_condition negated with template", `
transformations:
  - type: add_condition
    name: _c
    negated: true
    template: true
    conditions: {source: "$category-$product"}
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="value1", field2="value2", field3="value3")
_c: source="test-None"
condition: not _c and test
fields: otherfield1,field1,field2,field3,otherfield2
applied: add_condition@p.yml:3:5
`},
		{"change_logsource with logsource condition", `
transformations:
  - id: cl
    type: change_logsource
    category: process_creation
    product: windows
    rule_conditions: [{type: logsource, category: test}]
  - id: never
    type: change_logsource
    service: other
    rule_conditions: [{type: logsource, category: test}]
`, sigmaRule, `logsource: category=process_creation product=windows service=
test: and(field1="value1", field2="value2", field3="value3")
condition: test
fields: otherfield1,field1,field2,field3,otherfield2
applied: cl
`},
		{"replace_string simple (test_replace_string_simple)", `
transformations:
  - {id: r, type: replace_string, regex: value, replacement: test}
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="test1", field2="test2", field3="test3")
condition: test
fields: otherfield1,field1,field2,field3,otherfield2
applied: r
`},
		{"replace_string specials and numbers (test_replace_string_specials)", `
transformations:
  - {type: replace_string, regex: '^.*\\', replacement: /}
`, `title: Test
logsource: {category: test}
detection:
  test:
    - field1: '*\value'
      field2: 123
  condition: test
`, `logsource: category=test product= service=
test: and(field1="/value", field2="123")
condition: test
applied: replace_string@p.yml:3:5
`},
		{"replace_string capture groups and skip_special", `
transformations:
  - {type: replace_string, regex: '(\w+)\.exe', replacement: '\1.bin', skip_special: true}
`, `title: Test
logsource: {category: test}
detection:
  test:
    Image|endswith: '\cmd.exe'
  condition: test
`, `logsource: category=test product= service=
test: Image|endswith="*\\cmd.bin"
condition: test
applied: replace_string@p.yml:3:5
`},
		{"match_string detection item condition", `
transformations:
  - type: field_name_suffix
    suffix: _lower
    detection_item_conditions: [{type: match_string, pattern: '^val.*[13]$', cond: any}]
`, sigmaRule, `logsource: category=test product= service=
test: and(field1_lower="value1", field2="value2", field3_lower="value3")
condition: test
fields: otherfield1_lower,field1_lower,field2_lower,field3_lower,otherfield2_lower
applied: field_name_suffix@p.yml:3:5
`},
		{"match_value", `
transformations:
  - type: drop_detection_item
    detection_item_conditions: [{type: match_value, value: 4688, cond: any}]
  - type: field_name_suffix
    suffix: _s
    detection_item_conditions: [{type: match_value, value: 'a*', cond: all}]
`, `title: Test
logsource: {category: test}
detection:
  test:
    EventID: [1, 4688]
    x: ['a*', 'a\*']
    y: 'a*'
  condition: test
`, `logsource: category=test product= service=
test: and(x=["a*","a\\*"], y_s="a*")
condition: test
applied: drop_detection_item@p.yml:3:5,field_name_suffix@p.yml:5:5
`},
		{"is_null and negation", `
transformations:
  - type: field_name_prefix
    prefix: n.
    detection_item_conditions: [{type: is_null, cond: all}]
  - type: field_name_prefix
    prefix: x.
    detection_item_conditions: [{type: is_null, cond: any}]
    detection_item_cond_not: true
`, `title: Test
logsource: {category: test}
detection:
  test:
    a: null
    b: 1
  condition: test
`, `logsource: category=test product= service=
test: and(n.a=null, x.b=1)
condition: test
applied: field_name_prefix@p.yml:3:5,field_name_prefix@p.yml:6:5
`},
		{"tag, rule_attribute and or-linking", `
transformations:
  - id: high
    type: set_state
    key: k
    val: 1
    rule_cond_op: or
    rule_conditions:
      - {type: tag, tag: attack.t1000}
      - {type: rule_attribute, attribute: level, value: high, op: gte}
  - id: mapped
    type: field_name_mapping
    mapping: {field1: f1}
    rule_conditions: [{type: processing_state, key: k, val: 1}]
  - id: lowonly
    type: field_name_mapping
    mapping: {field2: f2}
    rule_conditions: [{type: rule_attribute, attribute: level, value: low, op: lte}]
`, `title: Test
level: critical
logsource: {category: test}
detection:
  test:
    field1: a
    field2: b
  condition: test
`, `logsource: category=test product= service=
test: and(f1="a", field2="b")
condition: test
applied: high,mapped
`},
		// As in pySigma, field names are tracked (for the field name condition processing_item_applied)
		// when the rule's fields list or a field reference is mapped, and the fields list is mapped
		// before the detection items: fieldA's record moves to fieldA.keyword, so the detection item
		// fieldA is no longer "processed by m" when the suffix item looks at it.
		{"exclude_fields and field processing_item_applied", `
transformations:
  - id: m
    type: field_name_mapping
    mapping: {field1: fieldA, field2: fieldB}
  - type: field_name_suffix
    suffix: .keyword
    field_name_conditions: [{type: processing_item_applied, processing_item_id: m}]
  - type: field_name_prefix
    prefix: raw.
    field_name_conditions: [{type: exclude_fields, fields: [fieldA, fieldB.keyword]}]
`, sigmaRule, `logsource: category=test product= service=
test: and(fieldA="value1", raw.fieldB="value2", raw.field3="value3")
condition: test
fields: raw.otherfield1,raw.fieldA.keyword,fieldB.keyword,raw.field3,raw.otherfield2
applied: m,field_name_suffix@p.yml:6:5,field_name_prefix@p.yml:9:5
`},
		{"detection item processing_item_applied", `
transformations:
  - id: m
    type: field_name_mapping
    mapping: {field1: fieldA}
  - type: replace_string
    regex: value
    replacement: v
    detection_item_conditions: [{type: processing_item_applied, processing_item_id: m}]
`, sigmaRule, `logsource: category=test product= service=
test: and(fieldA="v1", field2="value2", field3="value3")
condition: test
fields: otherfield1,fieldA,field2,field3,otherfield2
applied: m,replace_string@p.yml:6:5
`},
		{"placeholders", `
vars:
  admins: [root, 'adm*']
transformations:
  - type: value_placeholders
    include: [admins]
  - type: wildcard_placeholders
`, `title: Test
logsource: {category: test}
detection:
  test:
    user|expand: '%admins%'
    host|expand: 'srv-%site%'
  condition: test
`, `logsource: category=test product= service=
test: and(user|expand=["root","adm*"], host|expand="srv-*")
condition: test
applied: value_placeholders@p.yml:5:5,wildcard_placeholders@p.yml:7:5
`},
		{"condition expressions", `
transformations:
  - id: expr
    type: field_name_prefix
    prefix: x.
    rule_cond_expr: not wrong_category and (critical or tagged)
    rule_conditions:
      wrong_category: {type: logsource, category: other}
      critical: {type: rule_attribute, attribute: level, value: critical}
      tagged: {type: tag, tag: attack.t1000}
    field_name_cond_expr: f1 or (f2 and not f3)
    field_name_conditions:
      f1: {type: include_fields, fields: [field1]}
      f2: {type: include_fields, fields: [field2, field3]}
      f3: {type: include_fields, fields: [field3]}
    detection_item_cond_expr: v
    detection_item_conditions:
      v: {type: match_string, pattern: value, cond: any}
`, "title: Test\nlevel: critical\nlogsource: {category: test}\ndetection:\n  test:\n    field1: value1\n    field2: value2\n    field3: value3\n  condition: test\n", `logsource: category=test product= service=
test: and(x.field1="value1", x.field2="value2", field3="value3")
condition: test
applied: expr
`},
		{"map_string, set_value, convert_type", `
transformations:
  - type: map_string
    mapping: {'*\cmd.exe': ['*\cmd.exe', '*\pwsh.exe'], other: x}
    field_name_conditions: [{type: include_fields, fields: [Image]}]
  - type: set_value
    value: 4688
    field_name_conditions: [{type: include_fields, fields: [EventID]}]
  - type: convert_type
    target_type: str
    field_name_conditions: [{type: include_fields, fields: [EventID]}]
  - type: convert_type
    target_type: num
    field_name_conditions: [{type: include_fields, fields: [Port]}]
`, `title: Test
logsource: {category: test}
detection:
  test:
    Image|endswith: '\cmd.exe'
    EventID: [1, 2]
    Port: '445'
  condition: test
`, `logsource: category=test product= service=
test: and(Image|endswith=["*\\cmd.exe","*\\pwsh.exe"], EventID=["4688","4688"], Port=445)
condition: test
applied: map_string@p.yml:3:5,set_value@p.yml:6:5,convert_type@p.yml:9:5,convert_type@p.yml:12:5
`},
		{"nest, case, regex", `
transformations:
  - id: outer
    type: nest
    rule_conditions: [{type: logsource, category: test}]
    items:
      - id: up
        type: case
        method: upper
        field_name_conditions: [{type: include_fields, fields: [a]}]
      - id: snake
        type: case
        method: snake_case
        field_name_conditions: [{type: include_fields, fields: [d]}]
      - id: re
        type: regex
        field_name_conditions: [{type: include_fields, fields: [b]}]
      - id: flag
        type: regex
        method: ignore_case_flag
        field_name_conditions: [{type: include_fields, fields: [c]}]
  - id: after
    type: field_name_suffix
    suffix: _x
    detection_item_conditions: [{type: processing_item_applied, processing_item_id: up}]
`, `title: Test
logsource: {category: test}
detection:
  test:
    a|contains: cmd
    b|startswith: 'Ab-1.'
    c: 'x?y z'
    d|endswith: 'ProcessId*GuiD'
  condition: test
`, `logsource: category=test product= service=
test: and(a_x|contains="*CMD*", b|startswith=/[aA][bB]\-1\..*/, c=/x.y\ z/i, d|endswith="*process_id*gui_d")
condition: test
applied: outer,up,snake,re,flag,after
`},
		{"add_field, remove_field, set_field", `
transformations:
  - {type: add_field, field: [x, y]}
  - {type: remove_field, field: field1}
`, sigmaRule, `logsource: category=test product= service=
test: and(field1="value1", field2="value2", field3="value3")
condition: test
fields: otherfield1,field2,field3,otherfield2,x,y
applied: add_field@p.yml:3:5,remove_field@p.yml:4:5
`},
		{"correlation rule field mapping (test_field_mapping_correlation_rule)", `
transformations:
  - type: field_name_mapping
    mapping: {field1: fieldA, field3: [fieldC, fieldD], testalias: something_different}
`, `title: base
name: testrule_1
logsource: {category: test}
detection:
  sel: {field1: a}
  condition: sel
---
title: base2
name: testrule_2
logsource: {category: test}
detection:
  sel: {field2: a}
  condition: sel
---
title: Test
status: test
correlation:
  type: value_count
  rules: [testrule_1, testrule_2]
  timespan: 5m
  group-by: [testalias, field2, field3]
  condition: {gte: 10, field: field1}
  aliases:
    testalias: {testrule_1: field1, testrule_2: field2}
`, `logsource: category=test product= service=
sel: fieldA="a"
condition: sel
applied: field_name_mapping@p.yml:3:5
---
logsource: category=test product= service=
sel: field2="a"
condition: sel
applied: field_name_mapping@p.yml:3:5
---
logsource: category= product= service=
group-by: testalias,field2,fieldC,fieldD
alias testalias: testrule_1=fieldA
alias testalias: testrule_2=field2
field: fieldA
applied: field_name_mapping@p.yml:3:5
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := process(t, tc.pipeline, tc.rule)
			if diags.HasErrors() {
				t.Fatalf("diagnostics: %v", diags)
			}
			if got != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	tests := []struct{ name, pipeline, want string }{
		{"rule_failure", `
transformations:
  - type: rule_failure
    message: unsupported logsource
    rule_conditions: [{type: logsource, category: test}]
`, "r.yml:1:1: error: unsupported logsource (pipeline item rule_failure@p.yml:3:5 at p.yml:3:5) [pipeline]"},
		{"detection_item_failure", `
transformations:
  - type: detection_item_failure
    message: field2 cannot be mapped
    field_name_conditions: [{type: include_fields, fields: [field2]}]
`, "r.yml:1:1: error: r.yml:7:7: field2 cannot be mapped (pipeline item detection_item_failure@p.yml:3:5 at p.yml:3:5) [pipeline]"},
		{"strict_field_mapping_failure (pySigma test_strict_mapped_fields)", `
transformations:
  - type: field_name_mapping
    mapping: {field1: fieldA, field2: [fieldB, fieldC]}
  - type: strict_field_mapping_failure
`, "r.yml:1:1: error: the following fields are not mapped: field3 (pipeline item strict_field_mapping_failure@p.yml:5:5 at p.yml:5:5) [pipeline]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := process(t, tc.pipeline, sigmaRule)
			if got != "" {
				t.Errorf("rule kept after failure:\n%s", got)
			}
			if len(diags) != 1 || diags[0].Error() != tc.want {
				t.Errorf("diagnostics %v, want %s", diags, tc.want)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	tests := []struct{ name, pipeline, want string }{
		{"unknown transformation", "transformations:\n  - type: frobnicate\n", `p.yml:2:11: error: unknown transformation type "frobnicate"`},
		{"unsupported transformation", "transformations:\n  - type: field_name_transform\n    mapping: {}\n", `p.yml:2:11: error: transformation "field_name_transform" is not supported by rulec`},
		{"bad case method", "transformations:\n  - type: case\n    method: title\n", `p.yml:2:11: error: invalid method "title" for case`},
		{"error inside nest", "transformations:\n  - type: nest\n    items:\n      - type: field_name_suffix\n", `p.yml:4:15: error: transformation field_name_suffix needs the parameter "suffix"`},
		{"set_value force_type", "transformations:\n  - {type: set_value, value: abc, force_type: num}\n", `p.yml:2:30: error: value "abc" can't be converted to a number`},
		{"unknown parameter", "transformations:\n  - type: field_name_suffix\n    suffix: x\n    sufix: y\n", `p.yml:4:5: error: transformation field_name_suffix has no parameter "sufix"`},
		{"missing parameter", "transformations:\n  - type: field_name_suffix\n", `p.yml:2:11: error: transformation field_name_suffix needs the parameter "suffix"`},
		{"unknown rule condition", "transformations:\n  - type: set_state\n    key: a\n    val: b\n    rule_conditions:\n      - type: nope\n", `p.yml:6:15: error: unknown rule condition "nope"`},
		{"unknown detection item condition", "transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - {type: match_values, value: 1, cond: any}\n", `p.yml:4:16: error: unknown detection item condition "match_values"`},
		{"bad cond", "transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - {type: match_value, value: 1, cond: some}\n", `p.yml:4:45: error: the value "some" for the 'cond' parameter is invalid`},
		{"cond_expr without map", "transformations:\n  - type: drop_detection_item\n    rule_cond_expr: a and b\n", `p.yml:3:21: error: rule_cond_expr needs rule_conditions as a map`},
		{"cond_expr with op", "transformations:\n  - type: drop_detection_item\n    rule_cond_op: or\n    rule_cond_expr: a\n    rule_conditions: {a: {type: is_sigma_rule}}\n", `p.yml:3:5: error: rule_cond_op and rule_cond_expr are mutually exclusive`},
		{"cond_expr unknown id", "transformations:\n  - type: drop_detection_item\n    rule_cond_expr: a and b\n    rule_conditions: {a: {type: is_sigma_rule}}\n", `p.yml:3:21: error: rule_cond_expr: condition identifier "b" not found`},
		{"cond_expr unreferenced", "transformations:\n  - type: drop_detection_item\n    rule_cond_expr: a\n    rule_conditions: {a: {type: is_sigma_rule}, b: {type: is_sigma_rule}}\n", `p.yml:3:21: error: rule_cond_expr: unreferenced condition items: b`},
		{"cond_expr syntax", "transformations:\n  - type: drop_detection_item\n    rule_cond_expr: a and (b or\n    rule_conditions: {a: {type: is_sigma_rule}, b: {type: is_sigma_rule}}\n", `p.yml:3:32: error: rule_cond_expr: unexpected end of the expression`},
		{"postprocessing", "postprocessing:\n  - type: embed\n", `p.yml:1:1: error: postprocessing is not supported`},
		{"unknown key", "name: x\ntransformation: []\n", `p.yml:2:1: error: unknown pipeline key "transformation"`},
		{"bad regex", "transformations:\n  - {type: replace_string, regex: '(?<=a)b', replacement: c}\n", `p.yml:2:35: error: replace_string: regular expression "(?<=a)b" is invalid`},
		{"bad cond op", "transformations:\n  - {type: drop_detection_item, rule_cond_op: xor}\n", `p.yml:2:47: error: rule_cond_op must be and or or`},
		{"yaml error", "transformations: [\n", `p.yml:1:1: error:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("p.yml", []byte(tc.pipeline))
			if len(diags) == 0 {
				t.Fatalf("no diagnostic, want %s", tc.want)
			}
			if !strings.HasPrefix(diags[0].Error(), tc.want) {
				t.Errorf("got %v\nwant prefix %s", diags, tc.want)
			}
		})
	}
}

func TestPriorityOrder(t *testing.T) {
	a, _ := Parse("a.yml", []byte("priority: 20\ntransformations: [{id: a, type: field_name_suffix, suffix: .a}]\n"))
	b, _ := Parse("b.yml", []byte("priority: 10\ntransformations: [{id: b, type: field_name_suffix, suffix: .b}]\n"))
	c, _ := Parse("c.yml", []byte("priority: 10\ntransformations: [{id: c, type: field_name_suffix, suffix: .c}]\n"))
	chain := Resolve([]*Pipeline{a, c, b})
	var ids []string
	for _, it := range chain.Items {
		ids = append(ids, it.ID)
	}
	if got := strings.Join(ids, ","); got != "b,c,a" {
		t.Errorf("order %s, want b,c,a (priority, then file name)", got)
	}
}

// TestHostile: self-referencing anchors, alias bombs and deep nesting are refused with a
// diagnostic, quickly, instead of recursing without end.
func TestHostile(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"self-referencing nest", "transformations:\n  - &a {type: nest, items: [*a]}\n", "nests deeper than 100 levels"},
		{"alias bomb", "transformations:\n  - type: add_condition\n    conditions:\n      a: &a [x,x,x,x,x,x,x,x,x,x]\n      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n      f: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n", "more than 200000 YAML nodes"},
		{"too large", "name: " + strings.Repeat("x", 5<<20) + "\n", "over 4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, diags := Parse("p.yml", []byte(tc.text))
			if len(diags) != 1 || !strings.Contains(diags[0].Message, tc.want) {
				t.Errorf("diagnostics %v, want %q", diags, tc.want)
			}
		})
	}
	// A plain alias is expanded as pySigma's YAML loader does.
	got, diags := process(t, "x: &fields [field1, field2]\n", sigmaRule)
	if len(diags) == 0 || got != "" {
		t.Errorf("unknown top-level key with an anchor: %v %q", diags, got)
	}
	got, diags = process(t, "transformations:\n  - id: d\n    type: drop_detection_item\n    field_name_conditions: [{type: include_fields, fields: &f [field1]}]\n  - type: field_name_suffix\n    suffix: .x\n    field_name_conditions: [{type: include_fields, fields: *f}]\n", sigmaRule)
	if diags.HasErrors() || !strings.Contains(got, `test: and(field2="value2", field3="value3")`) || !strings.Contains(got, "fields: otherfield1,field1.x,field2") {
		t.Errorf("aliases: %v\n%s", diags, got)
	}
}
