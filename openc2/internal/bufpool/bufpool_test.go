package bufpool

import (
	"bytes"
	"testing"
)

func TestGetIsEmpty(t *testing.T) {
	b := Get()
	b.WriteString("left over")
	Put(b)
	if b := Get(); b.Len() != 0 {
		t.Errorf("Get returned %q", b.Bytes())
	}
}

func TestPutDropsLargeBuffers(t *testing.T) {
	big := bytes.NewBuffer(make([]byte, 0, maxKept+1))
	Put(big)
	for range 100 {
		if Get() == big {
			t.Fatal("a buffer larger than maxKept came back")
		}
	}
}
