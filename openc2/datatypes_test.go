package openc2

import (
	"strings"
	"testing"
)

func TestCheckNet(t *testing.T) {
	tests := []struct {
		name string
		in   string
		v6   bool
		want string
	}{
		{"v4 host", "10.0.0.1", false, ""},
		{"v4 cidr", "10.0.0.0/8", false, ""},
		{"v4 /32", "10.0.0.1/32", false, ""},
		{"v4 /33", "10.0.0.0/33", false, `"10.0.0.0/33": prefix length 33 exceeds 32`},
		{"v4 octet", "127.0.0.300", false, `"127.0.0.300": not an IPv4 address`},
		{"v4 leading zero", "010.0.0.1", false, `"010.0.0.1": not an IPv4 address`},
		{"v4 empty prefix", "10.0.0.0/", false, `"10.0.0.0/": invalid prefix length ""`},
		{"v4 signed prefix", "10.0.0.0/+8", false, `"10.0.0.0/+8": invalid prefix length "+8"`},
		{"v4 zero-padded prefix", "10.0.0.0/08", false, `"10.0.0.0/08": invalid prefix length "08"`},
		{"v4 given v6", "::1", false, `"::1": not an IPv4 address`},
		{"v4 mapped in v4 net", "::ffff:1.2.3.4", false, `"::ffff:1.2.3.4": not an IPv4 address`},
		{"v6 full", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", true, ""},
		{"v6 mapped", "::ffff:192.0.2.128", true, ""},
		{"v6 /128", "::1/128", true, ""},
		{"v6 /129", "::/129", true, `"::/129": prefix length 129 exceeds 128`},
		{"v6 two gaps", "2001::85a3::8a2e", true, `"2001::85a3::8a2e": not an IPv6 address`},
		{"v6 zone", "fe80::1%eth0", true, `"fe80::1%eth0": not an IPv6 address`},
		{"v6 given v4", "10.0.0.1", true, `"10.0.0.1": not an IPv6 address`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkNet(tt.in, tt.v6); got != tt.want {
				t.Errorf("checkNet(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckNsid(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"slpf", true}, {"x-acme", true}, {"x-395", true}, {"x-a_b", true}, {"x-0123456789abcd", true},
		{"x-0123456789abcde", false}, {"X-acme", false}, {"acme", false}, {"x-", false},
		{"x-_acme", false}, {"x-a.b", false}, {"x-a/b", false}, {"", false}, {"x-ä", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := checkNsid(tt.in) == ""; got != tt.ok {
				t.Errorf("checkNsid(%q) ok = %v, want %v (%s)", tt.in, got, tt.ok, checkNsid(tt.in))
			}
		})
	}
}

func TestCheckExtName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"x-acme:container", true}, {"slpf:rule_number", true}, {"x-acme:c1_2", true},
		{"container", false}, {":container", false}, {"x-acme:", false}, {"x-acme:_c", false},
		{"x-acme:a:b", false}, {"x-acme:a-b", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := checkExtName(tt.in) == ""; got != tt.ok {
				t.Errorf("checkExtName(%q) ok = %v, want %v", tt.in, got, tt.ok)
			}
		})
	}
}

func TestCheckSmallTypes(t *testing.T) {
	p := func(n int64) *int64 { return &n }
	tests := []struct {
		name string
		got  string
		ok   bool
	}{
		{"port 0", checkPort(p(0)), true},
		{"port 65535", checkPort(p(65535)), true},
		{"port 65536", checkPort(p(65536)), false},
		{"port -1", checkPort(p(-1)), false},
		{"mac colon", checkMAC("8c:85:90:72:31:af"), true},
		{"mac upper case", checkMAC("8C:85:90:72:31:AF"), true},
		{"mac hyphen", checkMAC("8c-85-90-72-31-af"), false},
		{"mac eui64", checkMAC("8c:85:90:ff:fe:72:31:af"), true},

		{"mac short", checkMAC("8c:85:90:72:31"), false},
		{"md5", checkHash("md5", "0313fd399b143fc40cd52a1679018305", 32), true},
		{"md5 short", checkHash("md5", "0313fd", 32), false},
		{"md5 not hex", checkHash("md5", "0313fd399b143fc40cd52a167901830g", 32), false},
		{"hostname", checkHostname("a-1.example.com"), true},
		{"hostname dash", checkHostname("-a.example.com"), false},
		{"hostname empty label", checkHostname("a..com"), false},
		{"email", checkEmail("a@example.com", false), true},
		{"email no at", checkEmail("example.com", false), false},
		{"idn email", checkEmail("ü@bücher.example", true), true},
		{"uri", checkURI("https://example.com/x"), true},
		{"idn hostname", checkIDNHostname("bücher.example."), true},
		{"idn hostname ascii", checkIDNHostname("a-1.example"), true},
		{"idn hostname symbol", checkIDNHostname("b€cher.example"), false},
		{"idn hostname empty label", checkIDNHostname("bücher..example"), false},
		{"base64url padded", checkBase64URL("aGVsbG8="), true},
		{"base64url unpadded", checkBase64URL("aGVsbG8"), true},
		{"base64url alphabet", checkBase64URL("-_-_"), true},
		{"base64url standard alphabet", checkBase64URL("+/+/"), false},
		{"base64url bad padding", checkBase64URL("aGVsbG8=="), false},
		{"base64url one char left", checkBase64URL("aGVsb"), false},
		{"base64url newline", checkBase64URL("aGVs\nbG8="), false},
		{"command id", checkCommandID("queryOpenC2ProfilesValid"), true},
		{"command id 36", checkCommandID(strings.Repeat("é", 36)), true},
		{"command id 37", checkCommandID(strings.Repeat("a", 37)), false},
		{"command id no-break space", checkCommandID("a\u00a0b"), false},
		{"media type", checkMediaType("application/vnd.openc2+json"), true},
		{"media type parameters", checkMediaType("text/plain; charset=utf-8"), false},
		{"media type no subtype", checkMediaType("text/"), false},
		{"uri relative", checkURI("/x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.got == "") != tt.ok {
				t.Errorf("ok = %v, want %v (%s)", tt.got == "", tt.ok, tt.got)
			}
		})
	}
}
