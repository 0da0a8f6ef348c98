package https_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// TestHistoryRoute checks the query parameters of GET HistoryPath.
func TestHistoryRoute(t *testing.T) {
	c, err := consumer.New(&firewall{}, consumer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	https.RegisterHistory(e, c)
	srv := httptest.NewServer(e)
	defer srv.Close()
	for query, want := range map[string]int{
		"": 200, "?status=failed&actuator=a/b&limit=1000&before=3": 200, "?status=404": 200,
		"?status=bad": 400, "?status=99": 400, "?limit=0": 400, "?limit=1001": 400, "?before=-1": 400,
	} {
		resp, err := srv.Client().Get(srv.URL + https.HistoryPath + query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: HTTP %d %s, want %d", query, resp.StatusCode, b, want)
		}
	}
}

// refuseAll refuses every command.
type refuseAll struct{}

func (refuseAll) Authorize(context.Context, https.Request) error {
	return errors.New("not on the list")
}

// TestRefusedInHistory checks that a command the Authorizer refuses is kept
// in the consumer's history, with the refusal as its decision and status,
// and never carried out.
func TestRefusedInHistory(t *testing.T) {
	fw := &firewall{}
	st, err := store.Open(filepath.Join(t.TempDir(), "openc2.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := consumer.New(fw, consumer.Config{Store: st.Namespace("openc2"), History: 10, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	https.Register(e, c, https.Options{Authorizer: refuseAll{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(e)
	defer srv.Close()
	r := post(t, srv.Client(), srv.URL, openc2.ContentType, "", envelope(`{"request_id":"r-9"}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`))
	if r.status != http.StatusForbidden {
		t.Fatalf("HTTP %d %s", r.status, r.body)
	}
	recs, _, err := c.History(consumer.HistoryQuery{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("history %+v, %v", recs, err)
	}
	if rec := recs[0]; rec.RequestID != "r-9" || rec.Status != 403 || rec.Decision != "forbidden: not on the list" || rec.State != consumer.StateDone {
		t.Errorf("record %+v", rec)
	}
	if fw.rules.Load() != 0 {
		t.Error("the refused command was carried out")
	}
}
