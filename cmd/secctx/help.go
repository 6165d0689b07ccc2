package main

import (
	"fmt"
)

var helpCommand = &command{
	name:    "help",
	usage:   "[COMMAND]",
	summary: "show the help of secctx or of a command",
	long:    "Show the help of secctx, or of COMMAND (the same as 'secctx COMMAND --help').",
	example: "  secctx help verify",
	exits:   exitsPrint,
	args:    argsTopic,
	run:     runHelp,
}

// runHelp prints the help of secctx or of a command.
func runHelp(c *call) int {
	if len(c.args) == 0 {
		fmt.Fprint(c.env.stdout, mainHelp())
		return exitOK
	}
	topic := lookup(c.args[0])
	if topic == nil {
		return c.usage(usagef("%s", unknownCommand(c.args[0])))
	}
	fmt.Fprint(c.env.stdout, topic.help(topic.flagSet(&options{getenv: c.env.getenv})))
	return exitOK
}
