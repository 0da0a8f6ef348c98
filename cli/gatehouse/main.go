// Command gatehouse runs sandboxed WebAssembly plugins for security
// automation. Run `gatehouse --help` for its commands.
package main

import (
	"context"
	"os"

	"github.com/gatehouse/gatehouse/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
