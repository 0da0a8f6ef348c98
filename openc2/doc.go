// Package openc2 decodes, validates and encodes OpenC2 Commands and Responses as
// defined by the OpenC2 Language Specification Version 1.0 (LS v1.0, CS02), with the
// profile-namespaced fields of the Stateless Packet Filtering profile v1.0 (SLPF).
//
// DecodeCommand and DecodeResponse are strict: the input must be exactly one JSON
// object, with no unknown fields, no duplicate keys and no trailing data, and every
// value must satisfy LS v1.0. Every failure is an *Error naming the JSON path of the
// offending value. EncodeCommand and EncodeResponse validate before they encode, and
// decode → encode → decode yields the same JSON value.
//
// DecodeMessage and EncodeMessage do the same for a whole message: the headers
// of LS v1.0 section 3.2 and the envelope of the HTTPS transfer v1.1 (section
// 3.3.2), whose content type is ContentType.
//
// # Notes
//
//   - Duplicate object keys are rejected at every depth. RFC 8259 leaves their meaning
//     undefined and encoding/json silently keeps the last one; two parsers that
//     disagree about a Command are a policy bypass, so the codec refuses to guess.
//   - Duplicate entries in a features list are accepted and kept as sent: LS v1.0
//     section 3.4.1.5 says a Consumer SHOULD ignore duplicates rather than refuse them.
//   - A namespace identifier (Nsid, LS v1.0 sections 3.1.4 and 3.4.2) is either a
//     registered OASIS profile ("slpf") or "x-" followed by letters, digits and
//     underscores, not starting with an underscore, at most 16 characters in all.
//   - Extension values ("x-…") are opaque JSON kept byte for byte (compacted);
//     "slpf" values are decoded and validated against SLPF v1.0.
package openc2
