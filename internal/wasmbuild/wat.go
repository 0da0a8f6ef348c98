package wasmbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// WAT assembles a module written in the WebAssembly text format with
// wabt's wat2wasm (Debian's package wabt) and returns the .wasm file,
// cached by a hash of the text. Hostile plugins are written this way: by
// hand, a few hundred bytes each, doing what no compiler would emit.
func WAT(t testing.TB, text string) string {
	t.Helper()
	wat2wasm, err := exec.LookPath("wat2wasm")
	if err != nil {
		Missing(t, "install Debian's wabt", "wat2wasm is not in PATH")
	}
	sum := sha256.Sum256([]byte(text))
	out := filepath.Join(CacheDir(t, "wat"), hex.EncodeToString(sum[:8])+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out
	}
	src := out + "." + strconv.Itoa(os.Getpid()) + ".wat"
	if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(src)
	// Assemble beside the target and rename, as test processes of other
	// packages may assemble the same text at the same time.
	tmp := out + "." + strconv.Itoa(os.Getpid())
	if b, err := exec.Command(wat2wasm, "-o", tmp, src).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm: %v\n%s\n%s", err, b, text)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	return out
}
