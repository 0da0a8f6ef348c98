package wasmbuild

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSourceCommands(t *testing.T) {
	for _, tt := range []struct {
		name, prefix, src string
		want              [][]string
	}{
		{"block comment", "clang", "/*\n * x: a plugin. Build:\n *\n *   clang -o p.wasm a.c\n */\nclang -o no.wasm\n", [][]string{{"clang", "-o", "p.wasm", "a.c"}}},
		{"doc comment, two commands", "/usr/bin/rustc", "//! x\n//!   /usr/bin/rustc -o k.rlib k.rs\n//!   /usr/bin/rustc --extern k=k.rlib -o p.wasm p.rs\n\nuse x;\n",
			[][]string{{"/usr/bin/rustc", "-o", "k.rlib", "k.rs"}, {"/usr/bin/rustc", "--extern", "k=k.rlib", "-o", "p.wasm", "p.rs"}}},
		{"only the first comment", "zig", "// a\n//   zig build-lib -femit-bin=a.wasm a.zig\nconst x = 1;\n//   zig build-lib -femit-bin=b.wasm b.zig\n",
			[][]string{{"zig", "build-lib", "-femit-bin=a.wasm", "a.zig"}}},
		{"prefix of another word", "clang", "// clangd is not clang\n//   clang-format x\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "src")
			if err := os.WriteFile(src, []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := sourceCommands(src, tt.prefix)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sourceCommands = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadmeCommands(t *testing.T) {
	readme := filepath.Join(t.TempDir(), "README.md")
	text := "# x\n\n    npx asc not-in-a-block.ts\n\n```\nnpx asc index.ts -o x.wasm\nnpx ascii\n```\n\nnpx asc outside.ts\n\n```sh\nnpx asc other.ts -o y.wasm\n```\n"
	if err := os.WriteFile(readme, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readmeCommands(readme, "npx asc")
	want := [][]string{{"npx", "asc", "index.ts", "-o", "x.wasm"}, {"npx", "asc", "other.ts", "-o", "y.wasm"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("readmeCommands = %q, %v; want %q", got, err, want)
	}
	if _, err := readmeCommands(filepath.Join(t.TempDir(), "none.md"), "x"); err == nil {
		t.Error("a missing README gave no error")
	}
}

func TestOutputs(t *testing.T) {
	rust := [][]string{
		strings.Fields("--crate-type rlib -o target/libk.rlib k/lib.rs"),
		strings.Fields("--crate-type cdylib --extern k=target/libk.rlib -o plugins/p.wasm src/lib.rs"),
	}
	if got, want := written(rust), []string{"target/libk.rlib", "plugins/p.wasm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("written = %q, want %q", got, want)
	}
	if p, err := plugin(rust); err != nil || p != "plugins/p.wasm" {
		t.Errorf("plugin = %q, %v", p, err)
	}
	if err := connected(rust); err != nil {
		t.Errorf("connected: %v", err)
	}
	stale := [][]string{rust[0], strings.Fields("--extern k=elsewhere/libk.rlib -o p.wasm src/lib.rs")}
	if err := connected(stale); err == nil || !strings.Contains(err.Error(), "build command 2 uses none of") {
		t.Errorf("connected with a stale kit: %v", err)
	}
	got := redirect(rust, written(rust), []string{"/tmp/0/libk.rlib", "/tmp/1/p.wasm"})
	want := [][]string{
		strings.Fields("--crate-type rlib -o /tmp/0/libk.rlib k/lib.rs"),
		strings.Fields("--crate-type cdylib --extern k=/tmp/0/libk.rlib -o /tmp/1/p.wasm src/lib.rs"),
	}
	if !reflect.DeepEqual(got, want) || rust[1][3] != "k=target/libk.rlib" {
		t.Errorf("redirect = %q, want %q, and the input unchanged", got, want)
	}

	zig := [][]string{strings.Fields("build-lib -O ReleaseSmall -femit-bin=plugins/z.wasm main.zig")}
	if p, err := plugin(zig); err != nil || p != "plugins/z.wasm" {
		t.Errorf("plugin(zig) = %q, %v", p, err)
	}
	if got := redirect(zig, []string{"plugins/z.wasm"}, []string{"/t/z.wasm"}); got[0][3] != "-femit-bin=/t/z.wasm" {
		t.Errorf("redirect(zig) = %q", got)
	}
	for _, cmds := range [][][]string{nil, {strings.Fields("a.c -o a.o")}, {strings.Fields("a.c -o")}, {strings.Fields("index.ts --outFile x.wasm"), strings.Fields("echo")}} {
		if _, err := plugin(cmds); err == nil {
			t.Errorf("plugin(%q) gave no error", cmds)
		}
	}
	if p, err := plugin([][]string{strings.Fields("index.ts --outFile x.wasm")}); err != nil || p != "x.wasm" {
		t.Errorf("plugin(--outFile) = %q, %v", p, err)
	}
}

func TestWAT(t *testing.T) {
	out := WAT(t, `(module (func (export "f") (result i32) (i32.const 7)))`)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		t.Fatalf("%s is not a Wasm module: % x", out, b[:min(8, len(b))])
	}
}
