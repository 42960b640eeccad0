package lint

// Checks returns the catalogue: every check, grouped by category, in a stable order.
// Each call builds fresh values, so callers may keep or change what they get.
func Checks() []*Check {
	var out []*Check
	for _, group := range [][]*Check{
		syntaxChecks(),
		metadataChecks(),
		tagChecks(),
		logsourceChecks(),
		detectionChecks(),
		conditionChecks(),
		regexChecks(),
		correlationChecks(),
		wazuhChecks(),
	} {
		out = append(out, group...)
	}
	return out
}

// Lookup returns the catalogue's check with the given id, or nil.
func Lookup(id string) *Check {
	for _, c := range Checks() {
		if c.ID == id {
			return c
		}
	}
	return nil
}
