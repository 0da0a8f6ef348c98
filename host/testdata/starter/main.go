// Command starter is a test plugin whose gatehouse_start does what the kv
// key "mode" says: "fail" fails with code unavailable, "loop" never
// returns, and anything else counts the start under the kv key "starts".
// Its environment setter starts answers {"starts": the count, "here":
// whether the instance asked ran the start}.
package main

import (
	"errors"
	"strconv"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/kv"
)

// startedHere is whether this instance ran the start.
var startedHere bool

func init() {
	pdk.Plugin("starter", "1.0.0", "gatehouse_start does what kv key mode says")
	pdk.Require(abi.CapKV)
	pdk.OnStart(start)
	pdk.Environment(abi.Component{Name: "starts", Attributes: []string{"starts"}},
		func(abi.EnvironmentRequest) (any, error) {
			n, err := starts()
			return map[string]any{"starts": n, "here": startedHere}, err
		})
}

func start() error {
	mode, err := kv.Get("mode")
	if err != nil && !errors.Is(err, kv.ErrNotFound) {
		return err
	}
	switch string(mode) {
	case "fail":
		return abi.Errorf(abi.CodeUnavailable, "told to fail")
	case "loop":
		for {
		}
	}
	n, err := starts()
	if err != nil {
		return err
	}
	if err := kv.Set("starts", strconv.AppendInt(nil, n+1, 10)); err != nil {
		return err
	}
	startedHere = true
	return nil
}

// starts returns the count of starts kept in kv.
func starts() (int64, error) {
	b, err := kv.Get("starts")
	if errors.Is(err, kv.ErrNotFound) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, abi.Errorf(abi.CodeInternal, "kv starts holds %q, not a count", b)
	}
	return n, nil
}

func main() {}
