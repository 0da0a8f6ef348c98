// Package gatehouse holds the files of the repository that plugin projects
// are made of, embedded so that `gatehouse plugin new` writes projects that
// build without a checkout: under abi/ those of the module
// github.com/gatehouse/gatehouse/abi (abi.Source: the plugin development
// kits of abi/pdk, the abi package the Go kit imports, and the go.mod and
// go.sum that pin their dependencies), and the package.json that pins the
// npm toolchains.
package gatehouse

import (
	"embed"
	"errors"
	"io/fs"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
)

//go:embed package.json
var root embed.FS

// Kits holds the kit files, by their paths in the repository.
var Kits fs.FS = kits{}

// kits joins root and abi.Source, the files of another module, which
// this package cannot embed itself.
type kits struct{}

func (kits) Open(name string) (fs.File, error) {
	if name == "abi" {
		return abi.Source.Open(".")
	}
	rest, ok := strings.CutPrefix(name, "abi/")
	if !ok {
		return root.Open(name)
	}
	f, err := abi.Source.Open(rest)
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		pe.Path = name
	}
	return f, err
}
