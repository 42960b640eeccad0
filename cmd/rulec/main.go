// Command rulec compiles, lints, tests and converts Sigma detection rules.
//
// Exit status: 0 on success, 1 when an input failed (a file that does not
// load, a path that does not exist, a failing check, test or write), 2 on
// usage errors (unknown command or flag, invalid flag value, missing or extra
// arguments).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// exitError carries an exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a usage problem: run prints it and exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// failure is any other error of a command (writing output, building): exit status 1.
type failure struct{ err error }

func (e failure) Error() string { return e.err.Error() }
func (e failure) Unwrap() error { return e.err }

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "rulec",
		Usage:   "a Sigma rule toolchain: parse, lint, test and convert detection rules",
		Version: rulecVersion(),
		Description: "Exit status: 0 on success, 1 when an input failed (a file that does not load, a path that does\n" +
			"not exist, a failing check or test), 2 on usage errors. -o - writes to standard output; a file named by\n" +
			"-o is replaced only by a complete run. Run 'rulec help COMMAND' for a command's flags.",
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// The library adds --help only when it adds its own help command.
		Flags: []cli.Flag{cli.HelpFlag},
		Commands: []*cli.Command{
			irCommand(),
			buildCommand(),
			genGoCommand(),
			lintCommand(),
			scanCommand(),
			testCommand(),
			listCommand(),
			profileCommand(),
			versionCommand(),
			helpCommand(),
		},
		// No command, or an unknown one (the CLI library would say "No help topic" and exit 3).
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				cli.HelpPrinter(c.App.ErrWriter, cli.AppHelpTemplate, c.App)
				return exitError{2}
			}
			return unknownCommand(c, c.Args().First())
		},
		OnUsageError: onUsageError,
		// Never let the library end the process (it would from inside tests).
		ExitErrHandler: func(*cli.Context, error) {},
	}
	addPipelineFlags(app)
	for _, cmd := range app.Commands {
		cmd.OnUsageError = onUsageError
		if act := cmd.Action; act != nil {
			cmd.Action = func(c *cli.Context) error {
				err := act(c)
				var ee exitError
				var ue usageError
				if err == nil || errors.As(err, &ee) || errors.As(err, &ue) {
					return err
				}
				return failure{err}
			}
		}
	}
	return app
}

func run(args []string, stdout, stderr io.Writer) int {
	return runIO(args, os.Stdin, stdout, stderr)
}

// runIO runs the command line args with the given standard streams and returns the exit status.
func runIO(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.Run(flagsFirst(app, args))
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, ue.msg)
		return 2
	}
	fmt.Fprintf(stderr, "rulec: %v\n", err)
	var fe failure
	if errors.As(err, &fe) {
		return 1
	}
	// The CLI library's own errors.
	return 2
}

// onUsageError turns the CLI library's flag parsing errors into usage errors
// that suggest the closest flag and where the help is, instead of printing the
// whole help on standard output.
func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	msg := err.Error()
	where, help := "rulec", "rulec help"
	var flags []cli.Flag
	if isSubcommand && c.Command != nil {
		where, help = "rulec "+c.Command.Name, "rulec help "+c.Command.Name
		flags = c.Command.Flags
	} else {
		flags = c.App.Flags
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		msg = "flag " + dashes(strings.TrimLeft(name, "-")) + " needs a value"
	}
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		for _, f := range flags {
			names = append(names, f.Names()...)
		}
		msg = "unknown flag " + dashes(name)
		if s := closest(name, names); s != "" {
			msg += "; did you mean " + dashes(s) + "?"
		}
	}
	return usageError{fmt.Sprintf("%s: %s\nRun '%s' for usage.", where, msg, help)}
}

// dashes writes a flag name as it is typed: -o, --output.
func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func unknownCommand(c *cli.Context, name string) error {
	var names []string
	for _, cmd := range c.App.Commands {
		if !cmd.Hidden {
			names = append(names, cmd.Names()...)
		}
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := closest(name, names); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return usageError{"rulec: " + msg + "\nRun 'rulec help' for the commands."}
}

// closest returns the candidate nearest to s: a unique one that s is a prefix
// of, else the one at the smallest edit distance (transpositions count as one
// edit) when that is at most a third of the word, at least 1; "" when none is close.
func closest(s string, candidates []string) string {
	s = strings.ToLower(s)
	prefixed := ""
	for _, c := range candidates {
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			if prefixed != "" {
				prefixed = ""
				break
			}
			prefixed = c
		}
	}
	if prefixed != "" {
		return prefixed
	}
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(s, c)
		limit := max(1, len(c)/3)
		if d <= limit && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent letters.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}

func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "print the help of rulec or of a command",
		ArgsUsage: "[COMMAND]",
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return cli.ShowAppHelp(c)
			case 1:
			default:
				return usageError{"rulec help: give one command at most\nRun 'rulec help' for the commands."}
			}
			name := c.Args().First()
			if c.App.Command(name) == nil {
				return unknownCommand(c, name)
			}
			// The parent context lists the commands (the help command's own lists only itself).
			return cli.ShowCommandHelp(c.Lineage()[1], name)
		},
	}
}

// noArgs is a usage error when a command that takes no arguments is given some.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Sprintf("rulec %s: unexpected argument %q (it takes none)\nRun 'rulec help %s' for usage.", c.Command.Name, c.Args().First(), c.Command.Name)}
	}
	return nil
}

// enumFlag makes f accept only the given values: any other is a usage error
// (a flag Action, which runs when the flag is given).
func enumFlag(f *cli.StringFlag, choices ...string) *cli.StringFlag {
	f.Action = func(c *cli.Context, v string) error {
		for _, ch := range choices {
			if v == ch {
				return nil
			}
		}
		want := choices[0]
		if n := len(choices); n > 1 {
			want = strings.Join(choices[:n-1], ", ") + " or " + choices[n-1]
		}
		msg := fmt.Sprintf("rulec %s: invalid value %q for --%s (want %s)", c.Command.Name, v, f.Name, want)
		if s := closest(v, choices); s != "" {
			msg += "; did you mean " + s + "?"
		}
		return usageError{msg}
	}
	return f
}

// flagsFirst moves a command's flags ahead of its positional arguments, so that
// `rulec lint rules/ --format sarif` works like `rulec lint --format sarif rules/`
// (the CLI library stops reading flags at the first positional argument).
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.HasName(args[1]) {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	prefix, rest := args[:2], args[2:]
	if len(cmd.Subcommands) > 0 {
		// rulec profile show ...: the subcommand's flags.
		if len(rest) == 0 {
			return args
		}
		var sub *cli.Command
		for _, c := range cmd.Subcommands {
			if c.HasName(rest[0]) {
				sub = c
			}
		}
		if sub == nil {
			return args
		}
		cmd, prefix, rest = sub, args[:3], args[3:]
	}
	return reorderFlags(cmd, prefix, rest)
}

// reorderFlags returns prefix, then the flags of cmd among rest, then the other arguments.
func reorderFlags(cmd *cli.Command, prefix, rest []string) []string {
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, positional []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if takesValue[name] && !strings.Contains(name, "=") {
			if i+1 == len(rest) {
				// The last argument is a flag without its value: leave it last, alone,
				// for the library to say so (else it would take a path for its value).
				return append(append([]string(nil), prefix...), flags...)
			}
			i++
			flags = append(flags, rest[i])
		}
	}
	out := append(append([]string(nil), prefix...), flags...)
	return append(out, positional...)
}

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}
