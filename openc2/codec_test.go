package openc2

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// decodeCases are commands, each accepted (err == "") or rejected with err.
var decodeCases = []struct {
	name, in, err string
}{
	{"artifact", `{"action":"detonate","target":{"artifact":{"mime_type":"application/pdf","payload":{"bin":"aGVsbG8="},"hashes":{"md5":"0313fd399b143fc40cd52a1679018305"}}}}`, ""},
	{"artifact payload both", `{"action":"detonate","target":{"artifact":{"payload":{"bin":"aGVsbG8=","url":"https://a"}}}}`, "target.artifact.payload: must hold exactly one of bin and url"},
	{"artifact bad base64", `{"action":"detonate","target":{"artifact":{"payload":{"bin":"!!"}}}}`, "target.artifact.payload.bin: not base64url (RFC 4648 section 5)"},
	{"command", `{"action":"cancel","target":{"command":"abc"}}`, ""},
	{"domain", `{"action":"deny","target":{"domain_name":"example.com"}}`, ""},
	{"domain bad", `{"action":"deny","target":{"domain_name":"exa mple.com"}}`, `target.domain_name: "exa mple.com": not a host name`},
	{"email", `{"action":"deny","target":{"email_addr":"a@example.com"}}`, ""},
	{"idn", `{"action":"deny","target":{"idn_domain_name":"bücher.example"}}`, ""},
	{"iri", `{"action":"deny","target":{"iri":"https://bücher.example/ä"}}`, ""},
	{"process", `{"action":"stop","target":{"process":{"pid":12,"executable":{"name":"sh"},"parent":{"name":"init"}}}}`, ""},
	{"process empty parent", `{"action":"stop","target":{"process":{"pid":12,"parent":{}}}}`, "target.process.parent: must hold at least one field"},
	{"ipv6 connection", `{"action":"allow","target":{"ipv6_connection":{"protocol":"udp","dst_addr":"2001:db8::/32","dst_port":53}}}`, ""},
	{"ipv6 connection v4 addr", `{"action":"allow","target":{"ipv6_connection":{"src_addr":"10.0.0.1"}}}`, `target.ipv6_connection.src_addr: "10.0.0.1": not an IPv6 address`},
	{"connection port", `{"action":"allow","target":{"ipv4_connection":{"dst_port":70000}}}`, "target.ipv4_connection.dst_port: port 70000 out of range 0..65535"},
	{"connection protocol", `{"action":"allow","target":{"ipv4_connection":{"protocol":"gre"}}}`, `target.ipv4_connection.protocol: "gre": must be icmp, tcp, udp or sctp`},
	{"connection empty", `{"action":"allow","target":{"ipv4_connection":{}}}`, "target.ipv4_connection: must hold at least one field"},
	{"port as float", `{"action":"allow","target":{"ipv4_connection":{"dst_port":80.0}}}`, "target.ipv4_connection.dst_port: expected an integer, got 80.0"},
	{"features too many", `{"action":"query","target":{"features":["versions","versions","versions","versions","versions","versions","versions","versions","versions","versions","versions"]}}`, "target.features: more than 10 features"},
	{"hash length", `{"action":"deny","target":{"file":{"hashes":{"sha1":"abcd"}}}}`, `target.file.hashes.sha1: sha1 must be 40 hex digits, got "abcd"`},
	{"unknown top field", `{"action":"deny","target":{"uri":"https://a"},"extra":1}`, "extra: unknown field"},
	{"unknown nested field", `{"action":"deny","target":{"device":{"device_id":"a","serial":"b"}}}`, "target.device.serial: unknown field"},
	{"duplicate top key", `{"action":"deny","action":"allow","target":{"uri":"https://a"}}`, "action: duplicate key"},
	{"duplicate escaped key", `{"action":"deny","\u0061ction":"allow","target":{"uri":"https://a"}}`, "action: duplicate key"},
	{"duplicate in extension", `{"action":"deny","target":{"uri":"https://a"},"args":{"x-acme":{"a":1,"b":{"c":[{"d":1,"d":2}]}}}}`, "args.x-acme.b.c[0].d: duplicate key"},
	{"trailing data", `{"action":"deny","target":{"uri":"https://a"}} {}`, "invalid JSON"},
	{"null target", `{"action":"deny","target":null}`, "target: expected an object, got null"},
	{"null extension target", `{"action":"deny","target":{"x-acme:t":null}}`, "target.x-acme:t: extension target value must not be null"},
	{"scalar extension target", `{"action":"deny","target":{"x-acme:t":5}}`, ""},
	{"unknown slpf target", `{"action":"deny","target":{"slpf:rule":1}}`, `target.slpf:rule: unknown slpf target "slpf:rule"`},
	{"three times", `{"action":"deny","target":{"uri":"https://a"},"args":{"start_time":1,"stop_time":2,"duration":1}}`, "args: at most two of start_time, stop_time and duration may be given"},
	{"stop before start", `{"action":"deny","target":{"uri":"https://a"},"args":{"start_time":5,"stop_time":2}}`, "args.stop_time: is before start_time"},
	{"negative duration", `{"action":"deny","target":{"uri":"https://a"},"args":{"duration":-1}}`, "args.duration: must not be negative, got -1"},
	{"response requested", `{"action":"deny","target":{"uri":"https://a"},"args":{"response_requested":"all"}}`, `args.response_requested: "all": must be none, ack, status or complete`},
	{"slpf args", `{"action":"deny","target":{"uri":"https://a"},"args":{"slpf":{"drop_process":"reject","persistent":true,"direction":"both","insert_rule":7}}}`, ""},
	{"slpf drop process", `{"action":"deny","target":{"uri":"https://a"},"args":{"slpf":{"drop_process":"drop"}}}`, `args.slpf.drop_process: "drop": must be none, reject or false_ack`},
	{"slpf unknown arg", `{"action":"deny","target":{"uri":"https://a"},"args":{"slpf":{"foo":1}}}`, "args.slpf.foo: unknown field"},
	{"slpf asset tuple", `{"action":"deny","target":{"uri":"https://a"},"actuator":{"slpf":{"asset_tuple":[]}}}`, "actuator.slpf.asset_tuple: must hold 1 to 10 items, got 0"},
	{"extension args not object", `{"action":"deny","target":{"uri":"https://a"},"args":{"x-acme":1}}`, "args.x-acme: expected an object, got number"},
	{"command id", `{"action":"cancel","target":{"command":"77c844b1-a2ec-43b4-803d-e8f57a1e5a99"},"command_id":"CB1BCDEE-C7B4-40B7-9128-64DB2B877C32"}`, ""},
	{"command id too long", `{"action":"deny","target":{"uri":"https://a"},"command_id":"0123456789012345678901234567890123456"}`, `command_id: "0123456789012345678901234567890123456": not a command identifier (at most 36 characters, no white space)`},
	{"command id space", `{"action":"deny","target":{"uri":"https://a"},"command_id":"a b"}`, `command_id: "a b": not a command identifier`},
	{"command target space", `{"action":"cancel","target":{"command":"a\tb"}}`, `target.command: "a\tb": not a command identifier`},
	{"properties empty", `{"action":"query","target":{"properties":[]}}`, "target.properties: must hold at least one item"},
	{"properties repeated", `{"action":"query","target":{"properties":["a","b","a"]}}`, `target.properties[2]: "a" repeats item 0`},
	{"idn domain bad", `{"action":"deny","target":{"idn_domain_name":"bü cher.example"}}`, `target.idn_domain_name: "bü cher.example": not an internationalized host name`},
	{"device idn hostname", `{"action":"contain","target":{"device":{"idn_hostname":"bücher.example"}}}`, ""},
	{"device idn hostname bad", `{"action":"contain","target":{"device":{"idn_hostname":"-bücher.example"}}}`, `target.device.idn_hostname: "-bücher.example": not an internationalized host name`},
	{"idn email", `{"action":"deny","target":{"idn_email_addr":"jörg@bücher.example"}}`, ""},
	{"idn email bad", `{"action":"deny","target":{"idn_email_addr":"jörg@bü_cher.example"}}`, `target.idn_email_addr: "jörg@bü_cher.example": not an internationalized email address`},
	{"email non-ascii", `{"action":"deny","target":{"email_addr":"jörg@example.com"}}`, `target.email_addr: "jörg@example.com": not an email address`},
	{"mac hyphen", `{"action":"deny","target":{"mac_addr":"8c-85-90-72-31-af"}}`, `target.mac_addr: "8c-85-90-72-31-af": not a MAC address in colon hexadecimal format`},
	{"artifact url", `{"action":"detonate","target":{"artifact":{"payload":{"url":"https://example.com/a.bin"}}}}`, ""},
	{"artifact relative url", `{"action":"detonate","target":{"artifact":{"payload":{"url":"a.bin"}}}}`, `target.artifact.payload.url: "a.bin": not an absolute URI`},
	{"artifact base64url", `{"action":"detonate","target":{"artifact":{"payload":{"bin":"-_8"}}}}`, ""},
	{"artifact standard base64", `{"action":"detonate","target":{"artifact":{"payload":{"bin":"+/8="}}}}`, "target.artifact.payload.bin: not base64url (RFC 4648 section 5)"},
	{"artifact media type", `{"action":"detonate","target":{"artifact":{"mime_type":"pdf"}}}`, `target.artifact.mime_type: "pdf": not a media type name (type/subtype)`},
	{"slpf hostname address", `{"action":"deny","target":{"ipv6_net":"2001:db8::/32"},"actuator":{"slpf":{"hostname":"2001:db8::1"}}}`, ""},
	{"slpf hostname bad", `{"action":"deny","target":{"ipv6_net":"2001:db8::/32"},"actuator":{"slpf":{"hostname":"fire wall"}}}`, `actuator.slpf.hostname: "fire wall": not a host name or IP address`},
	{"slpf asset tuple long", `{"action":"deny","target":{"uri":"https://a"},"actuator":{"slpf":{"asset_tuple":["1","2","3","4","5","6","7","8","9","10","11"]}}}`, "actuator.slpf.asset_tuple: must hold 1 to 10 items, got 11"},
	{"invalid utf-8", "{\"action\":\"deny\",\"target\":{\"uri\":\"https://a/\xff\"}}", "target.uri: invalid UTF-8 in string (RFC 7493 section 2.1)"},
	{"lone surrogate", `{"action":"deny","target":{"uri":"https://a/\ud800"}}`, `target.uri: lone high surrogate \ud800 in string (RFC 7493 section 2.1)`},
	{"noncharacter", `{"action":"deny","target":{"uri":"https://a/\ufdd0"}}`, `target.uri: noncharacter \ufdd0 in string (RFC 7493 section 2.1)`},
	{"noncharacter in name", "{\"action\":\"deny\",\"target\":{\"uri\":\"https://a\"},\"args\":{\"x-a\":{\"\xef\xbf\xbe\":1}}}", "args.x-a: noncharacter U+FFFE in string (RFC 7493 section 2.1)"},
	{"surrogate pair", `{"action":"deny","target":{"uri":"https://a/\ud83d\ude00"}}`, ""},
	{"escaped names", `{"\u0061ction":"deny","target":{"\u0069pv4_net":"10.0.0.1"}}`, ""},
	{"deep nesting", `{"action":"deny","target":{"x-a:b":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`, "nesting deeper than 64 levels"},
}

func TestDecodeCommandCases(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			orig := bytes.Clone(in)
			c, err := DecodeCommand(in)
			if !bytes.Equal(in, orig) {
				t.Fatal("input mutated")
			}
			if tt.err != "" {
				if err == nil {
					t.Fatalf("accepted, want error %q", tt.err)
				}
				if !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %q, want %q", err, tt.err)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v does not match ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			enc, err := EncodeCommand(c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := DecodeCommand(enc); err != nil {
				t.Fatalf("re-decode %s: %v", enc, err)
			}
		})
	}
}

func TestDecodeResponseCases(t *testing.T) {
	tests := []struct {
		name, in, err string
	}{
		{"pairs", `{"status":200,"results":{"pairs":{"deny":["ipv4_net","slpf:rule_number","x-acme:c"]}}}`, ""},
		{"pairs action", `{"status":200,"results":{"pairs":{"block":["ipv4_net"]}}}`, `results.pairs.block: unknown action "block"`},
		{"pairs target", `{"status":200,"results":{"pairs":{"deny":["host"]}}}`, `results.pairs.deny[0]: unknown target type "host"`},
		{"rate limit", `{"status":200,"results":{"rate_limit":-1}}`, "results.rate_limit: must not be negative"},
		{"slpf rule number", `{"status":200,"results":{"slpf":{"rule_number":"1"}}}`, "results.slpf.rule_number: expected an integer, got string"},
		{"status text type", `{"status":200,"status_text":5}`, "status_text: expected a string, got number"},
		{"duplicate status", `{"status":200,"status":400}`, "status: duplicate key"},
		{"pairs empty", `{"status":200,"results":{"pairs":{}}}`, "results.pairs: must hold at least one action"},
		{"pairs empty list", `{"status":200,"results":{"pairs":{"deny":[]}}}`, "results.pairs.deny: must hold at least one item"},
		{"pairs repeated target", `{"status":200,"results":{"pairs":{"deny":["ipv4_net","ipv4_net"]}}}`, `results.pairs.deny[1]: "ipv4_net" repeats item 0`},
		{"pairs repeated action", `{"status":200,"results":{"pairs":{"deny":["ipv4_net"],"deny":["file"]}}}`, "results.pairs.deny: duplicate key"},
		{"versions repeated", `{"status":200,"results":{"versions":["1.0","1.0"]}}`, `results.versions[1]: "1.0" repeats item 0`},
		{"versions with a label", `{"status":200,"results":{"versions":["1.0","1.1-draft-2019-02"]}}`, ""},
		{"version not Major.Minor", `{"status":200,"results":{"versions":["1"]}}`, `results.versions[0]: "1" is not a version Major.Minor (LS v1.0 section 3.4.2.17)`},
		{"version with patch", `{"status":200,"results":{"versions":["1.0.0"]}}`, `results.versions[0]: "1.0.0" is not a version Major.Minor (LS v1.0 section 3.4.2.17)`},
		{"version prefixed", `{"status":200,"results":{"versions":["v1.0"]}}`, `results.versions[0]: "v1.0" is not a version Major.Minor (LS v1.0 section 3.4.2.17)`},
		{"version empty", `{"status":200,"results":{"versions":[""]}}`, `results.versions[0]: "" is not a version Major.Minor (LS v1.0 section 3.4.2.17)`},
		{"results empty", `{"status":200,"results":{}}`, "results: must hold at least one result (LS v1.0 section 3.3.2.2)"},
		{"rate limit", `{"status":200,"results":{"rate_limit":0.5}}`, ""},
		{"rate limit too large", `{"status":200,"results":{"rate_limit":1e400}}`, "results.rate_limit: invalid number 1e400"},
		{"slpf rule number negative", `{"status":200,"results":{"slpf":{"rule_number":-1}}}`, "results.slpf.rule_number: must not be negative"},
		{"extension result", `{"status":200,"results":{"x-acme":5}}`, "results.x-acme: expected an object, got number"},
		{"status not in ls", `{"status":201}`, "status: 201: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)"},
		{"status out of range", `{"status":600}`, "status: 600: not a status code"},
		{"missing status", `{"status_text":"OK"}`, "status: missing required field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeResponse([]byte(tt.in))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if _, err := EncodeResponse(r); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestEncodeValidates(t *testing.T) {
	tests := []struct {
		name string
		c    *Command
		err  string
	}{
		{"bad action", &Command{Action: "block", Target: Target{Name: TargetURI, Value: "https://a"}}, `action: unknown action "block"`},
		{"wrong value type", &Command{Action: ActionDeny, Target: Target{Name: TargetFeatures, Value: []string{"versions"}}}, `target.features: value of type []string does not fit target type "features"`},
		{"empty args", &Command{Action: ActionDeny, Target: Target{Name: TargetURI, Value: "https://a"}, Args: &Args{}}, "args: must hold at least one argument"},
		{"bad actuator", &Command{Action: ActionDeny, Target: Target{Name: TargetURI, Value: "https://a"}, Actuator: &Actuator{Profile: "acme"}}, "actuator.acme"},
		{"empty asset tuple", &Command{Action: ActionDeny, Target: Target{Name: TargetURI, Value: "https://a"}, Actuator: &Actuator{Profile: "slpf", Value: &SLPFActuator{AssetTuple: []string{}}}}, "actuator.slpf.asset_tuple: must hold 1 to 10 items, got 0"},
		{"null extension target", &Command{Action: ActionDeny, Target: Target{Name: "x-a:b", Value: json.RawMessage("null")}}, "target.x-a:b: extension target value must not be null"},
		{"extension args not object", &Command{Action: ActionDeny, Target: Target{Name: TargetURI, Value: "https://a"}, Args: &Args{Extensions: map[string]json.RawMessage{"x-a": json.RawMessage("[]")}}}, "args.x-a: must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeCommand(tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
	if _, err := EncodeResponse(&Response{Status: 201}); err == nil {
		t.Fatal("status 201 accepted")
	}
	nan := math.NaN()
	if _, err := EncodeResponse(&Response{Status: 200, Results: &Results{RateLimit: &nan}}); err == nil || err.Error() != "results.rate_limit: NaN is not a JSON number" {
		t.Fatalf("NaN rate limit: %v", err)
	}
	b, err := EncodeCommand(&Command{Action: ActionQuery, Target: Target{Name: TargetFeatures, Value: []Feature(nil)}})
	if err != nil || string(b) != `{"action":"query","target":{"features":[]}}` {
		t.Fatalf("nil features: %s, %v", b, err)
	}
}

// TestFaultOrder pins which fault a message with several is reported by:
// syntax first, then duplicate keys, nesting and I-JSON text in document
// order, then the first structural fault in document order, then validation.
func TestFaultOrder(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"empty", " \n", "empty document"},
		{"nothing", "", "empty document"},
		{"syntax after a type fault", `{"target":{"uri":1},"action":"deny"} x`, "invalid JSON at offset 38: invalid character 'x' after top-level value"},
		{"NUL after the message", "{\"action\":\"deny\",\"target\":{\"uri\":\"https://a\"}}\x00", "invalid JSON at offset 47: invalid character '\\x00' after top-level value"},
		{"duplicate after a type fault", `{"target":{"uri":1},"action":"deny","action":"deny"}`, "action: duplicate key"},
		{"nesting after a type fault", `{"target":{"uri":1},"action":"deny","args":{"x-a":{"b":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}}}`, "args.x-a.b" + strings.Repeat("[0]", 61) + ": nesting deeper than 64 levels"},
		{"text after a type fault", "{\"target\":{\"uri\":1},\"action\":\"de\xffny\"}", "action: invalid UTF-8 in string (RFC 7493 section 2.1)"},
		{"type faults in document order", `{"target":{"uri":1},"action":5}`, "target.uri: expected a string, got number"},
		{"unknown field before missing one", `{"target":{"uri":"https://a"},"x":1}`, "x: unknown field"},
		{"missing field", `{"target":{"uri":"https://a"}}`, "action: missing required field"},
		{"type fault before validation", `{"action":"block","target":{"uri":1}}`, "target.uri: expected a string, got number"},
		{"validation", `{"action":"block","target":{"uri":"https://a"}}`, `action: unknown action "block"`},
		{"choice lists its members", `{"action":"deny","target":{"uri":"https://a","ipv4_net":"10.0.0.1"}}`, "target: must hold exactly one target type, got 2 (ipv4_net, uri)"},
		{"empty choice", `{"action":"deny","target":{}}`, "target: must hold exactly one target type, got none"},
		{"actuator choice", `{"action":"deny","target":{"uri":"https://a"},"actuator":{"slpf":{},"x-a":{}}}`, "actuator: must hold exactly one actuator profile, got 2 (slpf, x-a)"},
		{"top level array", `[{"action":"deny"}]`, "expected an object, got array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCommand([]byte(tt.in))
			if err == nil || err.Error() != tt.err {
				t.Fatalf("error %v, want %s", err, tt.err)
			}
		})
	}
}
