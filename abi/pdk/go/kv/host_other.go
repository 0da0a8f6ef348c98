//go:build !wasip1

package kv

import (
	"unsafe"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Stand-ins for the kv host functions.

func kvGet(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncKVGet) }

func kvSet(unsafe.Pointer, uint32, unsafe.Pointer, uint32) int32 {
	return hostcall.Unavailable(abi.FuncKVSet)
}

func kvDelete(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncKVDelete) }

func kvList(unsafe.Pointer, uint32) int32 { return hostcall.Unavailable(abi.FuncKVList) }
