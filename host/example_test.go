package host_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
)

// Example loads the reference plugin basics into a host, lists its
// environment components and asks one of them for an attribute.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "gatehouse-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	file, err := buildBasics(dir)
	if err != nil {
		fmt.Println(err)
		return
	}

	// The zero Config has no plugin folder and no store, grants no
	// capability and keeps the default limits.
	h, err := host.New(host.Config{}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close(ctx)
	if err := h.LoadFile(ctx, file); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range h.Components(abi.KindEnvironment) {
		fmt.Printf("%s: %s\n", c.Ref(), c.Component.Description)
	}

	// A component is named NAME, or PLUGIN/NAME when several plugins
	// provide the name (see Ref).
	reply, err := h.Environment(ctx, "weekday", abi.EnvironmentRequest{
		Key:     "weekday",
		Context: abi.Context{Environment: map[string]any{"time": "2026-11-22T23:30:00-01:00"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("weekday:", reply.Value)

	_, err = h.Environment(ctx, "holiday", abi.EnvironmentRequest{Key: "holiday"})
	fmt.Println(err)
	// Output:
	// basics/echo: returns the key asked for and subject.id, for benchmarks
	// basics/weekday: the weekday of environment.time (RFC 3339)
	// weekday: Sunday
	// environment holiday: no_component: no plugin provides environment "holiday"
}

// buildBasics builds the Go reference plugin basics into dir, as a plugin
// written with the Go PDK is built: with standard Go for GOOS=wasip1.
func buildBasics(dir string) (string, error) {
	file := filepath.Join(dir, "basics.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", file, "../plugins-src/go/basics")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build basics: %v\n%s", err, out)
	}
	return file, nil
}
