package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/openc2"
)

const vectors = "../conformance/openc2/bberliner"

// report is the output of openc2 validate --output json.
type report struct {
	Kind  string `json:"kind"`
	Files []struct {
		File, Result, Path, Error string
		Status                    int
	} `json:"files"`
	Valid, Invalid, Unreadable int
}

func validateJSON(t *testing.T, code int, args ...string) report {
	t.Helper()
	r := run(t, "", append([]string{"openc2", "validate", "--output", "json"}, args...)...)
	r.check(t, code)
	var rep report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	return rep
}

// TestOpenC2ValidateVectors runs validate over the conformance vectors: it
// must agree with the library on every file (whose own test pins the labels
// and the reasoned exceptions), pass the files the library accepts and fail
// the others with the path of the fault.
func TestOpenC2ValidateVectors(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"commands", "responses"} {
		t.Run(kind, func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(vectors, kind, "*", "*.json"))
			if len(files) == 0 {
				t.Fatalf("no vectors in %s", filepath.Join(vectors, kind))
			}
			var accepted, rejected []string
			var agree, disagree int
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if kind == "commands" {
					_, err = openc2.DecodeCommand(data)
				} else {
					_, err = openc2.DecodeResponse(data)
				}
				if err == nil {
					accepted = append(accepted, f)
				} else {
					rejected = append(rejected, f)
				}
				if strings.Contains(f, "/good/") == (err == nil) {
					agree++
				} else {
					disagree++
				}
			}
			if disagree > agree/10 {
				t.Fatalf("the library disagrees with %d labels of %d", disagree, len(files))
			}
			flag := []string{}
			if kind == "responses" {
				flag = []string{"--response"}
			}

			ok := validateJSON(t, cli.ExitOK, append(flag, accepted...)...)
			if len(ok.Files) != len(accepted) || ok.Valid != len(accepted) || ok.Invalid != 0 || ok.Kind != strings.TrimSuffix(kind, "s") {
				t.Fatalf("accepted files: %+v", ok)
			}

			r := run(t, "", append(append([]string{"openc2", "validate"}, flag...), rejected...)...)
			r.check(t, cli.ExitFinding, "are not valid")
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != len(rejected) {
				t.Fatalf("%d lines for %d files:\n%s", len(lines), len(rejected), r.stdout)
			}
			for i, line := range lines {
				if !strings.HasPrefix(line, rejected[i]+": ") || strings.HasSuffix(line, ": ok") {
					t.Errorf("line %q does not report a fault in %s", line, rejected[i])
				}
			}
			bad := validateJSON(t, cli.ExitFinding, append(flag, rejected...)...)
			if len(bad.Files) != len(rejected) || bad.Invalid != len(rejected) {
				t.Fatalf("rejected files: %+v", bad)
			}
			for _, f := range bad.Files {
				if f.Result != "invalid" || f.Error == "" || f.Status != openc2.StatusBadRequest {
					t.Errorf("rejected file: %+v", f)
				}
			}
		})
	}
}

func TestOpenC2Validate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}`)
	bad := writeFile(t, dir, "bad.json", `{"action":"deny","target":{"ipv4_net":"10.0.0.0/33"}}`)
	broken := writeFile(t, dir, "broken.json", `{"action":"deny",}`)
	scan := writeFile(t, dir, "scan.json", `{"action":"scan","target":{"ipv4_net":"10.0.0.0/8"}}`)
	response := writeFile(t, dir, "response.json", `{"status":200,"results":{"slpf":{"rule_number":7}}}`)
	missing := filepath.Join(dir, "missing.json")

	t.Run("text", func(t *testing.T) {
		r := run(t, `{"action":"query","target":{"features":[]}}`, "openc2", "validate", good, bad, broken, "-")
		r.check(t, cli.ExitFinding, "gatehouse: 2 of 4 commands are not valid")
		want := good + ": ok\n" +
			bad + `: target.ipv4_net: "10.0.0.0/33": prefix length 33 exceeds 32` + "\n" +
			broken + ": invalid JSON at offset 18: invalid character '}' looking for beginning of object key string\n" +
			"<stdin>: ok\n"
		if r.stdout != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("all valid", func(t *testing.T) {
		r := run(t, "", "openc2", "validate", good)
		r.check(t, cli.ExitOK)
		if r.stdout != good+": ok\n" || r.stderr != "" {
			t.Fatalf("stdout %q, stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("json", func(t *testing.T) {
		rep := validateJSON(t, cli.ExitFinding, good, bad)
		if rep.Kind != "command" || rep.Valid != 1 || rep.Invalid != 1 || rep.Unreadable != 0 {
			t.Fatalf("report %+v", rep)
		}
		f := rep.Files[1]
		if f.File != bad || f.Result != "invalid" || f.Path != "target.ipv4_net" || f.Error != `"10.0.0.0/33": prefix length 33 exceeds 32` || f.Status != 400 {
			t.Fatalf("bad file: %+v", f)
		}
	})
	t.Run("slpf profile", func(t *testing.T) {
		if r := run(t, "", "openc2", "validate", scan); r.code != cli.ExitOK {
			t.Fatalf("scan ipv4_net is LS v1.0: %+v", r)
		}
		rep := validateJSON(t, cli.ExitFinding, "--profile", "slpf", good, scan)
		f := rep.Files[1]
		if rep.Valid != 1 || f.Path != "action" || f.Status != 501 || !strings.Contains(f.Error, "not an action of the SLPF profile") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("responses", func(t *testing.T) {
		r := run(t, "", "openc2", "validate", "--response", response, good)
		r.check(t, cli.ExitFinding, "1 of 2 responses are not valid")
		if want := response + ": ok\n" + good + ": action: unknown field\n"; r.stdout != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("messages", func(t *testing.T) {
		msg := writeFile(t, dir, "message.json", `{"headers":{"request_id":"r-1","from":"soc"},"body":{"openc2":{"request":{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}}}}`)
		badMsg := writeFile(t, dir, "bad-message.json", `{"headers":{"request_id":""},"body":{"openc2":{"request":{"action":"scan","target":{"ipv4_net":"10.0.0.0/8"}}}}}`)
		scanMsg := writeFile(t, dir, "scan-message.json", `{"body":{"openc2":{"request":{"action":"scan","target":{"ipv4_net":"10.0.0.0/8"}}}}}`)
		respMsg := writeFile(t, dir, "response-message.json", `{"headers":{"request_id":"r-1"},"body":{"openc2":{"response":{"status":200}}}}`)
		r := run(t, "", "openc2", "validate", "--profile", "slpf", msg, badMsg, scanMsg, respMsg)
		r.check(t, cli.ExitFinding, "3 of 4 commands are not valid")
		want := msg + ": ok\n" +
			badMsg + ": headers.request_id: must not be empty\n" +
			scanMsg + ": body.openc2.request.action: \"scan\" is not an action of the SLPF profile (SLPF v1.0 section 2.1.1, Table 2.1.1-1)\n" +
			respMsg + ": body.openc2: holds a response, not a command (validate it with --response)\n"
		if r.stdout != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
		r = run(t, "", "openc2", "validate", "--response", respMsg, msg)
		r.check(t, cli.ExitFinding, "1 of 2 responses are not valid")
		if want := respMsg + ": ok\n" + msg + ": body.openc2: holds a command, not a response\n"; r.stdout != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		r := run(t, "", "openc2", "validate", good, missing, bad)
		r.check(t, cli.ExitUsage, "gatehouse: 1 of 3 files could not be read")
		want := good + ": ok\n" + missing + ": cannot read: open " + missing + ": no such file or directory\n" +
			bad + `: target.ipv4_net: "10.0.0.0/33": prefix length 33 exceeds 32` + "\n"
		if r.stdout != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", r.stdout, want)
		}
		rep := report{}
		r = run(t, "", "openc2", "validate", "-o", "json", missing, dir)
		r.check(t, cli.ExitUsage)
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Unreadable != 2 || rep.Files[1].Result != "unreadable" {
			t.Fatalf("report %+v (%v)", rep, err)
		}
	})
}

func TestOpenC2ValidateUsage(t *testing.T) {
	t.Parallel()
	good := writeFile(t, t.TempDir(), "good.json", `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}`)
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no files", nil, "requires at least 1 arg(s), only received 0"},
		{"unknown output", []string{"--output", "yaml", good}, `--output "yaml" is not text or json`},
		{"unknown profile", []string{"--profile", "x-acme", good}, `--profile "x-acme": the only profile is slpf`},
		{"profile of responses", []string{"--profile", "slpf", "--response", good}, "--profile checks commands; it does not go with --response"},
		{"stdin twice", []string{"-", good, "-"}, `"-" (standard input) given more than once`},
		{"unknown flag", []string{"--strict", good}, "unknown flag: --strict"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", append([]string{"openc2", "validate"}, tt.args...)...)
			r.check(t, cli.ExitUsage, "gatehouse: "+tt.stderr)
			if r.stdout != "" {
				t.Errorf("stdout %q", r.stdout)
			}
		})
	}
}
