// Command kvcounter is a reference plugin that uses the log, clock and kv
// capabilities, to test them end to end. Its environment setter counter
// increments a counter per key in kv, logs each call with the host's time
// and returns the new count.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/kvcounter.wasm ./plugins-src/go/kvcounter
package main

import (
	"errors"
	"strconv"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/clock"
	"github.com/gatehouse/gatehouse/abi/pdk/go/kv"
	"github.com/gatehouse/gatehouse/abi/pdk/go/log"
)

func init() {
	pdk.Plugin("kvcounter", "1.0.0", "counts calls per key in kv")
	pdk.Require(abi.CapLog, abi.CapClock, abi.CapKV)
	pdk.Environment(abi.Component{
		Name:        "counter",
		Description: "increments and returns a persistent counter for the key asked for",
		Attributes:  []string{"counter"},
	}, count)
}

// count increments the counter stored under "count/" + key and returns its
// new value, an int64.
func count(req abi.EnvironmentRequest) (any, error) {
	key := "count/" + req.Key
	var n int64
	switch b, err := kv.Get(key); {
	case errors.Is(err, kv.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		if n, err = strconv.ParseInt(string(b), 10, 64); err != nil {
			return nil, abi.Errorf(abi.CodeInternal, "kv %s holds %q, not a count", key, b)
		}
	}
	n++
	if err := kv.Set(key, strconv.AppendInt(nil, n, 10)); err != nil {
		return nil, err
	}
	log.Info("counted", "key", req.Key, "count", n, "at", clock.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00"))
	return n, nil
}

func main() {}
