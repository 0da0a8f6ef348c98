// Package bufpool lends byte buffers for reading and writing OpenC2
// messages, so that a transaction does not allocate one per body.
package bufpool

import (
	"bytes"
	"sync"
)

// maxKept is the largest buffer put back in the pool; a larger one, grown
// by an unusual message, is left to the garbage collector rather than kept
// for every later message.
const maxKept = 64 << 10

var pool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Get returns an empty buffer. Give it back with Put once nothing refers to
// its bytes.
func Get() *bytes.Buffer {
	b := pool.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// Put gives b back for reuse. b and the bytes it returned must not be used
// afterwards.
func Put(b *bytes.Buffer) {
	if b.Cap() <= maxKept {
		pool.Put(b)
	}
}
