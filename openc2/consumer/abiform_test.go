package consumer

import (
	"os"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

// TestABICommand checks the direct conversion against the JSON of every
// valid command vector and a few more, decoded as the ABI decodes JSON.
func TestABICommand(t *testing.T) {
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
		got, err := abiCommand(cmd)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		m, err := abi.DecodeJSONObject(mustEncode(cmd))
		if err != nil {
			t.Fatal(err)
		}
		want := abi.Command{Action: string(cmd.Action), CommandID: cmd.CommandID}
		want.Target, _ = m["target"].(map[string]any)
		want.Args, _ = m["args"].(map[string]any)
		want.Actuator, _ = m["actuator"].(map[string]any)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %#v\nwant %#v", b, got, want)
		}
	}
}
