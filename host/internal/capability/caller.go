package capability

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Caller is the environment the host functions act in during calls into a
// plugin instance: who the plugin is, what it was granted, and the result it
// has yet to collect with abi.FuncResult. The host puts a Caller in the
// context of each call with WithCaller.
//
// # Notes
//
// A Caller serves one call at a time, as a Wasm instance runs on one
// goroutine; it is not safe for concurrent use. Give each instance its own.
type Caller struct {
	// Plugin is the plugin's name, used in messages and config keys.
	Plugin string
	// Grants are the plugin's grants; nil grants nothing.
	Grants *Grants
	// Logger receives the plugin's log messages and the host's notes about
	// its calls. It should already carry the plugin's name; nil means
	// slog.Default().
	Logger *slog.Logger
	// KV is the plugin's namespace of the store, nil unless kv is granted.
	KV *store.Namespace
	// Record receives the requests of a dry-run exec grant instead of
	// running them; nil drops them (they are still logged).
	Record Recorder
	// Call is the context of the call in progress, set by the host around
	// each call into the plugin and nil between calls: host functions read
	// what the caller of the plugin gave the call (WithPlanner) from it.
	Call context.Context

	pending []byte // the bytes FuncResult hands out next
}

// Recorder receives an exec request that a dry-run grant recorded instead
// of running.
type Recorder func(ctx context.Context, plugin string, req abi.ExecRequest)

type callerKey struct{}

// WithCaller returns a copy of ctx carrying c, for a call into a plugin
// instantiated with the host module of Instantiate.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// callerFrom returns the Caller in ctx. A host function called without one
// traps the guest: that is a bug of the host, never the plugin's doing.
func callerFrom(ctx context.Context, fn string) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	if c == nil {
		panic(fmt.Errorf("host function %s.%s called without a capability.Caller in its context", abi.CapabilityModule, fn))
	}
	return c
}

// logger returns the Caller's logger.
func (c *Caller) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// check returns nil if the plugin may use need; if not, it logs the attempt
// to call fn and returns a capability_denied error.
func (c *Caller) check(ctx context.Context, fn string, need abi.Capability) *abi.Error {
	if c.Grants != nil && c.Grants.Has(need) {
		return nil
	}
	key := ConfigKey(c.Plugin, need)
	c.logger().WarnContext(ctx, "plugin called a host function it was not granted",
		"function", fn, "capability", string(need), "config_key", key)
	return abi.Errorf(abi.CodeCapabilityDenied,
		"capability %s is not granted to plugin %q (grant it with %s)", need, c.Plugin, key)
}

// setResult makes the outcome of host function fn pending and returns what
// fn returns to the guest: the length of out, or minus the length of the
// msgpack abi.Error that err becomes, its message prefixed with fn. An
// error that is not an *abi.Error is logged in full and reaches the guest as
// a bare internal error.
func (c *Caller) setResult(ctx context.Context, fn string, out []byte, err error) int32 {
	if err == nil && len(out) > math.MaxInt32 {
		err = abi.Errorf(abi.CodeReplyTooLarge, "result of %d bytes does not fit an i32", len(out))
	}
	if err == nil {
		c.pending = out
		return int32(len(out))
	}
	var e *abi.Error
	if !errors.As(err, &e) {
		c.logger().ErrorContext(ctx, "host function failed", "function", fn, "error", err)
		e = abi.Errorf(abi.CodeInternal, "internal error (the host log has the details)")
	}
	// Marshal cannot fail on a struct of two strings.
	c.pending, _ = msgpack.Marshal(&abi.Error{Code: e.Code, Message: fn + ": " + e.Message})
	return -int32(len(c.pending))
}
