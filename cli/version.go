package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/abi"
)

// version and commit are set at link time, as the Taskfile's build does:
//
//	go build -ldflags "-X github.com/gatehouse/gatehouse/cli.version=1.2.0 -X github.com/gatehouse/gatehouse/cli.commit=$(git rev-parse HEAD)" ./cli/gatehouse
//
// Without them, versionInfo takes the module version and the commit that
// the Go toolchain recorded in the binary.
var version, commit string

// Modules whose versions versionInfo reports.
const (
	wazeroModule = "github.com/tetratelabs/wazero"
	extismModule = "github.com/extism/go-sdk"
)

// buildInfo is what the binary knows of its build.
type buildInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified,omitempty"` // built from a work tree with changes
	Go       string `json:"go"`
	Wazero   string `json:"wazero"`
	Extism   string `json:"extism"`
	ABI      string `json:"abi"`
}

// versionInfo returns the build of the running binary. read is
// debug.ReadBuildInfo, or a stand-in in tests.
func versionInfo(read func() (*debug.BuildInfo, bool)) buildInfo {
	b := buildInfo{Version: version, Commit: commit, Go: runtime.Version(), ABI: abi.Version, Wazero: "unknown", Extism: "unknown"}
	if bi, ok := read(); ok {
		// go install MODULE@VERSION records VERSION; a build in a checkout
		// records a version derived from the commit and tags, or "(devel)".
		if v := bi.Main.Version; b.Version == "" && v != "" && v != "(devel)" {
			b.Version = v
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			case s.Key == "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			switch d.Path {
			case wazeroModule:
				b.Wazero = d.Version
			case extismModule:
				b.Extism = d.Version
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// write prints b as text.
func (b buildInfo) write(w io.Writer) {
	c := b.Commit
	if b.Modified {
		c += " (modified)"
	}
	fmt.Fprintf(w, "gatehouse %s\ncommit  %s\ngo      %s\nwazero  %s\nextism  %s (go-sdk)\nabi     %s (%s)\n",
		b.Version, c, strings.TrimPrefix(b.Go, "go"), b.Wazero, b.Extism, b.ABI, abi.Marker)
}

func newVersionCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit and the versions gatehouse is built with",
		Long: `Version prints gatehouse's version and commit, and the versions of Go, of
wazero (the WebAssembly runtime), of the Extism Go SDK and of the plugin ABI
it was built with. gatehouse --version prints the same.`,
		Example: `  gatehouse version
  gatehouse version --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			asJSON, err := jsonOutput(cmd)
			if err != nil {
				return err
			}
			b := versionInfo(debug.ReadBuildInfo)
			if asJSON {
				return printJSON(cmd.OutOrStdout(), b)
			}
			b.write(cmd.OutOrStdout())
			return nil
		},
	}
	addOutputFlag(cmd)
	return cmd
}
