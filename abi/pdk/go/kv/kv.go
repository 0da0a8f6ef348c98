// Package kv stores bytes under string keys in the plugin's namespace of
// the Gatehouse host's key-value store, through the kv capability; values
// survive restarts. A plugin that imports this package must declare
// abi.CapKV with pdk.Require.
//
// Failures are *abi.Error values. Outside GOOS=wasip1 every function fails
// with code unavailable.
package kv

import (
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// ErrNotFound matches, with errors.Is, the error Get returns for a missing
// key: errors.Is compares abi.Error codes only.
var ErrNotFound error = &abi.Error{Code: abi.CodeNotFound}

// Get returns the value stored under key, or an error matching ErrNotFound.
func Get(key string) ([]byte, error) {
	return hostcall.Result(kvGet(hostcall.String(key)))
}

// Set stores value under key.
func Set(key string, value []byte) error {
	kp, kl := hostcall.String(key)
	vp, vl := hostcall.Bytes(value)
	_, err := hostcall.Result(kvSet(kp, kl, vp, vl))
	return err
}

// Delete removes key; removing a missing key is not an error.
func Delete(key string) error {
	_, err := hostcall.Result(kvDelete(hostcall.String(key)))
	return err
}

// List returns the keys that start with prefix, in byte order.
func List(prefix string) ([]string, error) {
	b, err := hostcall.Result(kvList(hostcall.String(prefix)))
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := msgpack.Unmarshal(b, &keys); err != nil {
		return nil, abi.Errorf(abi.CodeInternal, "decode kv_list result: %v", err)
	}
	return keys, nil
}
