package https_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// TestCancel schedules commands over the transfer and cancels them by their
// identifiers: headers.request_id, the X-Request-ID header of a message
// without one, and command_id.
func TestCancel(t *testing.T) {
	pki := tlstest.New(t)
	srv := server(t, pki, https.Options{})
	c := client(t, pki, pki.ClientCert, pki.ClientKey)
	later := time.Now().Add(time.Hour).UnixMilli()
	scheduled := func(commandID string) string {
		cmd := fmt.Sprintf(`"action":"deny","target":{"ipv4_net":"192.0.2.1"},"args":{"start_time":%d}`, later)
		if commandID != "" {
			cmd += `,"command_id":"` + commandID + `"`
		}
		return `{"request":{` + cmd + `}}`
	}
	cancel := func(id string) string { return `{"request":{"action":"cancel","target":{"command":"` + id + `"}}}` }
	for _, tt := range []struct {
		name, xid, body string
		status          int    // HTTP
		want            string // OpenC2 status
	}{
		{"schedule by request_id", "", envelope(`{"request_id":"later-1"}`, scheduled("")), 200, "102"},
		{"schedule by X-Request-ID", "later-2", envelope("", scheduled("")), 200, "102"},
		{"schedule by command_id", "", envelope(`{"request_id":"later-3"}`, scheduled("cmd-3")), 200, "102"},
		{"pairs", "", envelope(`{"request_id":"q"}`, `{"request":{"action":"query","target":{"features":["pairs"]}}}`), 200,
			`200 {"allow":["ipv4_connection","ipv4_net","ipv6_connection","ipv6_net"],"cancel":["command"],"deny":["ipv4_connection","ipv4_net","ipv6_connection","ipv6_net"],"query":["features"]}`},
		{"cancel request_id", "", envelope(`{"request_id":"c-1"}`, cancel("later-1")), 200, "200"},
		{"cancel X-Request-ID", "c-2", envelope("", cancel("later-2")), 200, "200"},
		{"cancel the request_id of a command with command_id", "", envelope(`{"request_id":"c-3"}`, cancel("later-3")), 404, "404"},
		{"cancel command_id", "", envelope(`{"request_id":"c-4"}`, cancel("cmd-3")), 200, "200"},
		{"cancel again", "", envelope(`{"request_id":"c-5"}`, cancel("later-1")), 404, "404"},
		{"cancel nothing", "", envelope(`{"request_id":"c-6"}`, cancel("")), 400, "400"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, c, srv.URL, openc2.ContentType, tt.xid, tt.body)
			if r.status != tt.status {
				t.Errorf("HTTP status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			m := response(t, r.body)
			got := fmt.Sprint(m.Response.Status)
			if m.Response.Results != nil {
				b, _ := json.Marshal(m.Response.Results.Pairs)
				got += " " + string(b)
			}
			if got != tt.want {
				t.Errorf("response %s, want %s", r.body, tt.want)
			}
		})
	}
}
