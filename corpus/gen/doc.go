package gen

// The rules of corpus/rules compiled to Go matchers by rulec gen-go: an example
// of the go generate recipe in README.md ("Go-native matchers"). gen_test.go
// checks that the committed files are what the generator writes today and that
// they agree with the interpreter.

//go:generate go run github.com/rulec/rulec/cmd/rulec gen-go ../rules -pkg gen -o .
