// Package wazuh compiles Sigma rules (the typed AST and condition IR of the front
// end) into a Wazuh 4.x custom rules file.
//
// Each detection item becomes a `<field type="pcre2">` test whose pattern matches
// the value exactly as Wazuh sees it (see Encoding), a condition becomes a small
// tree of rules (AND in one rule, OR as sibling rules, NOT as level-0 children that
// suppress their parent), and each Sigma logsource is attached under the deepest
// stock rule that matches its events, as described by a Profile.
package wazuh
