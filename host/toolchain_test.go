package host

import "github.com/gatehouse/gatehouse/internal/wasmbuild"

// The toolchain helpers every language's tests share.
var (
	toolchainMissing = wasmbuild.Missing
	buildCommands    = wasmbuild.Commands
)
