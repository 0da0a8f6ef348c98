package decisionapi

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// hostileRequests are texts that the scanner must leave to encoding/json,
// or read exactly as it does: the seeds of the differential tests.
var hostileRequests = []string{
	`{"policy_set": "x", "subject": {"email": "ann@example.com", "groups": ["/test1", "/staff"]}, "access": {"method": "GET"}}`,
	`{"policy_set": "x", "subject": {"n": "\udd18\ud835"}}`,
	`{"policy_set": "x", "subject": {"n": "\ud835\udd18 \u00e9\n\"\\\/\b\f\r\t"}}`,
	`{"policy_set": "x", "subject": {"n": "\ud835"}}`,
	`{"policy_set": "x", "subject": {"n": "\ud835\u0041"}}`,
	`{"policy_set": "x", "subject": {"n": "` + "\xff\xfe" + `"}}`,
	`{"policy_set": "x", "subject": {"` + "\xc3" + `": 1}}`,
	`{"policy_set": "x", "subject": {"n": "` + "\x01" + `"}}`,
	`{"policy_set": "x", "policy_set": "y"}`,
	`{"policy_set": "x", "policy_set": null}`,
	`{"policy_set": "x", "subject": {"a": 1}, "subject": {"b": 2}}`,
	`{"policy_set": "x", "subject": {"a": 1, "a": 2}}`,
	`{"POLICY_SET": "x", "Subject": {}}`,
	`{"policy\u005fset": "x"}`,
	`{"policy_set": "x", "subjects": {}}`,
	`{"policy_set": "x", "obligations": {"obl_log": {}}}`,
	`{"policy_set": 5}`,
	`{"policy_set": null, "path": null, "subject": null}`,
	`{"policy_set": "x", "subject": "ann"}`,
	`{"policy_set": "x", "subject": [1]}`,
	`{"policy_set": "x", "subject": {"n": ` + strings.Repeat("9", 4301) + `}}`,
	`{"policy_set": "x", "subject": {"n": -` + strings.Repeat("9", 40) + `, "m": 18446744073709551616, "f": 1e400, "g": -0, "h": 0.5e-3, "i": -9223372036854775808, "j": 9223372036854775807}}`,
	`{"policy_set": "x", "subject": {"n": 01}}`,
	`{"policy_set": "x", "subject": {"n": 1.}}`,
	`{"policy_set": "x", "subject": {"n": .5}}`,
	`{"policy_set": "x", "subject": {"n": +1}}`,
	`{"policy_set": "x", "subject": {"n": 1e}}`,
	`{"policy_set": "x", "subject": {"n": tru}}`,
	`{"policy_set": "x", "subject": {"n": truex}}`,
	`{"policy_set": "x", "subject": {"n": [1,]}}`,
	`{"policy_set": "x", "subject": {"n": 1,}}`,
	`{"policy_set": "x",}`,
	`{"policy_set": x}`,
	`{"policy_set": "x"`,
	`{"policy_set": "x"} {}`,
	`{"policy_set": "x"} x`,
	`{"policy_set": "x"}}`,
	` {"policy_set": "x"} ` + "\t\r\n",
	``,
	` `,
	`[]`,
	`null`,
	`"x"`,
	`{}`,
	`{"policy_set": "x", "subject": {"d": ` + strings.Repeat("[", 1100) + strings.Repeat("]", 1100) + `}}`,
	`{"policy_set": "x", "subject": {"d": ` + strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat("}", 10001) + `}}`,
	`{"policy_set": "x", "subject": {"d": ` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}`,
}

// checkSame fails t unless ReadRequest, with its scanner, reads data as
// encoding/json does: the same request, or the same error.
func checkSame(t *testing.T, data []byte) {
	t.Helper()
	got, gerr := ReadRequest(data, "body")
	want, werr := decodeRequest(data, "body")
	if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nscanned %#v, %v\ndecoded %#v, %v", data, got, gerr, want, werr)
	}
}

// TestHostileRequestScan checks that the scanner reads each request as
// encoding/json does, and refuses what it refuses with the same error:
// lone surrogates, bytes that are not UTF-8, repeated fields, names in
// other letters, unknown fields, numbers beyond their limits, nesting
// too deep, and texts cut short or mutated at random.
func TestHostileRequestScan(t *testing.T) {
	for _, text := range hostileRequests {
		checkSame(t, []byte(text))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		g := &gen{rng: rng}
		text := g.request()
		if g.plain {
			if _, ok := scanRequest(text); !ok {
				t.Fatalf("%q: a plain request left to encoding/json", text)
			}
		}
		checkSame(t, text)
		checkSame(t, mutate(rng, text))
	}
}

// FuzzReadRequest checks on any text that ReadRequest reads it as
// encoding/json does.
func FuzzReadRequest(f *testing.F) {
	for _, text := range hostileRequests {
		f.Add([]byte(text))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkSame(t, data) })
}

// gen writes random decision requests. plain says whether the last one
// is valid JSON of the usual form, which the scanner must read itself.
type gen struct {
	rng   *rand.Rand
	plain bool
}

// odd is true once in n, and makes the request not plain.
func (g *gen) odd(n int) bool {
	if g.rng.IntN(n) == 0 {
		g.plain = false
		return true
	}
	return false
}

func (g *gen) space(b []byte) []byte {
	for g.rng.IntN(3) == 0 {
		b = append(b, " \t\r\n"[g.rng.IntN(4)])
	}
	return b
}

func (g *gen) request() []byte {
	g.plain = true
	b := g.space(nil)
	b = append(b, '{')
	fields := []string{"policy_set", "subject", "object", "environment", "access", "path"}
	g.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	n := g.rng.IntN(len(fields) + 1)
	if g.odd(20) {
		fields = append(fields[:n], fields[g.rng.IntN(len(fields))])
		n++
	}
	for i, f := range fields[:n] {
		if i > 0 {
			b = append(b, ',')
		}
		switch {
		case g.odd(40):
			f = strings.ToUpper(f)
		case g.odd(40):
			f = "obligations"
		}
		b = g.space(b)
		b = append(g.space(g.str(b, f)), ':')
		b = g.space(b)
		switch {
		case g.odd(15):
			b = g.value(b, 0)
		case g.rng.IntN(10) == 0:
			b = append(b, "null"...)
		case f == "policy_set" || f == "path":
			b = g.str(b, g.text())
		default:
			b = g.object(b, 0)
		}
		b = g.space(b)
	}
	b = g.space(append(b, '}'))
	if g.odd(30) {
		b = g.value(b, 0)
	}
	return b
}

func (g *gen) value(b []byte, depth int) []byte {
	switch k := g.rng.IntN(8); {
	case k == 0 && depth < 5:
		return g.object(b, depth+1)
	case k == 1 && depth < 5:
		b = append(b, '[')
		for i := range g.rng.IntN(4) {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.space(g.value(g.space(b), depth+1))
		}
		return append(b, ']')
	case k == 2:
		return append(b, [...]string{"true", "false", "null"}[g.rng.IntN(3)]...)
	case k == 3 || k == 4:
		return g.number(b)
	}
	return g.str(b, g.text())
}

func (g *gen) object(b []byte, depth int) []byte {
	b = append(b, '{')
	for i := range g.rng.IntN(4) {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.space(g.str(g.space(b), g.text()))
		b = g.space(g.value(g.space(append(b, ':')), depth))
	}
	return append(b, '}')
}

func (g *gen) number(b []byte) []byte {
	switch g.rng.IntN(8) {
	case 0:
		return append(b, [...]string{"18446744073709551616", "-9223372036854775809", "9223372036854775807", "-0", "1e400", "123456789012345678", "1234567890123456789"}[g.rng.IntN(7)]...)
	case 1:
		return fmt.Appendf(b, "%g", g.rng.NormFloat64()*1e6)
	case 2:
		return fmt.Appendf(b, "%d.%de%d", g.rng.IntN(100), g.rng.IntN(100), g.rng.IntN(40)-20)
	case 3:
		if g.odd(10) {
			return append(b, strings.Repeat("7", 4301)...)
		}
	}
	return fmt.Appendf(b, "%d", g.rng.Int64()>>g.rng.IntN(64))
}

// pieces are what the texts of strings are made of.
var pieces = []string{"a", "ann", "/test1", "é", "𝔘", `\"`, `\\`, `\/`, `\n`, `\t`, `\b`, `\f`, `\r`, `\u00e9`, `\u0000`, `\uFFFD`, `\ud835\udd18`, `\uD83D\uDE00`, " ", "\u2028", "\xef\xbf\xbd"}

// hostilePieces make a string invalid or unusual.
var hostilePieces = []string{`\ud800`, `\udd18`, `\ud835\u0041`, `\u12`, `\x`, "\xff", "\xc3", "\x01", "\x7f", `\`, "\xed\xa0\x80"}

func (g *gen) text() string {
	var s strings.Builder
	for range g.rng.IntN(5) {
		if g.odd(30) {
			s.WriteString(hostilePieces[g.rng.IntN(len(hostilePieces))])
			continue
		}
		s.WriteString(pieces[g.rng.IntN(len(pieces))])
	}
	return s.String()
}

// str appends the string of text, which is written as it is: escapes
// and all.
func (g *gen) str(b []byte, text string) []byte {
	b = append(b, '"')
	b = append(b, text...)
	return append(b, '"')
}

// mutate returns a copy of text with a few bytes deleted, replaced or
// inserted, or cut short.
func mutate(rng *rand.Rand, text []byte) []byte {
	b := append([]byte(nil), text...)
	const alphabet = "{}[]\":,\\ u0123456789eE.-+tfnlx\xff\x00"
	for range 1 + rng.IntN(3) {
		if len(b) == 0 {
			break
		}
		i := rng.IntN(len(b))
		switch rng.IntN(4) {
		case 0:
			b = append(b[:i], b[i+1:]...)
		case 1:
			b[i] = alphabet[rng.IntN(len(alphabet))]
		case 2:
			b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
		case 3:
			b = b[:i]
		}
	}
	return b
}
