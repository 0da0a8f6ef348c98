package abi

// StartRequest is what the host passes to gatehouse_start (ABI 1.1): an
// empty map, to which later minor versions may add keys.
type StartRequest struct{}

// StartReply is the reply of gatehouse_start: an empty map. An error reply
// fails the load of the plugin version that gave it.
type StartReply struct{}
