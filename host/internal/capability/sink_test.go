package capability

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/sink"
)

// writeSink makes the guest write msg to the sink name for c, at info
// level, and returns the outcome.
func (g *guest) writeSink(c *Caller, name string, msg []byte) *abi.Error {
	g.t.Helper()
	np, nn := g.put([]byte(name))
	mp, mn := g.put(msg)
	n, err := g.invoke(context.Background(), c, fnSinkWrite, np, nn, uint64(abi.LogInfo), mp, mn)
	if err != nil {
		g.t.Fatalf("invoke: %v", err)
	}
	out, e := g.outcome(c, n)
	if e == nil && len(out) != 0 {
		g.t.Errorf("sink_write left a result of %d bytes, want none", len(out))
	}
	return e
}

func TestSinkWrite(t *testing.T) {
	g := newGuest(t)
	path := filepath.Join(t.TempDir(), "audit.log")
	c, _ := newCaller(Grants{Sink: SinkGrant{"audit": {File: &sink.File{Path: path}}}})
	if err := g.writeSink(c, "audit", []byte("obl_log: GRANT {}")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(b), " INFO test obl_log: GRANT {}\n") {
		t.Errorf("the file holds %q", b)
	}
}

func TestHostileSinkWrite(t *testing.T) {
	g := newGuest(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	granted := Grants{Sink: SinkGrant{"audit": {File: &sink.File{Path: path}}}}
	tests := []struct {
		name   string
		grants Grants
		sink   string
		msg    []byte
		code   abi.Code
		inMsg  string
	}{
		{"no grant", Grants{Log: true}, "audit", []byte("m"), abi.CodeCapabilityDenied, "grant it with plugins.test.grants.sink"},
		{"granted no sinks", Grants{Sink: SinkGrant{}}, "audit", []byte("m"), abi.CodeCapabilityDenied, `no sink "audit" in plugins.test.grants.sink (it has none)`},
		{"a sink not granted", granted, "other", []byte("m"), abi.CodeCapabilityDenied, `no sink "other" in plugins.test.grants.sink (it has audit)`},
		{"huge record", granted, "audit", make([]byte, sink.MaxRecordBytes+1), abi.CodeInvalidRequest, "record of 65537 bytes exceeds the limit of 65536 bytes"},
		{"long sink name", granted, strings.Repeat("a", 65), []byte("m"), abi.CodeInvalidRequest, "sink name of 65 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newCaller(tt.grants)
			err := g.writeSink(c, tt.sink, tt.msg)
			wantCode(t, err, tt.code)
			if !strings.HasPrefix(err.Message, abi.FuncSinkWrite+": ") || !strings.Contains(err.Message, tt.inMsg) {
				t.Errorf("message %q, want it to start with %s and contain %q", err.Message, abi.FuncSinkWrite, tt.inMsg)
			}
		})
	}
	t.Run("record out of memory", func(t *testing.T) {
		c, _ := newCaller(granted)
		np, nn := g.put([]byte("audit"))
		n, err := g.invoke(context.Background(), c, fnSinkWrite, np, nn, 1, 1<<31, 100)
		if err != nil {
			t.Fatal(err)
		}
		_, e := g.outcome(c, n)
		wantCode(t, e, abi.CodeInvalidRequest)
	})
	t.Run("destination fails", func(t *testing.T) {
		missing := filepath.Join(dir, "missing", "audit.log")
		c, logs := newCaller(Grants{Sink: SinkGrant{"audit": {File: &sink.File{Path: missing}}}})
		err := g.writeSink(c, "audit", []byte("m"))
		wantCode(t, err, abi.CodeUnavailable)
		if strings.Contains(err.Message, dir) || !strings.Contains(err.Message, `sink "audit"`) {
			t.Errorf("message %q names the destination, or not the sink", err.Message)
		}
		if !strings.Contains(logs.String(), missing) {
			t.Errorf("the host log does not name the destination: %s", logs)
		}
	})
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a refused write reached the file: %v", err)
	}
}
