// Package gatehouse holds the files of the repository that plugin projects
// are made of, embedded so that `gatehouse plugin new` writes projects that
// build without a checkout: the plugin development kits of abi/pdk, the abi
// package the Go kit imports, and the go.mod, go.sum and package.json that
// pin their dependencies and toolchains.
package gatehouse

import "embed"

// Kits holds the kit files, by their paths in the repository.
//
//go:embed go.mod go.sum package.json abi/*.go abi/internal/wire/*.go abi/pdk/go
//go:embed abi/pdk/c/gatehouse.h abi/pdk/c/gatehouse.c abi/pdk/rust/Cargo.toml abi/pdk/rust/src
//go:embed abi/pdk/zig/gatehouse.zig abi/pdk/assemblyscript/*.ts
var Kits embed.FS
