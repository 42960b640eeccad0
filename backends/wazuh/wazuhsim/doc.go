// Package wazuhsim is a Wazuh 4.x rule engine for tests: it loads rule files (the
// stock ruleset and generated ones) the way wazuh-analysisd does (through the
// rule tree of package shadow, the one loader) and tells which
// rule an already-decoded event ends on, with Wazuh's ordering (level-0 children
// first, then higher levels, then load order; first match wins, no backtracking).
package wazuhsim
