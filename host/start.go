package host

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
)

// start calls gatehouse_start of p, a version just loaded, unless the
// module does not export it or the configuration says to skip it: once per
// loaded version, on the first instance of p's pool, with the plugin's
// grants and under its call timeout, before the version serves
// (abi/README.md, section 4.6). The error it returns fails the load; it
// keeps the code the call failed with and names the export.
func (h *Host) start(ctx context.Context, p *Plugin) *abi.Error {
	if !p.starts || h.cfg.SkipStart || h.cfg.DescribeOnly {
		return nil
	}
	inst, err := p.pool.get(ctx)
	if err != nil {
		return startFailed(p.classify(err, nil))
	}
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	body, err := c.encode(abi.StartRequest{})
	if err != nil {
		p.pool.put(inst, false)
		return startFailed(abi.Errorf(abi.CodeInternal, "encode request: %v", err))
	}
	var rep abi.StartReply
	e := invoke(ctx, p, inst, c, abi.ExportStart, body, &abi.Reply[abi.StartReply]{OK: &rep}, nil, monotonic())
	p.pool.put(inst, e != nil && breaksInstance(e.Code))
	if e != nil {
		return startFailed(e)
	}
	return nil
}

// startFailed returns e with a message that names gatehouse_start.
func startFailed(e *abi.Error) *abi.Error {
	return &abi.Error{Code: e.Code, Message: abi.ExportStart + ": " + e.Message}
}
