package openc2

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// L4Protocol is a transport protocol of a connection target (LS v1.0 section
// 3.4.2.10).
type L4Protocol string

// The protocols of LS v1.0 section 3.4.2.10.
const (
	ProtocolICMP L4Protocol = "icmp"
	ProtocolTCP  L4Protocol = "tcp"
	ProtocolUDP  L4Protocol = "udp"
	ProtocolSCTP L4Protocol = "sctp"
)

// protocols are the protocols of LS v1.0 section 3.4.2.10, as strings.
var protocols = []string{"icmp", "tcp", "udp", "sctp"}

// checkNet checks an ipv4_net or ipv6_net value: an address with an optional
// "/prefix" no longer than the address (LS v1.0 sections 3.4.1.9 and
// 3.4.1.11). Host bits after the prefix may be set, as in "127.0.0.1/8",
// which the conformance vectors hold valid.
func checkNet(s string, v6 bool) string {
	addr, prefix, hasPrefix := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	family, bits := "IPv4", 32
	if v6 {
		family, bits = "IPv6", 128
	}
	if err != nil || a.Zone() != "" || (v6 && !a.Is6()) || (!v6 && !a.Is4()) {
		return fmt.Sprintf("%q: not an %s address", s, family)
	}
	if !hasPrefix {
		return ""
	}
	n, err := strconv.Atoi(prefix)
	if err != nil || prefix == "" || prefix[0] == '+' || prefix[0] == '-' || (len(prefix) > 1 && prefix[0] == '0') {
		return fmt.Sprintf("%q: invalid prefix length %q", s, prefix)
	}
	if n > bits {
		return fmt.Sprintf("%q: prefix length %d exceeds %d", s, n, bits)
	}
	return ""
}

// checkPort checks a Port (LS v1.0 section 3.4.2.14).
func checkPort(p *int64) string {
	if p != nil && (*p < 0 || *p > 65535) {
		return fmt.Sprintf("port %d out of range 0..65535", *p)
	}
	return ""
}

// isHex reports whether s is hex digits only.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkHash checks a hash of n hex digits (LS v1.0 section 3.4.2.5, Binary
// /x). Section 3.1.5 says the Base16 alphabet is upper case; the conformance
// vectors write hashes in lower case, so both are accepted.
func checkHash(name, s string, n int) string {
	if s != "" && (len(s) != n || !isHex(s)) {
		return fmt.Sprintf("%s must be %d hex digits, got %q", name, n, s)
	}
	return ""
}

// checkHostname checks an RFC 1123 host name (LS v1.0 section 3.4.2.6); a
// domain_name (section 3.4.1.3) is checked the same way.
func checkHostname(s string) string {
	if s == "" || len(s) > 253 {
		return fmt.Sprintf("%q: not a host name", s)
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Sprintf("%q: not a host name", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return fmt.Sprintf("%q: not a host name", s)
			}
		}
	}
	return ""
}

// checkIDNHostname checks an internationalized host name (LS v1.0 section
// 3.4.2.7, RFC 5890 section 2.3.2.3): dot-separated labels of letters,
// marks, digits and hyphens, a hyphen neither first nor last in a label.
func checkIDNHostname(s string) string {
	if s == "" || len(s) > 253 {
		return fmt.Sprintf("%q: not an internationalized host name", s)
	}
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' || utf8.RuneCountInString(label) > 63 {
			return fmt.Sprintf("%q: not an internationalized host name", s)
		}
		for _, r := range label {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsMark(r) && !unicode.IsDigit(r) {
				return fmt.Sprintf("%q: not an internationalized host name", s)
			}
		}
	}
	return ""
}

// checkEmail checks an email address (LS v1.0 section 3.4.1.4, RFC 5322
// section 3.4.1) or, when idn is set, an internationalized one (section
// 3.4.1.8, RFC 6531): a local part, "@" and a host name. Only the host name
// is checked closely.
func checkEmail(s string, idn bool) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || strings.ContainsFunc(local, unicode.IsSpace) {
		return fmt.Sprintf("%q: not an email address", s)
	}
	if idn {
		if checkIDNHostname(domain) != "" {
			return fmt.Sprintf("%q: not an internationalized email address", s)
		}
		return ""
	}
	if !isASCII(local) || checkHostname(domain) != "" {
		return fmt.Sprintf("%q: not an email address", s)
	}
	return ""
}

// isASCII reports whether s is ASCII only.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkURI checks an absolute URI or IRI (LS v1.0 sections 3.4.1.17 and
// 3.4.1.13; RFC 3986, RFC 3987).
func checkURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fmt.Sprintf("%q: not an absolute URI", s)
	}
	return ""
}

// checkMAC checks an EUI-48 or EUI-64 in colon hexadecimal format (LS v1.0
// sections 3.4.1.14 and 3.1.5): six or eight pairs of hex digits separated
// by colons.
func checkMAC(s string) string {
	parts := strings.Split(s, ":")
	if len(parts) != 6 && len(parts) != 8 {
		return fmt.Sprintf("%q: not a MAC address in colon hexadecimal format", s)
	}
	for _, p := range parts {
		if len(p) != 2 || !isHex(p) {
			return fmt.Sprintf("%q: not a MAC address in colon hexadecimal format", s)
		}
	}
	return ""
}

// checkBase64URL checks a Binary value: base64url (LS v1.0 section 3.1.5,
// RFC 4648 section 5), with or without padding.
func checkBase64URL(s string) string {
	t := strings.TrimRight(s, "=")
	switch pad, rest := len(s)-len(t), len(t)%4; {
	case rest == 1, pad > 0 && pad+rest != 4:
		return "not base64url (RFC 4648 section 5)"
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return "not base64url (RFC 4648 section 5)"
		}
	}
	return ""
}

// checkCommandID checks a Command-ID (LS v1.0 section 3.4.2.16): at most 36
// characters, none of them white space.
func checkCommandID(s string) string {
	if utf8.RuneCountInString(s) > 36 || strings.ContainsFunc(s, unicode.IsSpace) {
		return fmt.Sprintf("%q: not a command identifier (at most 36 characters, no white space)", s)
	}
	return ""
}

// checkMediaType checks a media type name as the IANA registry lists it
// (LS v1.0 section 3.4.1.1, RFC 6838 section 4.2): a type and a subtype of
// 1 to 127 characters each, without parameters.
func checkMediaType(s string) string {
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || !isRestrictedName(typ) || !isRestrictedName(sub) {
		return fmt.Sprintf("%q: not a media type name (type/subtype)", s)
	}
	return ""
}

// isRestrictedName reports whether s is a restricted-name of RFC 6838
// section 4.2.
func isRestrictedName(s string) bool {
	if s == "" || len(s) > 127 || !isNameChar(s[0]) || s[0] == '_' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isNameChar(c) && !strings.ContainsRune("!#$&-^.+", rune(c)) {
			return false
		}
	}
	return true
}

// profiles are the OASIS actuator profiles whose bare namespace identifier is
// registered (LS v1.0 section 3.1.4).
var profiles = []string{"slpf"}

// isNameChar reports whether c is a letter, a digit or an underscore.
func isNameChar(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isName reports whether s is letters, digits and underscores not starting with
// an underscore.
func isName(s string) bool {
	if s == "" || s[0] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isNameChar(s[i]) {
			return false
		}
	}
	return true
}

// checkNsid checks a namespace identifier (LS v1.0 sections 3.1.4 and
// 3.4.2.12, Nsid: String{1..16}): a registered profile, or "x-" and a name.
func checkNsid(s string) string {
	if known(s, profiles) {
		return ""
	}
	if !strings.HasPrefix(s, "x-") || !isName(s[2:]) {
		return fmt.Sprintf("%q: not a namespace identifier (a registered profile or \"x-\" followed by letters, digits and underscores)", s)
	}
	if len(s) > 16 {
		return fmt.Sprintf("%q: namespace identifier longer than 16 characters", s)
	}
	return ""
}

// checkExtName checks an extension target name "nsid:name" (LS v1.0 section
// 3.1.4).
func checkExtName(s string) string {
	nsid, name, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Sprintf("%q: not an extension name nsid:name", s)
	}
	if msg := checkNsid(nsid); msg != "" {
		return msg
	}
	if !isName(name) {
		return fmt.Sprintf("%q: invalid name %q after the namespace", s, name)
	}
	return ""
}
