package abi

import "embed"

// Source holds the files of this module that plugin projects are made of,
// by their paths in the module: its go.mod and go.sum, the Go sources of
// package abi (with jsonnum, which it imports) and of the Go PDK (pdk/go),
// and the kits of the other languages (pdk/c, pdk/rust, pdk/zig,
// pdk/assemblyscript). `gatehouse
// plugin new` writes copies of them, so that a project builds without a
// checkout. A program that does not use Source does not carry it.
//
//go:embed go.mod go.sum *.go internal/wire/*.go jsonnum/*.go pdk/go
//go:embed pdk/c/gatehouse.h pdk/c/gatehouse.c pdk/rust/Cargo.toml pdk/rust/src
//go:embed pdk/zig/gatehouse.zig pdk/assemblyscript/*.ts
var Source embed.FS
