package wasmbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// job is one build: commands of a toolchain run in a folder.
type job struct {
	tc   *Toolchain
	name string     // the plugin: the built file is NAME-<12 hex digits>.wasm
	dir  string     // where the commands run
	cmds [][]string // the arguments of each command, after the toolchain's prefix
	srcs []string   // folders, relative to dir, whose source files go into the cache key
}

var (
	buildMu sync.Mutex
	builds  = map[string]*built{} // by cache key, once per process
)

// built is the outcome of a job, shared by the tests of a process.
type built struct {
	once sync.Once
	file string
	err  error
}

// build runs the job, or finds its result in the cache, and returns the
// .wasm file. Every file the commands write is redirected into a fresh
// folder, so that builds never touch the sources and builds of other test
// processes may run at the same time; the plugin then moves into the cache.
// Anything the toolchain prints fails the test: warnings are not accepted.
func (j job) build(t testing.TB) string {
	t.Helper()
	tool := j.tc.find(t)
	wasm, err := plugin(j.cmds)
	if err != nil {
		t.Fatalf("build %s: %v", j.name, err)
	}
	if err := connected(j.cmds); err != nil {
		t.Fatalf("build %s: %v", j.name, err)
	}
	outs := written(j.cmds)
	key, err := j.key(tool, outs)
	if err != nil {
		t.Fatalf("build %s: %v", j.name, err)
	}
	buildMu.Lock()
	b, ok := builds[key]
	if !ok {
		b = &built{}
		builds[key] = b
	}
	buildMu.Unlock()
	cache := CacheDir(t, j.tc.cache)
	b.once.Do(func() { b.file, b.err = j.run(tool, cache, outs, slices.Index(outs, wasm), key) })
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.file
}

// connected checks that each command after the first uses a file an
// earlier one writes, so that a build of several steps uses its own parts
// and never a stale file of an earlier build.
func connected(cmds [][]string) error {
	for c := 1; c < len(cmds); c++ {
		earlier := written(cmds[:c])
		used := slices.ContainsFunc(cmds[c], func(a string) bool {
			return slices.ContainsFunc(earlier, func(o string) bool { return a == o || strings.HasSuffix(a, "="+o) })
		})
		if !used {
			return fmt.Errorf("build command %d uses none of %q, which the commands before it write: %q", c+1, earlier, cmds[c])
		}
	}
	return nil
}

// key hashes what decides the build's result: the toolchain's version, the
// commands with their outputs left out, and every source file below the
// job's source folders, by its path relative to the job's folder.
func (j job) key(tool *tool, outs []string) (string, error) {
	h := sha256.New()
	placeholders := make([]string, len(outs))
	for i := range outs {
		placeholders[i] = "$OUT" + strconv.Itoa(i)
	}
	fmt.Fprintf(h, "%s\n%q %q\n%q\n", tool.version, tool.argv, j.tc.extra, redirect(j.cmds, outs, placeholders))
	for _, src := range j.srcs {
		err := filepath.WalkDir(filepath.Join(j.dir, src), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !slices.ContainsFunc(j.tc.suffixes, func(s string) bool { return strings.HasSuffix(path, s) }) {
				return err
			}
			b, err := os.ReadFile(path)
			rel, _ := filepath.Rel(j.dir, path)
			fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
			h.Write(b)
			return err
		})
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6]), nil
}

// run builds the job unless the cache folder holds its result, named
// after key; outs are the files the commands write, outs[plugin] the
// plugin.
func (j job) run(tool *tool, cache string, outs []string, plugin int, key string) (string, error) {
	// The file keeps the plugin's name, as the plugin folder wants it
	// (plugins.NAME applies to NAME.wasm), in a folder named after key.
	wasm := filepath.Join(cache, key, j.name+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		return wasm, nil
	}
	tmp, err := os.MkdirTemp(cache, j.name+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	to := make([]string, len(outs))
	for i, out := range outs {
		// One folder per output keeps its name, which some toolchains
		// read (asc wants .wasm), and keeps outputs of one name apart.
		d := filepath.Join(tmp, strconv.Itoa(i))
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
		to[i] = filepath.Join(d, filepath.Base(out))
	}
	for _, args := range redirect(j.cmds, outs, to) {
		args = append(args, j.tc.extra...)
		cmd := exec.Command(tool.argv[0], append(tool.argv[1:], args...)...)
		cmd.Dir = j.dir
		cmd.Env = append(os.Environ(), tool.env(tmp)...)
		b, err := cmd.CombinedOutput()
		line := strings.Join(append(slices.Clone(tool.argv), args...), " ")
		if err != nil {
			return "", fmt.Errorf("build %s: %s: %v\n%s", j.name, line, err, b)
		}
		if len(b) > 0 {
			return "", fmt.Errorf("build %s: %s prints (warnings are not accepted):\n%s", j.name, line, b)
		}
	}
	// Rename the plugin into the cache, whole, as other test processes may
	// look for it at the same time.
	if err := os.MkdirAll(filepath.Dir(wasm), 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(to[plugin], wasm); err != nil {
		return "", err
	}
	return wasm, nil
}
