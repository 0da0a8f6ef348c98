package capability

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// execWaitDelay bounds how long a run waits, after its program exited or
// was killed, for processes that escaped its process group to close its
// output pipes.
const execWaitDelay = time.Second

// execRequest is exec(req_ptr, req_len) with a msgpack abi.ExecRequest; the
// result is a msgpack abi.ExecResult.
//
// The program must be on the grant's list: a request names it as listed,
// or by the absolute path a listed name resolves to in the host's PATH. It
// runs with the request's argv, never through a shell, with only PATH in
// its environment (no secret of the host's environment reaches it), in its
// own process group. A non-zero exit is a result, not an error. A run past
// the grant's timeout or the call's deadline, or whose call is cancelled, is
// killed with its whole process group and fails with timeout (unavailable
// for a cancelled call); a run writing more than the grant's MaxOutput to
// stdout or stderr is killed and fails with reply_too_large; a program that
// cannot be found or started fails with unavailable. Under a dry-run grant
// nothing runs: the Caller's Record receives the request and the result is
// ExecResult{DryRun: true}.
func execRequest(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	var req abi.ExecRequest
	if err := mem.decode(api.DecodeU32(params[0]), api.DecodeU32(params[1]), &req); err != nil {
		return nil, err
	}
	res, err := c.runExec(ctx, req)
	if err != nil {
		return nil, err
	}
	return msgpack.Marshal(res)
}

// runExec runs req under the Caller's exec grant.
func (c *Caller) runExec(ctx context.Context, req abi.ExecRequest) (*abi.ExecResult, error) {
	g := c.Grants.Exec
	entry, ok := g.match(req.Program)
	if !ok {
		return nil, abi.Errorf(abi.CodeCapabilityDenied, "program %q is not in %s.programs",
			req.Program, ConfigKey(c.Plugin, abi.CapExec))
	}
	if g.DryRun {
		c.logger().InfoContext(ctx, "exec recorded, not run (dry run)", "program", req.Program, "args", req.Args)
		if c.Record != nil {
			c.Record(ctx, c.Plugin, req)
		}
		return &abi.ExecResult{DryRun: true}, nil
	}
	path := entry
	if !filepath.IsAbs(entry) {
		var err error
		if path, err = exec.LookPath(entry); err != nil {
			return nil, abi.Errorf(abi.CodeUnavailable, "program %q: %v", entry, err)
		}
	}

	runCtx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	limit := g.maxOutput()
	stdout := &cappedBuffer{limit: limit, onOverflow: cancel}
	stderr := &cappedBuffer{limit: limit, onOverflow: cancel}
	cmd := exec.CommandContext(runCtx, path, req.Args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if len(req.Stdin) > 0 {
		cmd.Stdin = bytes.NewReader(req.Stdin)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = execWaitDelay
	setProcessGroup(cmd)
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		// The program has exited: reap what it left running in its group.
		_ = killProcessGroup(cmd.Process)
	}

	res := &abi.ExecResult{Stdout: stdout.buf.Bytes(), Stderr: stderr.buf.Bytes()}
	var exitErr *exec.ExitError
	switch {
	case stdout.overflowed:
		return nil, abi.Errorf(abi.CodeReplyTooLarge, "program %q wrote more than the grant's max_output of %d bytes to stdout", req.Program, limit)
	case stderr.overflowed:
		return nil, abi.Errorf(abi.CodeReplyTooLarge, "program %q wrote more than the grant's max_output of %d bytes to stderr", req.Program, limit)
	case err != nil && errors.Is(ctx.Err(), context.Canceled):
		return nil, abi.Errorf(abi.CodeUnavailable, "program %q killed: the call was cancelled", req.Program)
	case err != nil && runCtx.Err() != nil:
		return nil, abi.Errorf(abi.CodeTimeout, "program %q timed out and was killed after %s", req.Program, time.Since(start).Round(time.Millisecond))
	case errors.As(err, &exitErr):
		res.ExitCode = exitCode(exitErr)
	case err != nil && !errors.Is(err, exec.ErrWaitDelay):
		return nil, abi.Errorf(abi.CodeUnavailable, "program %q: %v", req.Program, err)
	}
	c.logger().InfoContext(ctx, "exec", "program", path, "args", req.Args,
		"exit_code", res.ExitCode, "duration", time.Since(start))
	return res, nil
}

// match returns the entry of the grant that allows program: an entry equal
// to it or, for an absolute path, a program name that PATH resolves to it.
// Entries that are neither names nor absolute paths allow nothing.
func (g *ExecGrant) match(program string) (string, bool) {
	for _, p := range g.Programs {
		if p == program && validProgram(p) {
			return p, true
		}
	}
	if filepath.IsAbs(program) {
		for _, p := range g.Programs {
			if !strings.ContainsRune(p, '/') && p != "" {
				if path, err := exec.LookPath(p); err == nil && path == program {
					return p, true
				}
			}
		}
	}
	return "", false
}

// validProgram reports whether p is a program name or an absolute path.
func validProgram(p string) bool {
	return p != "" && (!strings.ContainsRune(p, '/') || filepath.IsAbs(p))
}

// cappedBuffer keeps up to limit bytes written to it. A write past the
// limit marks it overflowed and calls onOverflow once; it still reports
// success, so a program never blocks on a pipe nobody drains.
type cappedBuffer struct {
	buf        bytes.Buffer
	limit      int64
	overflowed bool
	onOverflow func()
}

// Write implements io.Writer.
func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.overflowed {
		return len(p), nil
	}
	if int64(b.buf.Len())+int64(len(p)) > b.limit {
		b.overflowed = true
		b.onOverflow()
		return len(p), nil
	}
	return b.buf.Write(p)
}
