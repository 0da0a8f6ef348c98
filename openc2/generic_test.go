package openc2

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

// viaMsgpack returns the object m as it arrives on the other side of the
// plugin ABI: encoded with MessagePack and decoded into generic values,
// integers in the narrowest width their format gives. A nil map stays nil,
// as the ABI leaves out a key whose value is nil.
func viaMsgpack(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if m == nil {
		return nil
	}
	b, err := msgpack.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := msgpack.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// genericFromJSON returns the JSON object data in generic form, or nil
// when data is no JSON object.
func genericFromJSON(data []byte) map[string]any {
	v, _ := jsonform.ToGeneric(nil, data)
	m, _ := v.(map[string]any)
	return m
}

// TestGenericConformance carries every conformance vector the way a
// command reaches an actuator and its response comes back: JSON, typed,
// generic, MessagePack, generic, typed, JSON. A valid vector comes out as
// it went in; an invalid one that the generic form can hold is refused
// with the error its JSON gets.
func TestGenericConformance(t *testing.T) {
	for _, v := range vectors.Commands(t) {
		t.Run(v.Name, func(t *testing.T) {
			data, err := os.ReadFile(v.Path)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Valid {
				g, ok := commandShape(genericFromJSON(data))
				if !ok {
					t.Skip("the generic form cannot hold its members")
				}
				_, jerr := DecodeCommand(data)
				_, gerr := CommandFromGeneric(g)
				checkSameRefusal(t, gerr, jerr)
				return
			}
			c, err := DecodeCommand(data)
			if err != nil {
				t.Fatal(err)
			}
			g, err := CommandToGeneric(c)
			if err != nil {
				t.Fatal(err)
			}
			g.Target, g.Args, g.Actuator = viaMsgpack(t, g.Target), viaMsgpack(t, g.Args), viaMsgpack(t, g.Actuator)
			back, err := CommandFromGeneric(g)
			if err != nil {
				t.Fatalf("%+v: %v", g, err)
			}
			enc, err := EncodeCommand(back)
			if err != nil {
				t.Fatal(err)
			}
			if got, orig := generic(t, enc), generic(t, data); !reflect.DeepEqual(got, orig) {
				t.Fatalf("round trip changed:\n got %s\nwant %s", enc, data)
			}
		})
	}
	for _, v := range vectors.Responses(t) {
		t.Run(v.Name, func(t *testing.T) {
			data, err := os.ReadFile(v.Path)
			if err != nil {
				t.Fatal(err)
			}
			if !v.Valid {
				g, ok := responseShape(genericFromJSON(data))
				if !ok {
					t.Skip("the generic form cannot hold its members")
				}
				_, jerr := DecodeResponse(data)
				_, gerr := ResponseFromGeneric(g)
				checkSameRefusal(t, gerr, jerr)
				return
			}
			r, err := DecodeResponse(data)
			if err != nil {
				t.Fatal(err)
			}
			g, err := ResponseToGeneric(r)
			if err != nil {
				t.Fatal(err)
			}
			g.Results = viaMsgpack(t, g.Results)
			back, err := ResponseFromGeneric(g)
			if err != nil {
				t.Fatalf("%+v: %v", g, err)
			}
			enc, err := EncodeResponse(back)
			if err != nil {
				t.Fatal(err)
			}
			if got, orig := generic(t, enc), generic(t, data); !reflect.DeepEqual(got, orig) {
				t.Fatalf("round trip changed:\n got %s\nwant %s", enc, data)
			}
		})
	}
}

// checkSameRefusal asserts that the generic form of an invalid message is
// refused with the *Error its JSON gets.
func checkSameRefusal(t *testing.T, gerr, jerr error) {
	t.Helper()
	if jerr == nil {
		t.Fatal("the JSON was accepted")
	}
	checkRejection(t, gerr)
	if gerr.Error() != jerr.Error() {
		t.Fatalf("error %q, the JSON's %q", gerr, jerr)
	}
}

// commandShape returns the object m as a GenericCommand, if its members
// have the types the generic form holds.
func commandShape(m map[string]any) (GenericCommand, bool) {
	var g GenericCommand
	ok := m != nil
	for k, v := range m {
		switch k {
		case "action":
			g.Action, ok = v.(string)
		case "command_id":
			g.CommandID, ok = v.(string)
		case "target":
			g.Target, ok = v.(map[string]any)
		case "args":
			g.Args, ok = v.(map[string]any)
		case "actuator":
			g.Actuator, ok = v.(map[string]any)
		default:
			ok = false
		}
		if !ok {
			return g, false
		}
	}
	_, hasAction := m["action"]
	_, hasTarget := m["target"]
	return g, hasAction && hasTarget
}

// responseShape returns the object m as a GenericResponse, if its members
// have the types the generic form holds.
func responseShape(m map[string]any) (GenericResponse, bool) {
	var g GenericResponse
	ok := m != nil
	for k, v := range m {
		switch k {
		case "status":
			var n int64
			n, ok = v.(int64)
			g.Status = int(n)
		case "status_text":
			g.StatusText, ok = v.(string)
		case "results":
			g.Results, ok = v.(map[string]any)
		default:
			ok = false
		}
		if !ok {
			return g, false
		}
	}
	_, hasStatus := m["status"]
	return g, hasStatus
}

// TestGenericErrors checks that a generic form is read as strictly as JSON
// is, errors worded alike, whatever Go values it holds.
func TestGenericErrors(t *testing.T) {
	deny := func(target map[string]any) GenericCommand {
		return GenericCommand{Action: "deny", Target: target}
	}
	conn := func(k string, v any) GenericCommand {
		return deny(map[string]any{"ipv4_connection": map[string]any{k: v}})
	}
	tests := []struct {
		name string
		g    GenericCommand
		want string // the error; "" for none
	}{
		{"narrow integers", conn("dst_port", uint8(80)), ""},
		{"bytes for a string", conn("src_addr", []byte("10.0.0.1")), ""},
		{"float for an integer", conn("dst_port", 80.0), "target.ipv4_connection.dst_port: expected an integer, got 80"},
		{"huge integer", conn("dst_port", uint64(math.MaxUint64)), "target.ipv4_connection.dst_port: expected an integer, got 18446744073709551615"},
		{"string for an integer", conn("dst_port", "80"), "target.ipv4_connection.dst_port: expected an integer, got string"},
		{"null", conn("protocol", nil), "target.ipv4_connection.protocol: expected a string, got null"},
		{"Go type", conn("protocol", struct{}{}), "target.ipv4_connection.protocol: expected a string, got a value of type struct {}"},
		{"unknown field", conn("flags", "SYN"), "target.ipv4_connection.flags: unknown field"},
		{"invalid UTF-8", conn("src_addr", "10.0.0.1\xff"), "target.ipv4_connection.src_addr: invalid UTF-8 in string (RFC 7493 section 2.1)"},
		{"noncharacter", GenericCommand{Action: "deny", Target: map[string]any{"uri": "http://a/\ufffe"}}, "target.uri: noncharacter U+FFFE in string (RFC 7493 section 2.1)"},
		{"two targets", deny(map[string]any{"ipv4_net": "10.0.0.1", "ipv6_net": "::1"}), "target: must hold exactly one target type, got 2 (ipv4_net, ipv6_net)"},
		{"no target", deny(nil), "target: missing required field"},
		{"empty target", deny(map[string]any{}), "target: must hold exactly one target type, got none"},
		{"no action", GenericCommand{Target: map[string]any{"ipv4_net": "10.0.0.1"}}, "action: missing required field"},
		{"unknown action", GenericCommand{Action: "smash", Target: map[string]any{"ipv4_net": "10.0.0.1"}}, `action: unknown action "smash"`},
		{"extension not an object", GenericCommand{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}, Args: map[string]any{"x-acme": 1}}, "args.x-acme: expected an object, got number"},
		{"extension with NaN", GenericCommand{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}, Args: map[string]any{"x-acme": map[string]any{"n": []any{math.NaN()}}}}, "args.x-acme.n[0]: NaN is not a JSON number"},
		{"unknown argument", GenericCommand{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}, Args: map[string]any{"speed": 1}}, `args.speed: unknown argument: "speed": not a namespace identifier (a registered profile or "x-" followed by letters, digits and underscores)`},
		{"persistent not a boolean", GenericCommand{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}, Args: map[string]any{"slpf": map[string]any{"persistent": "yes"}}}, "args.slpf.persistent: expected a boolean, got string"},
		{"extension target", GenericCommand{Action: "query", Target: map[string]any{"x-acme:thing": map[string]any{"b": int8(-1), "a": []string{"x"}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := CommandFromGeneric(tt.g)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := EncodeCommand(c); err != nil {
					t.Fatal(err)
				}
				return
			}
			checkRejection(t, err)
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
		})
	}
}

// TestGenericResponseErrors checks ResponseFromGeneric as TestGenericErrors
// checks CommandFromGeneric.
func TestGenericResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		g    GenericResponse
		want string
	}{
		{"rule number", GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": uint16(7)}}}, ""},
		{"rule number as text", GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": "7"}}}, "results.slpf.rule_number: expected an integer, got string"},
		{"rate limit of an integer", GenericResponse{Status: 200, Results: map[string]any{"rate_limit": int32(60)}}, ""},
		{"infinite rate limit", GenericResponse{Status: 200, Results: map[string]any{"rate_limit": math.Inf(1)}}, "results.rate_limit: +Inf is not a JSON number"},
		{"pairs of []string", GenericResponse{Status: 200, Results: map[string]any{"pairs": map[string]any{"deny": []string{"ipv4_net"}}}}, ""},
		{"empty results", GenericResponse{Status: 200, Results: map[string]any{}}, "results: must hold at least one result"},
		{"not a status", GenericResponse{Status: 99}, "status: 99: not a status code"},
		{"not LS v1.0", GenericResponse{Status: 201}, "status: 201: not a status code of LS v1.0"},
		{"status text not UTF-8", GenericResponse{Status: 500, StatusText: "r\xe8gle"}, "status_text: invalid UTF-8 in string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ResponseFromGeneric(tt.g)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := EncodeResponse(r); err != nil {
					t.Fatal(err)
				}
				return
			}
			checkRejection(t, err)
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
		})
	}
}

// TestHostileGenericNesting checks that a generic form nested deeper than
// JSON may nest, or nested without end, is refused rather than followed:
// Go values, unlike JSON, can hold themselves.
func TestHostileGenericNesting(t *testing.T) {
	cycle := map[string]any{}
	cycle["x"] = cycle
	var deep any = map[string]any{}
	for range jsonform.MaxDepth {
		deep = []any{deep}
	}
	parent := map[string]any{"pid": 1}
	parent["parent"] = parent
	for _, tt := range []struct {
		name string
		g    GenericCommand
	}{
		{"extension holding itself", GenericCommand{Action: "deny", Target: map[string]any{"ipv4_net": "10.0.0.1"}, Args: map[string]any{"x-acme": cycle}}},
		{"deep extension target", GenericCommand{Action: "query", Target: map[string]any{"x-acme:thing": deep}}},
		{"process its own parent", GenericCommand{Action: "contain", Target: map[string]any{"process": parent}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CommandFromGeneric(tt.g)
			checkRejection(t, err)
			if !strings.Contains(err.Error(), fmt.Sprintf("nesting deeper than %d levels", jsonform.MaxDepth)) {
				t.Fatalf("error %v", err)
			}
		})
	}
}

// TestGenericFromJSON checks the generic form of a command against what
// encoding/json makes of its JSON, numbers apart, and that it does not
// share maps with the command it came from.
func TestGenericFromJSON(t *testing.T) {
	data := []byte(`{"action":"deny","target":{"ipv4_connection":{"src_addr":"10.0.0.0/8","src_port":0,"dst_addr":"192.0.2.1","dst_port":443,"protocol":"tcp"}},"args":{"start_time":1,"duration":2,"response_requested":"status","slpf":{"drop_process":"reject","persistent":false,"direction":"egress","insert_rule":0},"x-acme":{"n":1.5,"big":18446744073709551615,"m":[1,{"k":null}]}},"actuator":{"slpf":{"hostname":"fw1","named_group":"g","asset_id":"a","asset_tuple":["x","y"]}},"command_id":"c"}`)
	c, err := DecodeCommand(data)
	if err != nil {
		t.Fatal(err)
	}
	g, err := CommandToGeneric(c)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Args["x-acme"].(map[string]any)["big"]; got != uint64(math.MaxUint64) {
		t.Errorf("big = %#v, want a uint64", got)
	}
	if got := g.Target["ipv4_connection"].(map[string]any)["dst_port"]; got != int64(443) {
		t.Errorf("dst_port = %#v, want an int64", got)
	}
	huge, err := DecodeCommand([]byte(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"x-a":{"n":1e400}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CommandToGeneric(huge); err == nil || err.Error() != "args.x-a.n: 1e400 is beyond the range of a 64-bit float" {
		t.Errorf("a number beyond float64: %v", err)
	}
	b, err := json.Marshal(map[string]any{"action": g.Action, "target": g.Target, "args": g.Args, "actuator": g.Actuator, "command_id": g.CommandID})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := generic(t, b), generic(t, data); !reflect.DeepEqual(got, want) {
		t.Errorf("generic form\n got %s\nwant %s", b, data)
	}
}

// FuzzCommandGeneric checks that every command the JSON codec accepts
// crosses the ABI in generic form unchanged: to its generic form, through
// MessagePack, and back, it validates and encodes as it did.
func FuzzCommandGeneric(f *testing.F) {
	seedVectors(f, "commands")
	f.Add([]byte(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"x-a":{"n":[1.50,-0,1e400]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		want, err := EncodeCommand(c)
		if err != nil {
			t.Fatal(err)
		}
		g, err := CommandToGeneric(c)
		if err != nil {
			if strings.Contains(err.Error(), "beyond the range of a 64-bit float") {
				return // a number the ABI cannot carry, refused as it should be
			}
			t.Fatalf("%s: %v", want, err)
		}
		g.Target, g.Args, g.Actuator = viaMsgpack(t, g.Target), viaMsgpack(t, g.Args), viaMsgpack(t, g.Actuator)
		back, err := CommandFromGeneric(g)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		got, err := EncodeCommand(back)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(generic(t, got), generic(t, want)) {
			t.Fatalf("changed:\n got %s\nwant %s", got, want)
		}
	})
}

// FuzzResponseGeneric checks responses as FuzzCommandGeneric checks
// commands.
func FuzzResponseGeneric(f *testing.F) {
	seedVectors(f, "responses")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeResponse(data)
		if err != nil {
			return
		}
		want, err := EncodeResponse(r)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ResponseToGeneric(r)
		if err != nil {
			if strings.Contains(err.Error(), "beyond the range of a 64-bit float") {
				return // a number the ABI cannot carry, refused as it should be
			}
			t.Fatalf("%s: %v", want, err)
		}
		g.Results = viaMsgpack(t, g.Results)
		back, err := ResponseFromGeneric(g)
		if err != nil {
			t.Fatalf("%s: %v", want, err)
		}
		got, err := EncodeResponse(back)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(generic(t, got), generic(t, want)) {
			t.Fatalf("changed:\n got %s\nwant %s", got, want)
		}
	})
}
