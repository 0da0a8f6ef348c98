package wasmbuild

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
)

// sourceCommands returns the lines of the first comment of the source file
// src that start with prefix, split into fields: the build commands of a
// reference plugin, written where its readers see them. Comment lines may
// start with //!, //, /* or *.
func sourceCommands(src, prefix string) ([][]string, error) {
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var cmds [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "*/") {
			break
		}
		line, comment := "", false
		for _, marker := range []string{"//!", "//", "/*", "*"} {
			if rest, ok := strings.CutPrefix(text, marker); ok {
				line, comment = strings.TrimSpace(rest), true
				break
			}
		}
		if !comment {
			break
		}
		if strings.HasPrefix(line, prefix+" ") {
			cmds = append(cmds, strings.Fields(line))
		}
	}
	return cmds, sc.Err()
}

// readmeCommands returns the lines of the code blocks of the Markdown file
// that start with prefix, split into fields: the build commands a project's
// README gives.
func readmeCommands(file, prefix string) ([][]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var cmds [][]string
	inCode := false
	for line := range strings.Lines(string(b)) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case strings.HasPrefix(line, "```"):
			inCode = !inCode
		case inCode && strings.HasPrefix(line, prefix+" "):
			cmds = append(cmds, strings.Fields(line))
		}
	}
	return cmds, nil
}

// outputFlags are the flags whose value is a file a build command writes;
// outputPrefixes are the arguments that end with one.
var (
	outputFlags    = []string{"-o", "--outFile"}
	outputPrefixes = []string{"-femit-bin="}
)

// written returns the files the commands write, in the order they first
// appear: the values of the output flags.
func written(cmds [][]string) []string {
	var outs []string
	for _, args := range cmds {
		for i, a := range args {
			out := ""
			if slices.Contains(outputFlags, a) && i+1 < len(args) {
				out = args[i+1]
			}
			for _, p := range outputPrefixes {
				if rest, ok := strings.CutPrefix(a, p); ok {
					out = rest
				}
			}
			if out != "" && !slices.Contains(outs, out) {
				outs = append(outs, out)
			}
		}
	}
	return outs
}

// plugin returns the plugin the commands build: the last file the last
// command writes, which must be a .wasm file.
func plugin(cmds [][]string) (string, error) {
	if len(cmds) > 0 {
		if outs := written(cmds[len(cmds)-1:]); len(outs) > 0 && strings.HasSuffix(outs[len(outs)-1], ".wasm") {
			return outs[len(outs)-1], nil
		}
	}
	return "", fmt.Errorf("the last build command writes no .wasm file with %s or %s: %q",
		strings.Join(outputFlags, " or "), strings.Join(outputPrefixes, ""), cmds)
}

// redirect returns a copy of cmds where every mention of outs[i], as a
// whole argument or after the "=" of one (-femit-bin=FILE,
// --extern crate=FILE), is to[i].
func redirect(cmds [][]string, outs, to []string) [][]string {
	res := make([][]string, len(cmds))
	for c, args := range cmds {
		res[c] = slices.Clone(args)
		for i, a := range args {
			for o, out := range outs {
				if a == out {
					res[c][i] = to[o]
				} else if before, ok := strings.CutSuffix(a, "="+out); ok {
					res[c][i] = before + "=" + to[o]
				}
			}
		}
	}
	return res
}
