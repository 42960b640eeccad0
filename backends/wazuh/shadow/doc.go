// Package shadow is the Wazuh backend's static shadowing analysis: it builds
// wazuh-analysisd's rule tree from rules files (the stock ruleset and a
// generated file) and tells which siblings Wazuh tries before a rule and can
// take its events (first match wins, no backtracking), deciding on automata
// whether two rules' tests can hold on one event. It runs no events and
// depends neither on the simulator (wazuhsim, which runs events through the
// tree loaded here) nor on the Sigma engine.
package shadow
