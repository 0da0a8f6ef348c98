package cli

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/abi"
)

// templates holds one folder per language: the files every project of the
// language gets, and kinds/KIND/ with the files of one kind. Each file is a
// text/template of newTemplateData, named as written with ".tmpl" added,
// but for kit.txt, which lists the kit files (gatehouse.Kits) the project
// gets copies of (see copyKit). cases/KIND.yaml.tmpl gives the
// cases.yaml of a kind to every language whose folder has none of its own:
// the components of every language behave alike. readme.tmpl defines the
// templates that the files of every language may use: "test", the README's
// section on testing, and "use", its section on using the component.
//
//go:embed templates
var templates embed.FS

// kitList is the name of the file of a language's template folder that
// lists the kit files copied into every project.
const kitList = "kit.txt"

// gatehouseModule is the module path of a gatehouse checkout.
const gatehouseModule = "github.com/gatehouse/gatehouse"

var pluginNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

func newPluginNewCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new --lang LANG --kind KIND NAME",
		Short: "Write a new plugin project that builds and passes its tests as it is",
		Long: `New writes a small plugin project named NAME, with one component of KIND named
NAME too: its source, a README.md with the build command, and a cases.yaml that
"gatehouse plugin test" passes. KIND is actuator, obligation, environment,
object or agent; LANG is go, c, rust, zig or assemblyscript. An actuator
implements the custom OpenC2 actuator profile x-NAME (the name's "-" and "."
made "_", cut to 16 characters), which commands address it by.

The project gets a copy of its language's PDK, which this program carries,
so that it builds anywhere, without a gatehouse checkout: Go the module
github.com/gatehouse/gatehouse/abi (the package abi and the PDK abi/pdk/go)
in the folder gatehouse, which go.mod replaces it with, as the module is not
published;
C gatehouse.h and gatehouse.c, Rust the crate gatehouse_pdk, Zig
gatehouse.zig, AssemblyScript the folder pdk, with a package.json that pins
the compiler. --gatehouse DIR takes the PDK from a gatehouse checkout
instead, for work on the PDK itself. The project folder must not exist or
be empty.`,
		Example: `  gatehouse plugin new --lang go --kind environment office-hours
  gatehouse plugin new --lang c --kind actuator --dir plugins-src/c/blocker blocker
  gatehouse plugin new --lang rust --kind obligation ticket-check`,
		Args: cobra.ExactArgs(1),
		RunE: runPluginNew,
	}
	cmd.Flags().String("lang", "", "language: "+strings.Join(languages(), ", "))
	cmd.Flags().String("kind", "", "kind of the component: "+strings.Join(kindNames(), ", "))
	cmd.Flags().String("dir", "", "project folder (default: ./NAME)")
	cmd.Flags().String("gatehouse", "", "gatehouse checkout whose PDK the project copies (default: the PDK this program carries)")
	_ = cmd.MarkFlagRequired("lang")
	_ = cmd.MarkFlagRequired("kind")
	return cmd
}

// languages returns the languages that have templates.
func languages() []string {
	entries, _ := fs.ReadDir(templates, "templates")
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "cases" {
			out = append(out, e.Name())
		}
	}
	return out
}

func kindNames() []string {
	out := make([]string, len(abi.Kinds))
	for i, k := range abi.Kinds {
		out[i] = string(k)
	}
	return out
}

func runPluginNew(cmd *cobra.Command, args []string) error {
	name := args[0]
	lang, _ := cmd.Flags().GetString("lang")
	kind, _ := cmd.Flags().GetString("kind")
	dir, _ := cmd.Flags().GetString("dir")
	checkout, _ := cmd.Flags().GetString("gatehouse")
	switch {
	case !slices.Contains(languages(), lang):
		return usage("--lang %q: unknown language; supported languages: %s", lang, strings.Join(languages(), ", "))
	case !slices.Contains(abi.Kinds, abi.Kind(kind)):
		return usage("--kind %q: not a kind; kinds: %s", kind, strings.Join(kindNames(), ", "))
	case !pluginNameRE.MatchString(name):
		return usage("plugin name %q does not match %s", name, pluginNameRE)
	}
	if dir == "" {
		dir = name
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return usage("--dir: %v", err)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return usage("%s exists and is not empty", dir)
	}
	var kits fs.FS = gatehouse.Kits
	if checkout != "" {
		if !isCheckout(checkout) {
			return usage("--gatehouse %s is not a gatehouse checkout (no go.mod of module %s)", checkout, gatehouseModule)
		}
		kits = os.DirFS(checkout)
	}

	files, err := renderProject(lang, abi.Kind(kind), newTemplateData(name, abi.Kind(kind), lang), kits)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, files[n], 0o644); err != nil {
			return err
		}
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "wrote %s plugin %s (%s %s) in %s:\n", lang, name, kind, name, dir)
	for _, n := range names {
		fmt.Fprintf(w, "  %s\n", n)
	}
	fmt.Fprintf(w, "build it as its README.md says, then: gatehouse plugin test %s.wasm --cases cases.yaml\n", name)
	return nil
}

// templateData is what the templates see.
type templateData struct {
	Name string   // plugin and component name
	Kind abi.Kind // the component's kind
	Lang string
	// Ident is the name as an identifier, "-" and "." made "_": a Rust
	// crate name.
	Ident string
	// Profile is the OpenC2 actuator profile of an actuator: "x-" and
	// Ident cut to 14 characters, a custom profile's namespace identifier
	// (LS v1.0 sections 3.1.4 and 3.4.2.12: at most 16 characters).
	Profile string
}

func newTemplateData(name string, kind abi.Kind, lang string) templateData {
	d := templateData{Name: name, Kind: kind, Lang: lang, Ident: strings.NewReplacer("-", "_", ".", "_").Replace(name)}
	d.Profile = "x-" + d.Ident[:min(len(d.Ident), 14)]
	return d
}

// renderProject renders the templates of lang and kind, with the kit files
// of kits, by the path each file gets in the project.
func renderProject(lang string, kind abi.Kind, d templateData, kits fs.FS) (map[string][]byte, error) {
	shared, err := template.New("").Funcs(kitFuncs(kits)).Option("missingkey=error").ParseFS(templates, "templates/readme.tmpl")
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	render := func(root, skip string) error {
		return fs.WalkDir(templates, root, func(p string, e fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case e.IsDir() && p == skip:
				return fs.SkipDir
			case e.IsDir() || p == root+"/"+kitList:
				return nil
			}
			src, err := templates.ReadFile(p)
			if err != nil {
				return err
			}
			t, err := template.Must(shared.Clone()).New(p).Parse(string(src))
			if err != nil {
				return fmt.Errorf("template %s: %w", p, err)
			}
			var b bytes.Buffer
			if err := t.Execute(&b, d); err != nil {
				return usage("template %s: %v", p, err)
			}
			files[strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")] = b.Bytes()
			return nil
		})
	}
	base := "templates/" + lang
	if err := render(base, base+"/kinds"); err != nil {
		return nil, err
	}
	if err := render(base+"/kinds/"+string(kind), ""); err != nil {
		return nil, err
	}
	if err := copyKit(lang, kits, files); err != nil {
		return nil, err
	}
	if _, ok := files["cases.yaml"]; !ok {
		src, err := templates.ReadFile("templates/cases/" + string(kind) + ".yaml.tmpl")
		if err != nil {
			return nil, err
		}
		t, err := template.New("cases").Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return nil, err
		}
		files["cases.yaml"] = b.Bytes()
	}
	return files, nil
}

// copyKit adds to files the copies of the kit files of kits that the kit
// list of lang names. Each line of the list but blank ones and # comments
// is "SOURCE FOLDER": the files matching the pattern SOURCE (path.Match
// syntax) are copied into the project's FOLDER ("." for the project's own)
// under their names; a SOURCE "DIR/..." copies the tree under DIR, keeping
// its folders. Go test files and testdata folders are left out: a copy
// builds, it is not tested.
func copyKit(lang string, kits fs.FS, files map[string][]byte) error {
	list, err := templates.ReadFile("templates/" + lang + "/" + kitList)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	n := 0
	for line := range strings.Lines(string(list)) {
		n++
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 2 {
			return fmt.Errorf("templates/%s/%s:%d: want SOURCE FOLDER, got %q", lang, kitList, n, strings.TrimSpace(line))
		}
		copied := map[string]string{} // the project's file by its kit file
		if root, ok := strings.CutSuffix(f[0], "/..."); ok {
			err = fs.WalkDir(kits, root, func(p string, e fs.DirEntry, err error) error {
				switch {
				case err != nil:
					return err
				case e.IsDir() && e.Name() == "testdata":
					return fs.SkipDir
				case !e.IsDir() && !strings.HasSuffix(p, "_test.go"):
					copied[p] = path.Join(f[1], strings.TrimPrefix(p, root+"/"))
				}
				return nil
			})
		} else {
			var matches []string
			matches, err = fs.Glob(kits, f[0])
			for _, m := range matches {
				if !strings.HasSuffix(m, "_test.go") {
					copied[m] = path.Join(f[1], path.Base(m))
				}
			}
		}
		if err == nil && len(copied) == 0 {
			err = errors.New("no file matches")
		}
		if err != nil {
			return fmt.Errorf("copy %s of the gatehouse kits: %w", f[0], err)
		}
		for from, to := range copied {
			if files[to], err = fs.ReadFile(kits, from); err != nil {
				return fmt.Errorf("copy %s of the gatehouse kits: %w", from, err)
			}
		}
	}
	return nil
}

// kitFuncs returns the template functions that read the kit files of kits:
//
//   - goVersion: the go directive of abi/go.mod, the go.mod of the module
//     of the ABI and the Go PDK;
//   - require MODULE: "MODULE VERSION", the version abi/go.mod requires;
//   - goSum MODULE...: the lines of abi/go.sum for those modules at those
//     versions, or at every version for a module that abi/go.mod does not
//     require (one that only the requirements' go.mod files name);
//   - kitFile PATH: the content of a kit file;
//   - npmVersion PACKAGE: the version of the devDependency PACKAGE in the
//     gatehouse package.json, which pins the npm toolchains.
func kitFuncs(kits fs.FS) template.FuncMap {
	read := func(p string) (string, error) {
		b, err := fs.ReadFile(kits, p)
		if err != nil {
			return "", fmt.Errorf("read %s of the gatehouse kits: %w", p, err)
		}
		return string(b), nil
	}
	directive := func(word, module string) (string, error) {
		gomod, err := read("abi/go.mod")
		if err != nil {
			return "", err
		}
		sc := bufio.NewScanner(strings.NewReader(gomod))
		for sc.Scan() {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
			switch {
			case word == "go" && len(f) == 2 && f[0] == "go":
				return f[1], nil
			case word == "require" && len(f) >= 2 && f[0] == module:
				return f[1], nil
			}
		}
		return "", fmt.Errorf("the gatehouse kits' abi/go.mod has no %s %s", word, module)
	}
	version := func(module string) (string, error) { return directive("require", module) }
	return template.FuncMap{
		"goVersion": func() (string, error) { return directive("go", "") },
		"require": func(module string) (string, error) {
			v, err := version(module)
			return module + " " + v, err
		},
		"goSum": func(modules ...string) (string, error) {
			sum, err := read("abi/go.sum")
			if err != nil {
				return "", err
			}
			var out []string
			for _, m := range modules {
				v, err := version(m)
				required := err == nil
				n := len(out)
				for line := range strings.Lines(sum) {
					if f := strings.Fields(line); len(f) == 3 && f[0] == m && (!required || strings.TrimSuffix(f[1], "/go.mod") == v) {
						out = append(out, strings.TrimSpace(line))
					}
				}
				if len(out) == n {
					return "", fmt.Errorf("the gatehouse kits' abi/go.sum has no line for %s %s", m, v)
				}
			}
			return strings.Join(out, "\n"), nil
		},
		"kitFile": read,
		"npmVersion": func(pkg string) (string, error) {
			b, err := read("package.json")
			if err != nil {
				return "", err
			}
			var p struct {
				DevDependencies map[string]string `json:"devDependencies"`
			}
			if err := json.Unmarshal([]byte(b), &p); err != nil {
				return "", fmt.Errorf("the gatehouse kits' package.json: %w", err)
			}
			v, ok := p.DevDependencies[pkg]
			if !ok {
				return "", fmt.Errorf("the gatehouse kits' package.json has no devDependency %s", pkg)
			}
			return v, nil
		},
	}
}

// isCheckout reports whether dir holds the go.mod of the gatehouse module.
func isCheckout(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return f[1] == gatehouseModule
		}
	}
	return false
}
