// Package openc2 decodes, validates and encodes OpenC2 Commands and Responses as
// defined by the OpenC2 Language Specification Version 1.0 (LS v1.0, CS02), with the
// profile-namespaced fields of the Stateless Packet Filtering profile v1.0 (SLPF).
//
// DecodeCommand and DecodeResponse are strict: the input must be exactly one JSON
// object, with no unknown fields, no duplicate keys and no trailing data, and every
// value must satisfy LS v1.0. Every failure is an *Error naming the JSON path of the
// offending value. EncodeCommand and EncodeResponse validate before they encode, and
// decode → encode → decode yields the same value. Command.ValidateSLPF adds the
// command rules of the SLPF profile.
//
// DecodeMessage and EncodeMessage do the same for a whole message: the headers
// of LS v1.0 section 3.2 and the envelope of the HTTPS transfer v1.1 (section
// 3.3.2), whose content type is ContentType.
//
// CommandFromGeneric and CommandToGeneric, and the same for responses, read and
// write the generic form: the maps and lists a message's JSON decodes to, in
// which a command and its response cross the plugin ABI. Reading it is as
// strict as reading JSON, with the same errors.
//
// Decoding is one pass over the bytes, without encoding/json or reflection;
// encoding appends to one buffer. See docs/benchmarks.md for what they cost.
//
// # Notes
//
//   - LS v1.0 section 3.1.5 asks for I-JSON (RFC 7493). Duplicate object keys are
//     rejected at every depth: RFC 8259 leaves their meaning undefined and
//     encoding/json silently keeps the last one, and two parsers that disagree
//     about a Command are a policy bypass. Strings must be UTF-8 text without
//     surrogates or noncharacters, escaped or not.
//   - A message with several faults is reported by the first of: a syntax error
//     anywhere (worded as encoding/json words it); a duplicate key, nesting deeper
//     than 64 levels or forbidden text, in document order; a value of the wrong
//     type, an unknown or missing field, in document order; a value that breaks a
//     rule of LS v1.0 or SLPF v1.0.
//   - Duplicate entries in a features list are accepted and kept as sent: LS v1.0
//     section 3.4.1.5 says a Consumer SHOULD ignore duplicates rather than refuse
//     them. Other lists that LS v1.0 marks unique (properties, versions, the
//     targets of a pair) refuse them.
//   - A namespace identifier (Nsid, LS v1.0 sections 3.1.4 and 3.4.2.12) is either a
//     registered OASIS profile ("slpf") or "x-" followed by letters, digits and
//     underscores, not starting with an underscore, at most 16 characters in all.
//   - Extension values ("x-…") are opaque JSON kept byte for byte, compacted;
//     "slpf" values are decoded and validated against SLPF v1.0.
//   - Binary values (an artifact's payload bin) are base64url, with or without
//     padding, and MAC addresses are colon hexadecimal, as LS v1.0 section 3.1.5
//     says. Hashes may be upper or lower case hex although section 3.1.5 names the
//     upper-case Base16 alphabet: the conformance vectors write them in lower case.
//   - Results is Map{1..*} in LS v1.0 section 3.3.2.2, but an empty results object
//     is accepted, as the conformance vectors hold it valid.
//   - The encoder escapes in strings only what JSON requires; unlike encoding/json
//     it leaves <, > and & as they are.
package openc2
