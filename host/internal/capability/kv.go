package capability

import (
	"context"
	"errors"

	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/store"
)

// kvGet is kv_get(key_ptr, key_len): the result is the raw value, or a
// not_found error.
func kvGet(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	ns, key, err := c.kvKey(mem, params)
	if err != nil {
		return nil, err
	}
	value, ok, err := ns.Get(key)
	if err != nil {
		return nil, c.kvError(ctx, err)
	}
	if !ok {
		return nil, abi.Errorf(abi.CodeNotFound, "no key %q", key)
	}
	return value, nil
}

// kvSet is kv_set(key_ptr, key_len, val_ptr, val_len): the result is empty.
func kvSet(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	ns, key, err := c.kvKey(mem, params)
	if err != nil {
		return nil, err
	}
	value, err := mem.read("value", api.DecodeU32(params[2]), api.DecodeU32(params[3]))
	if err != nil {
		return nil, err
	}
	return nil, c.kvError(ctx, ns.Set(key, value))
}

// kvDelete is kv_delete(key_ptr, key_len): the result is empty; deleting a
// missing key is no error.
func kvDelete(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	ns, key, err := c.kvKey(mem, params)
	if err != nil {
		return nil, err
	}
	return nil, c.kvError(ctx, ns.Delete(key))
}

// kvList is kv_list(prefix_ptr, prefix_len): the result is a msgpack array
// of the keys with that prefix, each a msgpack str, in byte order.
func kvList(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	ns, err := c.namespace()
	if err != nil {
		return nil, err
	}
	prefix, err := mem.read("prefix", api.DecodeU32(params[0]), api.DecodeU32(params[1]))
	if err != nil {
		return nil, err
	}
	keys, err := ns.List(prefix)
	if err != nil {
		return nil, c.kvError(ctx, err)
	}
	names := make([]string, len(keys)) // an empty array, not nil
	for i, k := range keys {
		names[i] = string(k)
	}
	return msgpack.Marshal(names)
}

// namespace returns the plugin's store namespace.
func (c *Caller) namespace() (*store.Namespace, error) {
	if c.KV == nil {
		return nil, errors.New("kv is granted but the caller has no store namespace")
	}
	return c.KV, nil
}

// kvKey returns the plugin's namespace and the key in the first two
// parameters.
func (c *Caller) kvKey(mem guestMemory, params []uint64) (*store.Namespace, []byte, error) {
	ns, err := c.namespace()
	if err != nil {
		return nil, nil, err
	}
	key, err := mem.read("key", api.DecodeU32(params[0]), api.DecodeU32(params[1]))
	if err != nil {
		return nil, nil, err
	}
	return ns, key, nil
}

// kvError turns a store error about a key or value outside the limits into
// an invalid_request error, a write past the namespace's quota into a
// capability_denied error naming the grant, and a damaged store into an
// unavailable error whose details go to the host log only: the plugin did
// nothing wrong. Other errors are the host's.
func (c *Caller) kvError(ctx context.Context, err error) error {
	for _, limit := range []error{store.ErrEmptyKey, store.ErrKeyTooLarge, store.ErrValueTooLarge} {
		if errors.Is(err, limit) {
			return abi.Errorf(abi.CodeInvalidRequest, "%v", limit)
		}
	}
	if errors.Is(err, store.ErrQuota) {
		return abi.Errorf(abi.CodeCapabilityDenied, "%v (raise %s.max_bytes)", err, ConfigKey(c.Plugin, abi.CapKV))
	}
	if errors.Is(err, store.ErrDamaged) {
		c.logger().ErrorContext(ctx, "the store is damaged", "error", err)
		return abi.Errorf(abi.CodeUnavailable, "the store is damaged (the host log has the details)")
	}
	return err
}
