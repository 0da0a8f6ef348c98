package openc2

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// L4Protocol is a transport protocol of a connection target (LS v1.0 3.4.2, L4-Protocol).
type L4Protocol string

// The protocols of LS v1.0 section 3.4.2 (L4-Protocol).
const (
	ProtocolICMP L4Protocol = "icmp"
	ProtocolTCP  L4Protocol = "tcp"
	ProtocolUDP  L4Protocol = "udp"
	ProtocolSCTP L4Protocol = "sctp"
)

// checkNet checks an ipv4_net or ipv6_net value: an address with an optional
// "/prefix" no longer than the address (LS v1.0 3.4.1.10 and 3.4.1.12).
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

func checkPort(p *int64) string {
	if p != nil && (*p < 0 || *p > 65535) {
		return fmt.Sprintf("port %d out of range 0..65535", *p)
	}
	return ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func checkHash(name, s string, n int) string {
	if s != "" && (len(s) != n || !isHex(s)) {
		return fmt.Sprintf("%s must be %d hex digits, got %q", name, n, s)
	}
	return ""
}

// checkHostname checks an RFC 1123 host name (LS v1.0 3.4.2, Hostname).
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

func checkEmail(s string, idn bool) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || !utf8.ValidString(s) {
		return fmt.Sprintf("%q: not an email address", s)
	}
	if !idn && checkHostname(domain) != "" {
		return fmt.Sprintf("%q: not an email address", s)
	}
	return ""
}

// checkURI checks an absolute URI or IRI (RFC 3986, RFC 3987).
func checkURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return fmt.Sprintf("%q: not an absolute URI", s)
	}
	return ""
}

// checkMAC checks an EUI-48 or EUI-64 as hex pairs separated by ':' or '-'
// (LS v1.0 3.4.1.15).
func checkMAC(s string) string {
	sep := ":"
	if strings.Contains(s, "-") {
		sep = "-"
	}
	parts := strings.Split(s, sep)
	if len(parts) != 6 && len(parts) != 8 {
		return fmt.Sprintf("%q: not a MAC address", s)
	}
	for _, p := range parts {
		if len(p) != 2 || !isHex(p) {
			return fmt.Sprintf("%q: not a MAC address", s)
		}
	}
	return ""
}

func checkBase64(s string) string {
	if _, err := base64.StdEncoding.DecodeString(s); err != nil {
		return "bin is not base64"
	}
	return ""
}

// profiles are the OASIS actuator profiles whose bare namespace identifier is
// registered (LS v1.0 section 3.1.4).
var profiles = map[string]bool{"slpf": true}

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

// checkNsid checks a namespace identifier (LS v1.0 sections 3.1.4 and 3.4.2,
// Nsid: String (1..16)): a registered profile, or "x-" and a name.
func checkNsid(s string) string {
	if profiles[s] {
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

// checkExtName checks an extension name "nsid:name" (LS v1.0 section 3.1.4).
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
