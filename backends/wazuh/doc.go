// Package wazuh compiles Sigma rules (the typed AST and condition IR of the front
// end) into a Wazuh 4.x custom rules file.
//
// Each detection item becomes a `<field type="pcre2">` test whose pattern matches
// the value exactly as Wazuh sees it (see Encoding), a condition becomes sibling
// rules (AND in one rule, OR as siblings) whose tests hold exactly when the Sigma
// condition does: negations are pushed down to the tests and written negate="yes",
// or for eventchannel fields that may be absent as negated searches of the
// decoded event's JSON log; only conditions with no such form keep level-0
// children (Emission.Exceptions). Each Sigma logsource is attached under the
// deepest stock rules that match its events, as described by a Profile.
package wazuh
