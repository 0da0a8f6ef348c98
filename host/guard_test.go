package host

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
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
