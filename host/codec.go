package host

import (
	"sync"

	"github.com/gatehouse/gatehouse/abi"
)

// codec holds the msgpack codec of a call and the buffer that requests are
// encoded into, reused across calls through codecs, so that encoding costs
// no allocation on the hot path.
type codec struct {
	abi.Codec
	out []byte
}

var codecs = sync.Pool{New: func() any { return new(codec) }}

// maxKeptBuffer is the largest request buffer a codec keeps for reuse.
const maxKeptBuffer = 64 << 10

// encode returns v in msgpack; the bytes are valid until the codec goes
// back to the pool.
func (c *codec) encode(v any) ([]byte, error) {
	if cap(c.out) > maxKeptBuffer {
		c.out = nil
	}
	var err error
	c.out, err = c.Append(c.out[:0], v)
	return c.out, err
}
