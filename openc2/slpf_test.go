package openc2

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestValidateSLPF(t *testing.T) {
	tests := []struct {
		name, in string
		err      string // "" when valid
		want     error  // the sentinel err matches
	}{
		{"deny connection", `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":22}},"args":{"start_time":1,"duration":5,"response_requested":"complete","slpf":{"drop_process":"reject","persistent":true,"direction":"ingress","insert_rule":7}},"actuator":{"slpf":{"named_group":"perimeter"}}}`, "", nil},
		{"allow net", `{"action":"allow","target":{"ipv6_net":"2001:db8::/32"},"args":{"stop_time":9,"slpf":{"direction":"egress"}}}`, "", nil},
		{"query features", `{"action":"query","target":{"features":["pairs"]},"args":{"response_requested":"complete"}}`, "", nil},
		{"delete rule", `{"action":"delete","target":{"slpf:rule_number":12},"args":{"start_time":1,"response_requested":"complete"}}`, "", nil},
		{"update file", `{"action":"update","target":{"file":{"name":"rules.txt","path":"/etc/fw"}},"args":{"response_requested":"ack"}}`, "", nil},

		{"not an slpf action", `{"action":"scan","target":{"ipv4_net":"10.0.0.0/8"}}`,
			`action: "scan" is not an action of the SLPF profile (SLPF v1.0 section 2.1.1, Table 2.1.1-1)`, ErrUnsupported},
		{"cancel", `{"action":"cancel","target":{"command":"r-1"},"actuator":{"slpf":{}}}`,
			`action: "cancel" is not an action of the SLPF profile (SLPF v1.0 section 2.1.1, Table 2.1.1-1)`, ErrUnsupported},
		{"not an slpf pair", `{"action":"query","target":{"ipv4_net":"10.0.0.0/8"}}`,
			`target.ipv4_net: "query ipv4_net" is not a command of the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-1)`, ErrUnsupported},
		{"deny a file", `{"action":"deny","target":{"file":{"name":"a"}}}`,
			`target.file: "deny file" is not a command of the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-1)`, ErrUnsupported},
		{"drop process on allow", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"drop_process":"none"}}}`,
			`args.slpf.drop_process: not an argument of "allow ipv4_net" in the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)`, ErrUnsupported},
		{"duration on delete", `{"action":"delete","target":{"slpf:rule_number":1},"args":{"duration":5}}`,
			`args.duration: not an argument of "delete slpf:rule_number" in the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)`, ErrUnsupported},
		{"direction on update", `{"action":"update","target":{"file":{"name":"a"}},"args":{"slpf":{"direction":"both"}}}`,
			`args.slpf.direction: not an argument of "update file" in the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)`, ErrUnsupported},
		{"extension argument", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"x-acme":{"a":1}}}`,
			"args.x-acme: not an argument of the SLPF profile (SLPF v1.0 section 2.3, Table 2.3-2)", ErrUnsupported},
		{"other actuator", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"actuator":{"x-acme":{}}}`,
			"actuator.x-acme: not the slpf profile", ErrUnsupported},

		{"insert rule without complete", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"insert_rule":1}}}`,
			`args.slpf.insert_rule: needs "response_requested": "complete" (SLPF v1.0 sections 2.3.1 and 2.3.2)`, ErrInvalid},
		{"insert rule with ack", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"ack","slpf":{"insert_rule":1}}}`,
			`args.slpf.insert_rule: needs "response_requested": "complete" (SLPF v1.0 sections 2.3.1 and 2.3.2)`, ErrInvalid},
		{"query features with ack", `{"action":"query","target":{"features":[]},"args":{"response_requested":"ack"}}`,
			`args.response_requested: query features takes no argument but "response_requested": "complete" (LS v1.0 section 4.1)`, ErrInvalid},
		{"query features with start time", `{"action":"query","target":{"features":[]},"args":{"start_time":1}}`,
			`args.start_time: query features takes no argument but "response_requested": "complete" (LS v1.0 section 4.1)`, ErrInvalid},
		{"update without name", `{"action":"update","target":{"file":{"path":"/etc/fw"}}}`,
			"target.file.name: missing required field (SLPF v1.0 section 2.3.5.1)", ErrInvalid},
		{"update asking for status", `{"action":"update","target":{"file":{"name":"a"}},"args":{"response_requested":"status"}}`,
			"args.response_requested: update file takes complete, ack or none (SLPF v1.0 section 2.3.5.1)", ErrInvalid},
		{"not LS v1.0", `{"action":"deny","target":{"ipv4_net":"10.0.0.0/40"}}`,
			`target.ipv4_net: "10.0.0.0/40": prefix length 40 exceeds 32`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, err := DecodeCommand([]byte(tt.in))
			if err == nil {
				err = cmd.ValidateSLPF()
			}
			if tt.err == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.err {
				t.Fatalf("error %v, want %s", err, tt.err)
			}
			other := ErrInvalid
			if tt.want == ErrInvalid {
				other = ErrUnsupported
			}
			if !errors.Is(err, tt.want) || errors.Is(err, other) {
				t.Fatalf("error %v matches the wrong sentinel", err)
			}
		})
	}
}

// TestSLPFVectors checks that the SLPF examples among the conformance
// vectors are SLPF commands.
func TestSLPFVectors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, "commands/good/slpf_example_*.json"))
	files = append(files, filepath.Join(vectorDir, "commands/good/ls_example_deny_ipv4connection.json"))
	if len(files) < 7 {
		t.Fatalf("found only %d SLPF vectors", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := DecodeCommand(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := c.ValidateSLPF(); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}
