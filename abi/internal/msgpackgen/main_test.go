package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate regenerates the msgpack methods of package abi as
// its go:generate line says, and checks that the file checked in is what
// the message definitions give.
func TestGeneratedUpToDate(t *testing.T) {
	const abiDir = "../.."
	src, err := os.ReadFile(filepath.Join(abiDir, "msgpack.go"))
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for line := range strings.Lines(string(src)) {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:generate go run ./internal/msgpackgen "); ok {
			args = strings.Fields(rest)
		}
	}
	if len(args) < 3 || args[0] != "-o" {
		t.Fatalf("abi/msgpack.go has no line //go:generate go run ./internal/msgpackgen -o FILE SOURCE...")
	}
	want, err := generate(abiDir, args[2:])
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(abiDir, args[1]))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("abi/%s is not what the message definitions give: run go generate ./abi", args[1])
	}
}

// TestGenerateRefuses checks that a field the generator cannot encode fails
// the generation with the field's place and cause.
func TestGenerateRefuses(t *testing.T) {
	for _, tt := range []struct{ name, src, err string }{
		{"unsupported type", "type M struct{ F chan int `msgpack:\"f\"` }", "M: field F: type chan int: not supported"},
		{"no tag", "type M struct{ F string }", "M: field F: no msgpack tag name"},
		{"embedded", "type E struct{}\ntype M struct{ E }", "M: embedded field E: not supported"},
		{"pointer without omitempty", "type E struct{}\ntype M struct{ F *E `msgpack:\"f\"` }", "M: field F: pointer *E without omitempty: not supported"},
		{"float32", "type M struct{ F float32 `msgpack:\"f\"` }", "M: field F: type float32: not supported"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "m.go"), []byte("package p\n\n"+tt.src+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := generate(dir, []string{"m.go"})
			if err == nil || !strings.HasSuffix(err.Error(), tt.err) || !strings.Contains(err.Error(), "m.go:") {
				t.Errorf("error %v, want one at m.go ending %q", err, tt.err)
			}
		})
	}
}
