package wazuhsim

// Decode presents the input to Wazuh's decoders (see Input) and returns the decoded event.
func (in Input) Decode() (*Event, error) { return in.decode() }
