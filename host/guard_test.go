package host

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/stdio"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestConcurrentInterrupts calls the C plugin's echo from several
// goroutines at once, half of them with contexts cancelled at random
// points, before, during or just after their calls, while the others
// start calls on the same instances. A cancelled call succeeds or fails
// as cancelled; a call whose context is never cancelled always succeeds:
// an interrupt meant for one call never stops another. Run it with -race.
func TestConcurrentInterrupts(t *testing.T) {
	h := newHostWasm(t, Config{Limits: Limits{PoolSize: 2, QuarantineAfter: 1 << 30}}, wasmbuild.C.Plugin(t, "c-basics"))
	const workers, calls = 4, 2000
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for range calls {
				ctx, stop := context.Background(), func() {}
				cancelling := w%2 == 1
				if cancelling {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(context.Background())
					timer := time.AfterFunc(time.Duration(rand.IntN(4_000)), cancel)
					stop = func() { timer.Stop(); cancel() }
				}
				_, err := h.Environment(ctx, "echo", benchRequest)
				stop()
				if err != nil && (!cancelling || !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable})) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
}

// BenchmarkGuard is the guard of a call alone, around a call that does
// nothing, with the timer as calls in a row leave it: armed.
func BenchmarkGuard(b *testing.B) {
	i := &nativeInstance{out: &stdio.Output{}}
	i.timer = time.AfterFunc(time.Hour, i.watch)
	b.Cleanup(func() { i.timer.Stop() })
	ctx, nop := context.Background(), func() error { return nil }
	for b.Loop() {
		if err := i.guard(ctx, time.Minute, monotonic(), nop); err != nil {
			b.Fatal(err)
		}
	}
}

// TestInterruptOfEndedCall checks that the cancellation of a call that
// lands as the call ends, its interrupt running only after the next call
// on the instance has started, does not stop that next call.
func TestInterruptOfEndedCall(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	i := &nativeInstance{out: &stdio.Output{}, stop: &testGlobal{}, cancel: func() {}}
	i.timer = time.AfterFunc(time.Hour, i.watch)
	t.Cleanup(func() { i.timer.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first call's context is cancelled as it ends: with one P, the
	// interrupt's goroutine runs only when the next call yields.
	if err := i.guard(ctx, time.Minute, monotonic(), func() error { cancel(); return nil }); err != nil {
		t.Fatalf("the first call: %v", err)
	}
	err := i.guard(context.Background(), time.Minute, monotonic(), func() error {
		for range 10 {
			runtime.Gosched()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the next call failed by the first call's cancellation: %v", err)
	}
	if v := i.stop.Get(); v != 0 {
		t.Fatalf("the interrupt global is %d after the calls, want 0", v)
	}
}

// testGlobal is the interrupt global of an instance without a module.
type testGlobal struct {
	api.MutableGlobal
	v atomic.Uint64
}

func (g *testGlobal) Get() uint64  { return g.v.Load() }
func (g *testGlobal) Set(v uint64) { g.v.Store(v) }
