//go:build !linux

package analysisd

import "context"

type state struct{}

// Unpack needs Linux: wazuh-analysisd is a Linux build.
func Unpack(archive, dir string) (*Engine, error) { return nil, ErrUnsupported }

// RulesFile is the generated rules' place: etc/rules/local_rules.xml.
func (e *Engine) RulesFile() string { return "" }

// StockLocalRules returns the stock local_rules.xml.
func (e *Engine) StockLocalRules() ([]byte, error) { return nil, ErrUnsupported }

// WriteRules installs a rules file as etc/rules/local_rules.xml.
func (e *Engine) WriteRules(rulesXML []byte) error { return ErrUnsupported }

// ConfigTest runs wazuh-analysisd -t.
func (e *Engine) ConfigTest(rulesXML []byte) (string, error) { return "", ErrUnsupported }

// Start runs the engine.
func (e *Engine) Start(ctx context.Context) error { return ErrUnsupported }

// Reload hot-reloads the ruleset.
func (e *Engine) Reload() error { return ErrUnsupported }

// Stop ends the engine.
func (e *Engine) Stop() {}

// Run sends events and returns their alerts.
func (e *Engine) Run(events []Event) ([]Result, error) { return nil, ErrUnsupported }
