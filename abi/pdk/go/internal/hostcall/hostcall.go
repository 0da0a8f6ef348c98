// Package hostcall implements the calling convention of the Gatehouse host
// functions for the capability packages: fetching the result a
// data-producing host function leaves pending, and msgpack round trips.
//
// Outside GOOS=wasip1 there is no host. There the data-producing functions
// of the capability packages are stand-ins that leave an unavailable error
// pending (see Unavailable), so plugin code builds, vets and runs in tests
// on any platform.
package hostcall

import (
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// fetchFunc is the signature of the result host function: it copies the pending
// bytes to buf if they fit in size and returns their length.
type fetchFunc func(buf unsafe.Pointer, size uint32) int32

// Result collects what a data-producing host function announced by
// returning n, using the result host function.
func Result(n int32) ([]byte, error) { return collect(n, result) }

// collect fetches the pending result announced by n with fetch: for n >= 0
// the n result bytes, for n < 0 the msgpack abi.Error of -n bytes, returned
// as an *abi.Error.
func collect(n int32, fetch fetchFunc) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	size := int64(n)
	if n < 0 {
		size = -size
	}
	b, err := fetchN(size, fetch)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return b, nil
	}
	var e abi.Error
	if err := msgpack.Unmarshal(b, &e); err != nil {
		return nil, abi.Errorf(abi.CodeInternal, "decode host error: %v", err)
	}
	return nil, &e
}

// fetchN fetches pending bytes announced as size bytes long. The host keeps
// bytes that do not fit and returns their length, so a second try with a
// buffer of that length gets them.
func fetchN(size int64, fetch fetchFunc) ([]byte, error) {
	for range 2 {
		buf := make([]byte, size)
		got := int64(fetch(unsafe.Pointer(unsafe.SliceData(buf)), uint32(size)))
		switch {
		case got < 0:
			return nil, abi.Errorf(abi.CodeInternal, "host result: negative length %d", got)
		case got <= size:
			return buf[:got], nil
		}
		size = got
	}
	return nil, abi.Errorf(abi.CodeInternal, "host result: pending bytes keep growing (%d)", size)
}

// RoundTrip sends req as msgpack to the data-producing host function fn and
// decodes its result into a Rep.
func RoundTrip[Req, Rep any](fn func(unsafe.Pointer, uint32) int32, req *Req) (Rep, error) {
	var rep Rep
	in, err := msgpack.Marshal(req)
	if err != nil {
		return rep, abi.Errorf(abi.CodeInvalidRequest, "encode host request: %v", err)
	}
	out, err := Result(fn(Bytes(in)))
	if err != nil {
		return rep, err
	}
	if err := msgpack.Unmarshal(out, &rep); err != nil {
		return rep, abi.Errorf(abi.CodeInternal, "decode host result: %v", err)
	}
	return rep, nil
}

// Bytes returns the address and length of b for a host function.
func Bytes(b []byte) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b))
}

// String returns the address and length of s for a host function.
func String(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}
