package main

import (
	"fmt"
	"strings"
)

// plotNotBuilt returns the error of -plot in an aiobench built without the
// plot tag: one line that says how to get the plot, repeating the command
// line args (or just -plot path if there are none) after go run -tags plot.
func plotNotBuilt(path string, args []string) error {
	if len(args) == 0 {
		args = []string{"-plot", path}
	}
	quoted := make([]string, len(args))
	for i, arg := range args {
		quoted[i] = shellQuote(arg)
	}
	return fmt.Errorf("-plot %q: this aiobench is built without plotting, so that its build downloads no plotting "+
		"modules; the plot build tag adds it (gonum.org/v1/plot): go run -tags plot . %s (in cmd/aiobench)",
		path, strings.Join(quoted, " "))
}

// shellQuote returns arg as a shell would need it typed: as it is if it
// holds nothing that the shell treats specially, else in single quotes.
func shellQuote(arg string) string {
	safe := arg != "" && strings.IndexFunc(arg, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,=:+@%", r))
	}) < 0
	if safe {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'\''`) + "'"
}
