package capability

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/sink"
)

// maxSinkName is the longest sink name read from a plugin's memory.
const maxSinkName = 64

// SinkGrant grants writing records to named destinations, by name: the
// plugin names one in each sink_write. An empty map grants the capability
// with no destination, so that a plugin that may use one loads, and every
// write fails with capability_denied until one is configured.
type SinkGrant map[string]sink.Sink

// Sink is a destination of the sink capability: a file, the system log or
// mail (see package sink).
type Sink = sink.Sink

// sinkWrite is sink_write(sink_ptr, sink_len, level, msg_ptr, msg_len):
// it writes the message as one record to the destination that the grant
// names sink, and returns when the destination took it; the result is
// empty. A message over sink.MaxRecordBytes fails with invalid_request
// before it is read, a sink the grant does not name with
// capability_denied, a destination that does not take the record in time
// with timeout, and one that fails otherwise with unavailable. The
// plugin, which may pass the message on to a client, learns the sink's
// name and the code only; the host log has the destination and the cause.
func sinkWrite(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	nameLen, msgLen := api.DecodeU32(params[1]), api.DecodeU32(params[4])
	if nameLen > maxSinkName {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "sink name of %d bytes is longer than %d", nameLen, maxSinkName)
	}
	if msgLen > sink.MaxRecordBytes {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "record of %d bytes exceeds the limit of %d bytes", msgLen, sink.MaxRecordBytes)
	}
	name, err := mem.read("sink name", api.DecodeU32(params[0]), nameLen)
	if err != nil {
		return nil, err
	}
	msg, err := mem.read("message", api.DecodeU32(params[3]), msgLen)
	if err != nil {
		return nil, err
	}
	s, ok := c.Grants.Sink[string(name)]
	if !ok {
		return nil, abi.Errorf(abi.CodeCapabilityDenied, "no sink %q in %s (it has %s)",
			name, ConfigKey(c.Plugin, abi.CapSink), c.Grants.Sink.names())
	}
	rec := sink.Record{Time: time.Now(), Plugin: c.Plugin, Level: api.DecodeI32(params[2]), Message: string(msg)}
	if err := s.Write(ctx, rec); err != nil {
		c.logger().WarnContext(ctx, "sink write failed", "sink", string(name), "error", err)
		code := abi.CodeInternal
		if e, ok := err.(*abi.Error); ok {
			code = e.Code
		}
		return nil, abi.Errorf(code, "sink %q did not take the record (%s); the host log has the details", name, code)
	}
	return nil, nil
}

// names lists the sinks of g for a message.
func (g SinkGrant) names() string {
	if len(g) == 0 {
		return "none"
	}
	names := make([]string, 0, len(g))
	for n := range g {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
