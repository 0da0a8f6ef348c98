package host

import (
	"context"
	"sync/atomic"
)

// pool holds a plugin's instances. It creates them on demand up to its size
// and makes callers wait when all are busy. An instance is used by one
// caller at a time.
type pool struct {
	newInstance func(context.Context) (instance, error)
	idles       chan instance
	slots       chan struct{} // one token per live instance
	live        atomic.Int64
}

func newPool(size int, newInstance func(context.Context) (instance, error)) *pool {
	return &pool{
		newInstance: newInstance,
		idles:       make(chan instance, size),
		slots:       make(chan struct{}, size),
	}
}

// idle returns an idle instance if there is one at once.
func (p *pool) idle() (instance, bool) {
	select {
	case inst := <-p.idles:
		return inst, true
	default:
		return nil, false
	}
}

// get returns an idle instance, or a new one while the pool is below its
// size, or waits for one to come back until ctx is done.
func (p *pool) get(ctx context.Context) (instance, error) {
	if inst, ok := p.idle(); ok {
		return inst, nil
	}
	select {
	case inst := <-p.idles:
		return inst, nil
	case p.slots <- struct{}{}:
		inst, err := p.newInstance(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		p.live.Add(1)
		return inst, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put returns an instance to the pool, or closes it when it is broken (it
// trapped, timed out or otherwise can no longer be trusted).
func (p *pool) put(inst instance, broken bool) {
	if broken {
		p.discard(inst)
		return
	}
	p.idles <- inst
}

func (p *pool) discard(inst instance) {
	_ = inst.close(context.Background())
	p.live.Add(-1)
	<-p.slots
}

// size returns the number of live instances.
func (p *pool) size() int { return int(p.live.Load()) }

// close closes the idle instances. Callers must have returned every
// instance they took.
func (p *pool) close() {
	for {
		select {
		case inst := <-p.idles:
			p.discard(inst)
		default:
			return
		}
	}
}
