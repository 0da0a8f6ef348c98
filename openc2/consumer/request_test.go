package consumer

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

// TestActuatorCommand checks the shape actuators get commands in against
// the JSON of every valid command vector and a few more, decoded as the
// ABI decodes JSON.
func TestActuatorCommand(t *testing.T) {
	var cmds [][]byte
	for _, v := range vectors.Commands(t) {
		if v.Valid {
			b, err := os.ReadFile(v.Path)
			if err != nil {
				t.Fatal(err)
			}
			cmds = append(cmds, b)
		}
	}
	cmds = append(cmds,
		[]byte(`{"action":"deny","target":{"ipv4_connection":{"src_addr":"10.0.0.0/8","src_port":0,"dst_addr":"192.0.2.1","dst_port":443,"protocol":"tcp"}},"args":{"start_time":1,"duration":2,"response_requested":"status","slpf":{"drop_process":"reject","persistent":false,"direction":"egress","insert_rule":0},"x-acme":{"n":1.5,"m":[1,{"k":null}]}},"actuator":{"slpf":{"hostname":"fw1","named_group":"g","asset_id":"a","asset_tuple":["x","y"]}},"command_id":"c"}`),
		[]byte(`{"action":"delete","target":{"slpf:rule_number":12}}`),
		[]byte(`{"action":"query","target":{"x-acme:thing":7}}`),
	)
	for _, b := range cmds {
		cmd, err := openc2.DecodeCommand(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		got, err := actuatorCommand(cmd)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		m, err := jsonnum.DecodeObject(mustEncode(cmd))
		if err != nil {
			t.Fatal(err)
		}
		want := openc2.GenericCommand{Action: string(cmd.Action), CommandID: cmd.CommandID}
		want.Target, _ = m["target"].(map[string]any)
		// The consumer keeps the times to itself.
		if want.Args, _ = m["args"].(map[string]any); want.Args != nil {
			for _, k := range []string{"start_time", "stop_time", "duration"} {
				delete(want.Args, k)
			}
			if len(want.Args) == 0 {
				want.Args = nil
			}
		}
		want.Actuator, _ = m["actuator"].(map[string]any)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %#v\nwant %#v", b, got, want)
		}
	}
}

// TestResponseOf checks that reading a reply gives what the reply's
// JSON decodes to, error messages included.
func TestResponseOf(t *testing.T) {
	for _, tt := range []struct {
		name  string
		reply openc2.GenericResponse
	}{
		{"status only", openc2.GenericResponse{Status: 200}},
		{"text", openc2.GenericResponse{Status: 404, StatusText: `no rule "7"`}},
		{"not ASCII", openc2.GenericResponse{Status: 500, StatusText: "r\u00e8gle \xff"}},
		{"rule number", openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": int64(7)}}}},
		{"narrow rule number", openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": uint8(7)}}}},
		{"huge rule number", openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": uint64(1 << 63)}}}},
		{"rule number as text", openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": "7"}}}},
		{"other results", openc2.GenericResponse{Status: 200, Results: map[string]any{"versions": []any{"1.0"}}}},
		{"empty results", openc2.GenericResponse{Status: 200, Results: map[string]any{}}},
		{"not LS v1.0", openc2.GenericResponse{Status: 201}},
		{"not a status", openc2.GenericResponse{Status: 99}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := responseOf(tt.reply)
			b, _ := json.Marshal(replyJSON(tt.reply))
			want, wantErr := openc2.DecodeResponse(b)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("error %v, want %v", err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("response %+v, want %+v", got, want)
			}
		})
	}
}

// replyJSON returns r as the JSON of a response, with its text and results
// left out when empty, as the ABI's encoders leave them out.
func replyJSON(r openc2.GenericResponse) map[string]any {
	m := map[string]any{"status": r.Status}
	if r.StatusText != "" {
		m["status_text"] = r.StatusText
	}
	if len(r.Results) > 0 {
		m["results"] = r.Results
	}
	return m
}
