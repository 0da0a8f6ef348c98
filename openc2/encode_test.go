package openc2

import (
	"encoding/json"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// TestEncodeBytes pins the exact output: fields in the order of the types'
// declarations, args and results in the order of their names (as the
// encoding/json maps of earlier versions wrote them), compact raw values,
// and strings escaped only where JSON requires it.
func TestEncodeBytes(t *testing.T) {
	c := &Command{
		Action: ActionDeny,
		Target: Target{Name: TargetProcess, Value: &Process{
			PID: ptr[int64](7), Name: "a\"b\\c\n\x01<&>é", Executable: &File{Name: "sh", Hashes: &Hashes{MD5: strings.Repeat("0", 32)}},
			Parent: &Process{Name: "init"}, CommandLine: "sh -c x",
		}},
		Args: &Args{
			StartTime: ptr[int64](1), Duration: ptr[int64](2), ResponseRequested: ResponseComplete,
			SLPF:       &SLPFArgs{DropProcess: "reject", Persistent: ptr(false), Direction: "both", InsertRule: ptr[int64](3)},
			Extensions: map[string]json.RawMessage{"x-b": json.RawMessage(`{ "k" : [ 1 , "a b" ] }`), "x-a": json.RawMessage(`{}`)},
		},
		Actuator:  &Actuator{Profile: "slpf", Value: &SLPFActuator{Hostname: "fw", AssetTuple: []string{"a", "b"}}},
		CommandID: "id-1",
	}
	want := `{"action":"deny","target":{"process":{"pid":7,"name":"a\"b\\c\n\u0001<&>é","executable":{"name":"sh","hashes":{"md5":"00000000000000000000000000000000"}},"parent":{"name":"init"},"command_line":"sh -c x"}},` +
		`"args":{"duration":2,"response_requested":"complete","slpf":{"drop_process":"reject","persistent":false,"direction":"both","insert_rule":3},"start_time":1,"x-a":{},"x-b":{"k":[1,"a b"]}},` +
		`"actuator":{"slpf":{"hostname":"fw","asset_tuple":["a","b"]}},"command_id":"id-1"}`
	got, err := EncodeCommand(c)
	if err != nil || string(got) != want {
		t.Fatalf("EncodeCommand = %s, %v\nwant %s", got, err, want)
	}
	if d, err := DecodeCommand(got); err != nil || d.Target.Value.(*Process).Name != c.Target.Value.(*Process).Name {
		t.Fatalf("decode of the encoding: %v", err)
	}

	r := &Response{Status: 200, StatusText: "OK", Results: &Results{
		Versions: []string{"1.0"}, Profiles: []string{"slpf"}, RateLimit: ptr(30.0),
		Pairs: map[Action][]string{ActionQuery: {TargetFeatures}, ActionDeny: {TargetIPv4Net, TargetSLPFRuleNumber}},
		SLPF:  &SLPFResults{RuleNumber: ptr[int64](9)}, Extensions: map[string]json.RawMessage{"x-a": json.RawMessage(`{"b":true}`)},
	}}
	want = `{"status":200,"status_text":"OK","results":{"pairs":{"deny":["ipv4_net","slpf:rule_number"],"query":["features"]},"profiles":["slpf"],"rate_limit":30,"slpf":{"rule_number":9},"versions":["1.0"],"x-a":{"b":true}}}`
	if got, err := EncodeResponse(r); err != nil || string(got) != want {
		t.Fatalf("EncodeResponse = %s, %v\nwant %s", got, err, want)
	}
}

// TestMarshalJSON checks that encoding/json, through the MarshalJSON
// methods, writes what EncodeCommand and EncodeResponse write.
func TestMarshalJSON(t *testing.T) {
	for _, in := range []string{
		`{"action":"deny","target":{"ipv4_connection":{"src_addr":"10.0.0.0/8","dst_port":443,"protocol":"tcp"}},"args":{"response_requested":"complete","slpf":{"direction":"ingress"}},"actuator":{"x-acme":{"a":[1,2]}}}`,
		`{"action":"start","target":{"x-acme:container":{"id":"c1"}}}`,
		`{"status":200,"results":{"pairs":{"deny":["ipv4_net"]},"rate_limit":0.5,"x-acme":{"a":1}}}`,
	} {
		var got, want []byte
		if strings.HasPrefix(in, `{"status"`) {
			r, err := DecodeResponse([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			want, _ = EncodeResponse(r)
			got, err = json.Marshal(r)
		} else {
			c, err := DecodeCommand([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			want, _ = EncodeCommand(c)
			got, err = json.Marshal(c)
		}
		if string(got) != string(want) || string(got) != in {
			t.Errorf("json.Marshal = %s\n    encoder = %s\n      input = %s", got, want, in)
		}
	}
}

// TestEncodeErrors checks that what a caller put into a message and the
// encoder cannot write as I-JSON fails with the path of the value.
func TestEncodeErrors(t *testing.T) {
	uri := Target{Name: TargetURI, Value: "https://a"}
	tests := []struct {
		name string
		c    *Command
		err  string
	}{
		{"raw not JSON", &Command{Action: ActionDeny, Target: uri, Args: &Args{Extensions: map[string]json.RawMessage{"x-a": json.RawMessage(`{"a":}`)}}},
			"args.x-a: invalid JSON at offset 6: invalid character '}' looking for beginning of value"},
		{"raw duplicate", &Command{Action: ActionDeny, Target: uri, Args: &Args{Extensions: map[string]json.RawMessage{"x-a": json.RawMessage(`{"a":{"b":1,"b":2}}`)}}},
			"args.x-a.a.b: duplicate key"},
		{"raw trailing", &Command{Action: ActionDeny, Target: uri, Actuator: &Actuator{Profile: "x-a", Value: json.RawMessage(`{} {}`)}},
			"actuator.x-a: invalid JSON at offset 4: invalid character '{' after top-level value"},
		{"raw empty target", &Command{Action: ActionDeny, Target: Target{Name: "x-a:b", Value: json.RawMessage(" ")}},
			"target.x-a:b: empty JSON value"},
		{"not UTF-8", &Command{Action: ActionDeny, Target: uri, CommandID: "\xff"},
			`command_id: "\xff" is not Unicode text that I-JSON allows (RFC 7493 section 2.1)`},
		{"noncharacter deep", &Command{Action: ActionStop, Target: Target{Name: TargetProcess, Value: &Process{Parent: &Process{Parent: &Process{Name: "\uffff"}}}}},
			`target.process.parent.parent.name: "\uffff" is not Unicode text that I-JSON allows (RFC 7493 section 2.1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeCommand(tt.c)
			if err == nil || err.Error() != tt.err {
				t.Fatalf("EncodeCommand = %s, %v; want error %s", b, err, tt.err)
			}
		})
	}
}
