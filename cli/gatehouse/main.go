// Command gatehouse runs sandboxed WebAssembly plugins for security
// automation. Run `gatehouse --help` for its commands.
package main

import (
	"os"

	"github.com/gatehouse/gatehouse/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
