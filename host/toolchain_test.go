package host

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// toolchainMissing skips the test, or fails it when CI=true: in CI a
// missing toolchain must not pass silently. install says how to get it.
func toolchainMissing(t testing.TB, install, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; " + install
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// buildCommands returns the lines of the first comment of the source file
// src that start with prefix, split into fields: the plugin's build
// commands, written where its readers see them. It fails the test unless
// there are want of them.
func buildCommands(t testing.TB, src, prefix string, want int) [][]string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
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
	if len(cmds) != want {
		t.Fatalf("%s: want %d build command(s) starting with %q in its first comment, found %d", src, want, prefix, len(cmds))
	}
	return cmds
}
