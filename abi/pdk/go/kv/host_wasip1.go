//go:build wasip1

package kv

import "unsafe"

//go:wasmimport gatehouse kv_get
func kvGet(key unsafe.Pointer, keyLen uint32) int32

//go:wasmimport gatehouse kv_set
func kvSet(key unsafe.Pointer, keyLen uint32, val unsafe.Pointer, valLen uint32) int32

//go:wasmimport gatehouse kv_delete
func kvDelete(key unsafe.Pointer, keyLen uint32) int32

//go:wasmimport gatehouse kv_list
func kvList(prefix unsafe.Pointer, prefixLen uint32) int32
