package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

var completionCommand = &command{
	name:    "completion",
	usage:   "bash|zsh|fish",
	summary: "print a shell completion script",
	long: `Print a completion script for bash, zsh or fish, made from the command table
and each command's flags: commands, flags, the values of -o, --profile,
--fail-on, --color and the other flags with a fixed list, file names for
--spec and lint's arguments, commands after exec's --.`,
	example: `  # bash, for this shell
  source <(secctx completion bash)
  # bash, for every shell
  secctx completion bash > /etc/bash_completion.d/secctx

  # zsh
  secctx completion zsh > "${fpath[1]}/_secctx"

  # fish
  secctx completion fish > ~/.config/fish/completions/secctx.fish`,
	exits: exitsPrint,
	args:  argsShell,
	run:   runCompletion,
}

// shells are the shells completion writes scripts for.
var shells = map[string]func(io.Writer, []compCommand) error{
	"bash": writeBash,
	"zsh":  writeZsh,
	"fish": writeFish,
}

// runCompletion prints the completion script of a shell.
func runCompletion(c *call) int {
	write := shells[c.args[0]]
	if write == nil {
		return c.usage(usagef("unknown shell %q: want bash, zsh or fish", c.args[0]))
	}
	if err := write(c.env.stdout, completionModel()); err != nil {
		return c.fail(exitUsage, err)
	}
	return exitOK
}

// compFlag is a flag as the completion scripts see it.
type compFlag struct {
	long, short string
	value       bool     // takes a value
	repeat      bool     // may be given several times
	choices     []string // its values, when they are a fixed list
	files, dirs bool     // its value is a file, a directory
	usage       string
}

// compCommand is a command as the completion scripts see it.
type compCommand struct {
	name, summary string
	flags         []compFlag
	args          args
}

// completionModel reads the command table and every command's flags.
func completionModel() []compCommand {
	var out []compCommand
	for _, c := range commands {
		cc := compCommand{name: c.name, summary: c.summary, args: c.args}
		fs := c.flagSet(&options{getenv: func(string) string { return "" }})
		fs.VisitAll(func(f *pflag.Flag) {
			cf := compFlag{long: f.Name, short: f.Shorthand, value: f.Value.Type() != "bool", usage: f.Usage,
				repeat: f.Value.Type() == "stringArray"}
			if e, ok := f.Value.(*enumValue); ok {
				cf.choices = e.choices
			}
			_, cf.files = f.Annotations[annotFiles]
			_, cf.dirs = f.Annotations[annotDirs]
			cc.flags = append(cc.flags, cf)
		})
		out = append(out, cc)
	}
	return out
}

// commandNames lists the commands.
func commandNames() []string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return names
}

// brief is the first clause of a flag's usage, for a completion menu.
func brief(s string) string {
	for _, sep := range []string{" (", "; ", ": "} {
		if i := strings.Index(s, sep); i > 0 {
			s = s[:i]
		}
	}
	return s
}

func writeBash(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`# bash completion for secctx, written by 'secctx completion bash'.
# Load it in this shell with: source <(secctx completion bash)

_secctx() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    local cword=$COMP_CWORD
    if [ "$cword" -gt 0 ]; then prev=${COMP_WORDS[cword-1]}; fi
    # --flag=value: bash splits at the =.
    if [ "$cur" = "=" ]; then
        prev=${COMP_WORDS[cword-1]}; cur=
    elif [ "$prev" = "=" ] && [ "$cword" -gt 1 ]; then
        prev=${COMP_WORDS[cword-2]}
    fi
    if [ "$cword" -le 1 ]; then
        COMPREPLY=($(compgen -W "` + strings.Join(commandNames(), " ") + ` --help --version" -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} i
    case $cmd in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s)\n", c.name)
		if c.args == argsCommand {
			b.WriteString(`        for ((i = 2; i < cword; i++)); do
            if [ "${COMP_WORDS[i]}" = "--" ]; then
                COMPREPLY=($(compgen -c -- "$cur"))
                return
            fi
        done
`)
		}
		b.WriteString("        case $prev in\n")
		var names []string
		for _, f := range c.flags {
			names = append(names, "--"+f.long)
			if f.short != "" {
				names = append(names, "-"+f.short)
			}
			if !f.value {
				continue
			}
			pat := "--" + f.long
			if f.short != "" {
				pat = "-" + f.short + "|" + pat
			}
			switch {
			case len(f.choices) > 0:
				fmt.Fprintf(&b, "            %s) COMPREPLY=($(compgen -W %q -- \"$cur\")); return ;;\n", pat, strings.Join(f.choices, " "))
			case f.dirs:
				fmt.Fprintf(&b, "            %s) COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n", pat)
			case f.files:
				fmt.Fprintf(&b, "            %s) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", pat)
			default:
				fmt.Fprintf(&b, "            %s) return ;;\n", pat)
			}
		}
		b.WriteString("        esac\n")
		flags := strings.Join(names, " ")
		switch c.args {
		case argsFiles:
			fmt.Fprintf(&b, "        case $cur in\n            -*) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n            *) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n        esac\n", flags)
		case argsTopic:
			fmt.Fprintf(&b, "        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", strings.Join(commandNames(), " ")+" "+flags)
		case argsShell:
			fmt.Fprintf(&b, "        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", "bash zsh fish "+flags)
		case argsCommand:
			fmt.Fprintf(&b, "        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", flags+" --")
		default:
			fmt.Fprintf(&b, "        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n", flags)
		}
		b.WriteString("        ;;\n")
	}
	b.WriteString("    esac\n}\n\ncomplete -o default -F _secctx secctx\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote quotes s for a zsh single-quoted word.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// zshText makes s safe inside an _arguments description or a
// name:description pair.
func zshText(s string) string {
	r := strings.NewReplacer("[", "(", "]", ")", ":", `\:`, "`", "")
	return r.Replace(s)
}

func writeZsh(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`#compdef secctx
# zsh completion for secctx, written by 'secctx completion zsh'.
# Save it as _secctx in a directory of $fpath, or load it in this shell
# with: source <(secctx completion zsh)

_secctx() {
  local -a commands
  commands=(
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "    %s\n", zshQuote(c.name+":"+zshText(c.summary)))
	}
	b.WriteString(`  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'secctx command' commands
    return
  fi
  local cmd=${words[2]}
  shift words
  (( CURRENT-- ))
  case $cmd in
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "  %s)\n    _arguments -s -S \\\n", c.name)
		for _, f := range c.flags {
			desc := "[" + zshText(brief(f.usage)) + "]"
			action := ""
			if f.value {
				switch {
				case len(f.choices) > 0:
					action = ":" + f.long + ":(" + strings.Join(f.choices, " ") + ")"
				case f.dirs:
					action = ":" + f.long + ":_files -/"
				case f.files:
					action = ":" + f.long + ":_files"
				default:
					action = ":" + f.long + ": "
				}
			}
			long, short := "--"+f.long, ""
			if f.value {
				long += "="
			}
			if f.short != "" {
				short = "-" + f.short
				if f.value {
					short += "+"
				}
			}
			rep := ""
			if f.repeat {
				rep = "*"
			}
			switch {
			case short != "":
				excl := "(-" + f.short + " --" + f.long + ")"
				fmt.Fprintf(&b, "      %s{%s,%s}%s \\\n", zshQuote(rep+excl), short, long, zshQuote(desc+action))
			default:
				fmt.Fprintf(&b, "      %s \\\n", zshQuote(rep+long+desc+action))
			}
		}
		switch c.args {
		case argsFiles:
			b.WriteString("      '*:file:_files'\n")
		case argsTopic:
			fmt.Fprintf(&b, "      '1:command:(%s)'\n", strings.Join(commandNames(), " "))
		case argsShell:
			b.WriteString("      '1:shell:(bash zsh fish)'\n")
		case argsCommand:
			b.WriteString("      '*::command:_normal'\n")
		default:
			b.WriteString("      && return 0\n")
		}
		b.WriteString("    ;;\n")
	}
	b.WriteString(`  esac
}

if [[ ${zsh_eval_context[-1]} == loadautofunc ]]; then
  _secctx "$@"
else
  compdef _secctx secctx
fi
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes s for a fish single-quoted word.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func writeFish(w io.Writer, cmds []compCommand) error {
	var b strings.Builder
	b.WriteString(`# fish completion for secctx, written by 'secctx completion fish'.
# Save it as ~/.config/fish/completions/secctx.fish, or load it in this
# shell with: secctx completion fish | source

complete -c secctx -f
complete -c secctx -n __fish_use_subcommand -l help -s h -d 'show the help'
complete -c secctx -n __fish_use_subcommand -l version -d 'print the version'
`)
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c secctx -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	for _, c := range cmds {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		for _, f := range c.flags {
			line := "complete -c secctx -n " + cond
			if f.short != "" {
				line += " -s " + f.short
			}
			line += " -l " + f.long
			if f.value {
				switch {
				case len(f.choices) > 0:
					line += " -x -a " + fishQuote(strings.Join(f.choices, " "))
				case f.dirs:
					line += " -x -a '(__fish_complete_directories)'"
				case f.files:
					line += " -r -F"
				default:
					line += " -x"
				}
			}
			line += " -d " + fishQuote(brief(f.usage))
			b.WriteString(line + "\n")
		}
		switch c.args {
		case argsFiles:
			fmt.Fprintf(&b, "complete -c secctx -n %s -F\n", cond)
		case argsTopic:
			fmt.Fprintf(&b, "complete -c secctx -n %s -x -a %s\n", cond, fishQuote(strings.Join(commandNames(), " ")))
		case argsShell:
			fmt.Fprintf(&b, "complete -c secctx -n %s -x -a 'bash zsh fish'\n", cond)
		case argsCommand:
			fmt.Fprintf(&b, "complete -c secctx -n %s -x -a '(__fish_complete_command)'\n", fishQuote("__fish_seen_subcommand_from exec; and contains -- -- (commandline -opc)"))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
