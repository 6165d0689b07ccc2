package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
	"github.com/spf13/pflag"

	"github.com/secctx/secctx/manifest"
)

// version and commit are set at build time with -ldflags
// "-X main.version=... -X main.commit=..." (make build, make release).
var (
	version = "dev"
	commit  = "unknown"
)

// Exit codes, a documented contract.
const (
	exitOK         = 0 // no drift at or above --fail-on
	exitDrift      = 1 // drift at or above --fail-on
	exitUsage      = 2 // bad usage or bad spec
	exitUnobserved = 3 // the process's state could not be observed at all
)

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// terminal reports whether w is a terminal (for --color=auto).
	terminal func(w io.Writer) bool
}

// args says what a command takes after its flags.
type args int

const (
	argsNone    args = iota // nothing
	argsFiles               // one or more files, directories or -
	argsCommand             // -- and a command to run
	argsTopic               // at most one command name
	argsShell               // one shell name
)

// command is one entry of the command table.
type command struct {
	name    string
	usage   string // what follows "secctx NAME" in the usage line
	summary string // one line, for the command list
	long    string // what the command does, for its help
	example string // examples, for its help
	exits   string // the exit codes, for its help
	args    args
	// flags registers the command's flags on fs; parsed values land in o.
	flags func(fs *pflag.FlagSet, o *options)
	// run runs the command with its parsed options and arguments.
	run func(c *call) int
}

// call is one run of a command.
type call struct {
	cmd  *command
	env  *env
	o    *options
	fs   *pflag.FlagSet
	args []string
	log  zerolog.Logger
}

// exitsVerify is the exit-code text of the commands that verify a process.
const exitsVerify = `  0  no drift at or above --fail-on (or --fail-on none)
  1  drift at or above --fail-on
  2  bad usage or bad spec (one line on stderr, nothing on stdout)
  3  the process's state could not be observed at all`

// exitsPrint is the exit-code text of the commands that print and compare
// nothing.
const exitsPrint = `  0  printed
  2  bad usage or bad input (one line on stderr, nothing on stdout)`

// commands is the table, in the order the help lists them.
var commands []*command

func init() {
	commands = []*command{
		verifyCommand, watchCommand, probeCommand, expectCommand, lintCommand, execCommand,
		checksCommand, renderCommand, versionCommand, helpCommand, completionCommand,
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// usageError is bad usage: exit 2 with one line on stderr pointing to the
// command's help.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// mainHelp is the help of secctx itself.
func mainHelp() string {
	var b strings.Builder
	b.WriteString(`secctx verifies, from inside a container, that its processes really have the
security state their Kubernetes securityContext declares, and reports the
drift.

Usage:
  secctx COMMAND [flags]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-11s %s\n", c.name, c.summary)
	}
	b.WriteString(`
The spec is taken from, first match wins: --spec FILE ("-" for stdin),
$SECCTX_SPEC_FILE (e.g. a ConfigMap mount), $SECCTX_SPEC (the manifest
inline); with none, verify uses the Pod Security Standards restricted
profile. It may be YAML or JSON, several documents, of kind Pod,
Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob, PodTemplate or List.

Exit codes:
` + exitsVerify + `

Run 'secctx COMMAND --help' or 'secctx help COMMAND' for a command's flags.
`)
	return b.String()
}

// help is a command's help.
func (c *command) help(fs *pflag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nUsage:\n  secctx %s %s\n", strings.TrimSpace(c.long), c.name, c.usage)
	if c.example != "" {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", strings.TrimRight(c.example, "\n"))
	}
	fmt.Fprintf(&b, "\nFlags:\n%s", fs.FlagUsagesWrapped(80))
	if c.exits != "" {
		fmt.Fprintf(&b, "\nExit codes:\n%s\n", c.exits)
	}
	return b.String()
}

// flagSet builds the command's flag set with its defaults.
func (c *command) flagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("secctx "+c.name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	if c.flags != nil {
		c.flags(fs, o)
	}
	fs.BoolP("help", "h", false, "show this help and exit")
	return fs
}

// run parses the arguments and runs the command; it returns the exit code.
func run(argv []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runEnv(argv, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, terminal: isTerminal})
}

func runEnv(argv []string, e *env) int {
	fail := func(msg, helpCmd string) int {
		fmt.Fprintf(e.stderr, "secctx: error: %s; see '%s --help'\n", oneLine(msg), helpCmd)
		return exitUsage
	}
	if len(argv) == 0 {
		return fail("no command given", "secctx")
	}
	name := argv[0]
	switch name {
	case "-h", "--help":
		if len(argv) > 1 {
			return fail(fmt.Sprintf("unexpected argument %q after %s", argv[1], name), "secctx")
		}
		fmt.Fprint(e.stdout, mainHelp())
		return exitOK
	case "--version":
		name = "version"
	}
	c := lookup(name)
	if c == nil {
		if strings.HasPrefix(name, "-") {
			return fail(fmt.Sprintf("unknown flag %s before the command (flags follow it: secctx COMMAND [flags])", name), "secctx")
		}
		return fail(unknownCommand(name), "secctx")
	}
	o := &options{getenv: e.getenv}
	fs := c.flagSet(o)
	helpCmd := "secctx " + c.name
	if err := fs.Parse(argv[1:]); err != nil {
		return fail(flagError(err), helpCmd)
	}
	if h, _ := fs.GetBool("help"); h {
		fmt.Fprint(e.stdout, c.help(fs))
		return exitOK
	}
	rest := fs.Args()
	if err := checkArgs(c, fs, rest); err != nil {
		return fail(err.Error(), helpCmd)
	}
	if err := o.check(fs); err != nil {
		return fail(err.Error(), helpCmd)
	}
	if c.args == argsCommand {
		rest = rest[fs.ArgsLenAtDash():]
	}
	log := newLogger(e.stderr, o.logLevel)
	if o.logFormat == "json" {
		log = newJSONLogger(e.stderr, o.logLevel)
	}
	return c.run(&call{cmd: c, env: e, o: o, fs: fs, args: rest, log: log})
}

// usage reports a usage error found after parsing: one line, with the
// pointer to the command's help.
func (c *call) usage(err error) int {
	fmt.Fprintf(c.env.stderr, "secctx: error: %s; see 'secctx %s --help'\n", oneLine(err.Error()), c.cmd.name)
	return exitUsage
}

// checkArgs checks what follows the flags.
func checkArgs(c *command, fs *pflag.FlagSet, rest []string) error {
	dash := fs.ArgsLenAtDash()
	switch c.args {
	case argsNone:
		if len(rest) > 0 {
			return usagef("unexpected argument %q (%s takes no arguments)", rest[0], c.name)
		}
	case argsFiles:
		if len(rest) == 0 {
			return usagef("%s needs a FILE, DIR or - (stdin)", c.name)
		}
	case argsCommand:
		switch {
		case dash < 0 && len(rest) > 0:
			return usagef("unexpected argument %q: put -- before the command to run (secctx exec [flags] -- CMD [ARGS...])", rest[0])
		case dash < 0:
			return usagef("exec needs -- and the command to run: secctx exec [flags] -- CMD [ARGS...]")
		case dash > 0:
			return usagef("unexpected argument %q before --", rest[0])
		case len(rest) == 0:
			return usagef("exec needs a command after --")
		}
	case argsTopic:
		if len(rest) > 1 {
			return usagef("unexpected argument %q (help takes one command)", rest[1])
		}
	case argsShell:
		if len(rest) != 1 {
			return usagef("completion needs one shell: bash, zsh or fish")
		}
	}
	return nil
}

// flagError turns a flag parser error into one line naming the flag.
func flagError(err error) string {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &notExist):
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			return fmt.Sprintf("unknown flag -%s in -%s", notExist.GetSpecifiedName(), s)
		}
		return "unknown flag --" + notExist.GetSpecifiedName()
	case errors.As(err, &needsValue):
		f := needsValue.GetFlag()
		return fmt.Sprintf("%s needs a value", flagName(f))
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		why := invalid.Unwrap().Error()
		switch f.Value.Type() {
		case "int":
			why = "want an integer"
		case "duration":
			why = "want a duration such as 30s or 5m"
		case "bool":
			why = "want true or false"
		}
		return fmt.Sprintf("%s %s: %s", flagName(f), strconv.Quote(invalid.GetValue()), why)
	case errors.As(err, &syntax):
		return "bad flag syntax " + syntax.GetSpecifiedFlag()
	}
	return err.Error()
}

func flagName(f *pflag.Flag) string { return "--" + f.Name }

// oneLine makes sure a message cannot break the one line of a usage
// error, or write control sequences to a terminal.
func oneLine(s string) string { return escape(s) }

// unknownCommand is the error for a command name not in the table, with
// the nearest one when it is near.
func unknownCommand(name string) string {
	msg := fmt.Sprintf("unknown command %q", name)
	if s := suggest(name); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// suggest returns the command nearest to name, if it is near.
func suggest(name string) string {
	best, bestD := "", 3
	for _, c := range commands {
		if d := manifest.EditDistance(name, c.name); d < bestD {
			best, bestD = c.name, d
		}
	}
	return best
}
