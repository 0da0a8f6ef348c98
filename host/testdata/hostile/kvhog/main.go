// Command kvhog is a hostile plugin (hostile-kvhog) whose environment
// setter kvhog fills the plugin's kv namespace: it stores values of 1 MiB,
// the largest the store takes, under the keys KEY-0, KEY-1, ... for the
// request's KEY, up to 64 of them, and stops at the first that fails. Its
// value says how many it stored and the error of the one that failed. The
// host must hold the namespace to its quota.
package main

import (
	"errors"
	"strconv"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/kv"
)

func init() {
	pdk.Plugin("hostile-kvhog", "1.0.0", "environment setter kvhog fills its kv namespace")
	pdk.Require(abi.CapKV)
	value := make([]byte, 1<<20)
	pdk.Environment(abi.Component{Name: "kvhog", Attributes: []string{"kvhog"}},
		func(req abi.EnvironmentRequest) (any, error) {
			out := map[string]any{"stored": 0}
			for i := range 64 {
				if err := kv.Set(req.Key+"-"+strconv.Itoa(i), value); err != nil {
					var e *abi.Error
					if errors.As(err, &e) {
						out["code"], out["message"] = string(e.Code), e.Message
					}
					break
				}
				out["stored"] = i + 1
			}
			return out, nil
		})
}

func main() {}
