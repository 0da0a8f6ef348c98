// Command slpf-nftables is an OpenC2 SLPF v1.0 actuator on nftables: it
// allows and denies IPv4 and IPv6 connections and networks, deletes rules
// by rule number and answers query features, through the host's exec
// capability running nft, and keeps its rules in kv so that persistent ones
// survive a reboot: it restores them when the host loads it. docs/slpf.md
// describes it; grant it kv and exec of nft (and log), with pool_size 1.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/slpf-nftables.wasm ./plugins-src/go/slpf-nftables
package main

import (
	"errors"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
	"github.com/gatehouse/gatehouse/abi/pdk/go/exec"
	"github.com/gatehouse/gatehouse/abi/pdk/go/kv"
	"github.com/gatehouse/gatehouse/abi/pdk/go/log"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/nft"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

func init() {
	pdk.Plugin("slpf-nftables", "1.0.0", "OpenC2 SLPF actuator on nftables")
	pdk.Require(abi.CapLog, abi.CapKV, abi.CapExec)
	a := &slpf.Actuator{
		Filter: nft.Filter{Run: func(args []string) (abi.ExecResult, error) {
			return exec.Run(abi.ExecRequest{Program: "nft", Args: args})
		}},
		Store: store{},
		Log:   log.Info,
	}
	pdk.OnStart(a.Start)
	pdk.Actuator(abi.Component{
		Name:        "nftables",
		Description: "allows and denies traffic with rules in the nftables table inet gatehouse",
		Profiles:    slpf.Profiles,
		Pairs:       slpf.Pairs,
	}, func(req abi.ActuateRequest) (abi.ActuateReply, error) { return a.Actuate(req.Command) })
}

// store is the plugin's kv namespace as an slpf.Store. Its errors carry the
// plugin code unavailable, as the ABI asks of a host function's answer
// passed on.
type store struct{}

// Get implements slpf.Store.
func (store) Get(key string) ([]byte, bool, error) {
	v, err := kv.Get(key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, false, nil
	}
	return v, err == nil, unavailable(err)
}

// Set implements slpf.Store.
func (store) Set(key string, value []byte) error { return unavailable(kv.Set(key, value)) }

// Delete implements slpf.Store.
func (store) Delete(key string) error { return unavailable(kv.Delete(key)) }

// List implements slpf.Store.
func (store) List(prefix string) ([]string, error) {
	keys, err := kv.List(prefix)
	return keys, unavailable(err)
}

// unavailable gives a kv failure the plugin code unavailable; nil stays nil.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	return abi.Errorf(abi.CodeUnavailable, "%v", err)
}

func main() {}
