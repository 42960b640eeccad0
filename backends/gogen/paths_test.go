package gogen

import "github.com/rulec/rulec/frontend"

// GeneratePaths loads rule files and folders with the front end (as the CLI does)
// and generates the package from every rule that loaded.
func GeneratePaths(paths []string, opts Options) (*Result, *frontend.Result, error) {
	loaded := frontend.Load(paths, frontend.Options{})
	res, err := Generate(loaded.Rules, opts)
	return res, loaded, err
}
