package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"

	"github.com/gatehouse/gatehouse/abi"
)

// description is what the host learned of a module content by compiling
// it and asking it for its manifest: the module's facts and the reply of
// its gatehouse_describe. It is kept beside the compiled code of the
// content, in the file descriptionFile of the content's cache folder, so
// that a host that only describes plugins (Config.DescribeOnly) reads it
// instead of compiling the module again.
//
// # Notes
//
// A description is trusted only for the content it names, under the ABI
// and format it was written with: anything else, or anything that does not
// decode or check, and the host compiles the module and asks it anew. The
// cache folder is trusted as the compiled code in it is.
type description struct {
	Format  int         `json:"format"`
	SHA256  string      `json:"sha256"`
	HostABI string      `json:"host_abi"`
	Module  moduleFacts `json:"module"`
	// Reply is the msgpack reply of gatehouse_describe to HostABI.
	Reply []byte `json:"reply"`
}

const (
	// descriptionFile is the file of a content's description.
	descriptionFile = "description.json"
	// descriptionFormat is the version of the description's layout and
	// meaning; a description of another one is not read.
	descriptionFormat = 1
)

// keepDescription writes the description of the content sum, whose cache
// the caller holds, unless it is there. Failing to is logged, not fatal.
func (h *Host) keepDescription(sum string, facts moduleFacts, reply []byte) {
	if old, err := h.caches.ReadFile(sum, descriptionFile); err == nil {
		var d description
		if json.Unmarshal(old, &d) == nil && d.valid(sum) && bytes.Equal(d.Reply, reply) {
			return
		}
	}
	b, err := json.Marshal(description{Format: descriptionFormat, SHA256: sum, HostABI: abi.Version, Module: facts, Reply: reply})
	if err == nil {
		err = h.caches.WriteFile(sum, descriptionFile, b)
	}
	if err != nil {
		h.logger.Warn("keep the plugin's description", "sha256", sum, "error", err)
	}
}

// valid reports whether d describes the content sum under this host's ABI.
func (d *description) valid(sum string) bool {
	return d.Format == descriptionFormat && d.SHA256 == sum && d.HostABI == abi.Version
}

// described returns the shape and manifest of the content sum from its
// kept description, checked as a load checks a compiled module and its
// reply under limits. It reports false when there is no description, or it
// is not valid for sum or fails a check: the caller then compiles the
// module.
func (h *Host) described(sum string, limits Limits) (*moduleShape, *abi.Manifest, bool) {
	b, err := h.caches.ReadFile(sum, descriptionFile)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			h.logger.Debug("plugin description unread", "sha256", sum, "error", err)
		}
		return nil, nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var d description
	if err := dec.Decode(&d); err != nil || !d.valid(sum) {
		h.logger.Debug("plugin description not for this content or host, compiling", "sha256", sum, "error", err)
		return nil, nil, false
	}
	shape, err := inspectModule(&d.Module)
	if err == nil {
		err = d.Module.checkMemories(limits.MemoryPages)
	}
	if err != nil || uint32(len(d.Reply)) > limits.MaxReplyBytes {
		return nil, nil, false
	}
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	var manifest abi.Manifest
	if e := decodeReply(c, d.Reply, &manifest); e != nil {
		return nil, nil, false
	}
	return shape, &manifest, true
}

// describedModule is the module of a plugin that a host that only
// describes plugins loaded: it has no code and never runs.
type describedModule struct{}

func (describedModule) instantiate(context.Context) (instance, error) {
	return nil, abi.Errorf(abi.CodeUnavailable, "the plugin is loaded to be described, not to serve")
}

func (describedModule) close(context.Context) error { return nil }
