package host

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeInstance is an instance that records whether it was closed.
type fakeInstance struct{ closed bool }

func (f *fakeInstance) call(context.Context, string, []byte, time.Duration, int64) ([]byte, error) {
	return nil, nil
}
func (f *fakeInstance) memoryPages() uint32 { return 0 }
func (f *fakeInstance) close(context.Context) error {
	f.closed = true
	return nil
}

func TestPoolBoundsInstances(t *testing.T) {
	var created []*fakeInstance
	p := newPool(2, func(context.Context) (instance, error) {
		f := &fakeInstance{}
		created = append(created, f)
		return f, nil
	})
	ctx := context.Background()
	a, _ := p.get(ctx)
	b, _ := p.get(ctx)
	if p.size() != 2 || len(created) != 2 {
		t.Fatalf("size %d, created %d; want 2 and 2", p.size(), len(created))
	}

	// A third caller waits until its context ends: the pool is full.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := p.get(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get on a full pool = %v, want deadline exceeded", err)
	}

	// A returned instance is reused; a broken one is closed and replaced.
	p.put(a, false)
	if got, _ := p.get(ctx); got != a {
		t.Fatal("idle instance not reused")
	}
	p.put(b, true)
	if !created[1].closed || p.size() != 1 {
		t.Fatalf("broken instance closed %v, size %d; want true, 1", created[1].closed, p.size())
	}
	c, _ := p.get(ctx)
	if c == b || len(created) != 3 {
		t.Fatal("broken instance not replaced by a new one")
	}
	p.put(a, false)
	p.put(c, false)
	p.close()
	if p.size() != 0 || !created[0].closed || !created[2].closed {
		t.Fatalf("after close: size %d, closed %v %v", p.size(), created[0].closed, created[2].closed)
	}
}

func TestPoolWaiterGetsReturnedInstance(t *testing.T) {
	p := newPool(1, func(context.Context) (instance, error) { return &fakeInstance{}, nil })
	ctx := context.Background()
	a, _ := p.get(ctx)
	got := make(chan instance)
	go func() {
		inst, _ := p.get(ctx)
		got <- inst
	}()
	p.put(a, false)
	if inst := <-got; inst != a {
		t.Fatal("waiter did not get the returned instance")
	}
}

func TestPoolCreateErrorFreesSlot(t *testing.T) {
	fail := true
	p := newPool(1, func(context.Context) (instance, error) {
		if fail {
			return nil, errors.New("boom")
		}
		return &fakeInstance{}, nil
	})
	if _, err := p.get(context.Background()); err == nil {
		t.Fatal("want the creation error")
	}
	fail = false
	if _, err := p.get(context.Background()); err != nil {
		t.Fatalf("slot not freed after a failed creation: %v", err)
	}
}
