package host

import (
	"bytes"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// codec is a msgpack encoder and decoder with their buffers, reused across
// calls through codecs: encoding and decoding on the hot path then cost no
// allocations of their own.
type codec struct {
	out bytes.Buffer
	enc *msgpack.Encoder
	in  bytes.Reader
	dec *msgpack.Decoder
}

var codecs = sync.Pool{New: func() any {
	c := &codec{}
	c.enc = msgpack.NewEncoder(&c.out)
	c.dec = msgpack.NewDecoder(&c.in)
	return c
}}

// encode returns v in msgpack, without reflection if v encodes itself; the bytes are valid until the codec goes
// back to the pool.
func (c *codec) encode(v any) ([]byte, error) {
	c.out.Reset()
	c.enc.Reset(&c.out)
	var err error
	if ce, ok := v.(msgpack.CustomEncoder); ok {
		err = ce.EncodeMsgpack(c.enc)
	} else {
		err = c.enc.Encode(v)
	}
	if err != nil {
		return nil, err
	}
	return c.out.Bytes(), nil
}

// decode decodes b into v, without reflection if v decodes itself.
func (c *codec) decode(b []byte, v any) error {
	c.in.Reset(b)
	c.dec.Reset(&c.in)
	if cd, ok := v.(msgpack.CustomDecoder); ok {
		return cd.DecodeMsgpack(c.dec)
	}
	return c.dec.Decode(v)
}
