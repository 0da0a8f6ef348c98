package host

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// soakCalls is the number of calls TestGoPluginMemoryFlat makes: 200,000,
// 40,000 with -short, or GATEHOUSE_SOAK_CALLS (10000000 for the full soak).
func soakCalls(t *testing.T) int {
	if s := os.Getenv("GATEHOUSE_SOAK_CALLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2*soakWarm {
			t.Fatalf("GATEHOUSE_SOAK_CALLS=%q: want a number of calls of at least %d", s, 2*soakWarm)
		}
		return n
	}
	if testing.Short() {
		return 40_000
	}
	return 200_000
}

// TestGoPluginMemoryFlat calls a standard-Go plugin many times on one
// instance and checks that its linear memory stops growing after a
// warm-up: the plugin's collector runs though an export yields to the
// scheduler only now and then.
func TestGoPluginMemoryFlat(t *testing.T) {
	soakMemory(t, wasmbuild.Go(t, srcBasics), soakCalls(t))
}

// soakWarm is the fewest calls a soak warms up with: a Go plugin's heap
// reaches its size only after its collector has run a few cycles, and a
// call that allocates little takes more calls to get there (144 pages
// after 200,000 calls, but at times only 132 after 20,000, now that the
// echo call allocates only its reply's map).
const soakWarm = 20_000

// soakMemory makes calls calls to the environment component echo of the
// plugin file wasm on one instance, and fails if its memory grows after
// the first half of them, or the first soakWarm if more: a leak of any
// size per call would grow it over the second half.
func soakMemory(t *testing.T, wasm string, calls int) {
	h := newHostWasm(t, Config{}, wasm)
	ctx := context.Background()
	inst, err := h.reg.Load().components[componentKey{abi.KindEnvironment, "echo"}].module.instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.close(ctx)
	req := benchRequest
	req.Component = "echo"
	b, err := abi.AppendMsgpack(nil, req)
	if err != nil {
		t.Fatal(err)
	}
	warmCalls := max(calls/2, soakWarm)
	warm := uint32(0)
	for i := range calls {
		if _, err := inst.call(ctx, abi.ExportEnvironment, b, time.Minute, monotonic()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == warmCalls {
			warm = inst.memoryPages()
		}
	}
	if end := inst.memoryPages(); end > warm {
		t.Errorf("memory grew from %d pages after %d calls to %d after %d", warm, warmCalls, end, calls)
	}
	t.Logf("memory: %d pages after %d calls, %d after %d", warm, warmCalls, inst.memoryPages(), calls)
}
