package https_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse/internal/doctest"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// TestDocExamples checks every JSON example of docs/openc2.md and
// docs/slpf.md as what it shows: a message, a command, a response, or a
// page of the command history, decoded as strictly as Gatehouse reads it.
func TestDocExamples(t *testing.T) {
	for _, doc := range []string{"docs/openc2.md", "docs/slpf.md"} {
		for _, ex := range doctest.JSON(t, doc) {
			var top map[string]json.RawMessage
			if err := json.Unmarshal(ex, &top); err != nil {
				t.Errorf("%s: example is not JSON: %v\n%s", doc, err, ex)
				continue
			}
			var err error
			switch {
			case top["body"] != nil:
				_, err = openc2.DecodeMessage(ex)
			case top["action"] != nil:
				_, err = openc2.DecodeCommand(ex)
			case top["status"] != nil:
				_, err = openc2.DecodeResponse(ex)
			case top["commands"] != nil:
				d := json.NewDecoder(bytes.NewReader(ex))
				d.DisallowUnknownFields()
				var page https.HistoryPage
				err = d.Decode(&page)
			default:
				t.Errorf("%s: an example of nothing known:\n%s", doc, ex)
			}
			if err != nil {
				t.Errorf("%s: %v\n%s", doc, err, ex)
			}
		}
	}
}
