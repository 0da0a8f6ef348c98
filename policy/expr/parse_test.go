package expr

import (
	"strings"
	"testing"
)

func TestParsePrint(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		// Everything ARPOC's grammar accepts.
		{"True", "True"},
		{"False", "False"},
		{"subject.email", "subject.email"},
		{"exists subject.email", "exists subject.email"},
		{"exists 5", "exists 5"},
		{"'/test1' in subject.groups", "'/test1' in subject.groups"},
		{`"admin" in subject.groups`, "'admin' in subject.groups"},
		{"subject.age > 9", "subject.age > 9"},
		{"environment.time < '10:30' and environment.time > '10:20'", "environment.time < '10:30' and environment.time > '10:20'"},
		{`subject.email matches '\\w+@(student\\.|partner\\.)?kit.edu'`, `subject.email matches r'\w+@(student\.|partner\.)?kit.edu'`},
		{"object.path startswith 'admin'", "object.path startswith 'admin'"},
		{"access.headers.Authorization == \"bla\"", "access.headers.Authorization == 'bla'"},
		{"access.n1.n2.n3.n4 == 'x'", "access.n1.n2.n3.n4 == 'x'"},
		{"5 in [5,4,3]", "True"},
		{"['5', 4, True, [True,False]]", "['5', 4, True, [True, False]]"},
		{"subject. email", "subject.email"},
		{"subject.a..b", "subject.a..b"},
		{"subject.1", "subject.1"},
		{"subject.éa == 'x'", "subject.éa == 'x'"},
		{"5in[5]", "True"},
		{"007 == 7", "True"},
		{"object.test == True", "object.test == True"},
		{"True and True or False", "(True and True) or False"},
		{"subject.x != object.y", "subject.x != object.y"},
		// Gatehouse's additions.
		{"not subject.admin", "not subject.admin"},
		{"not subject.role == 'admin'", "not subject.role == 'admin'"},
		{"(not subject.a) == True", "(not subject.a) == True"},
		{"subject.age >= 18 and subject.age <= 65", "subject.age >= 18 and subject.age <= 65"},
		{"subject.score > -1.5", "subject.score > -1.5"},
		{"subject.score < 2.0", "subject.score < 2.0"},
		{"subject.score < 1e3", "subject.score < 1000.0"},
		{"subject.score < .5", "subject.score < 0.5"},
		{"subject.x in []", "subject.x in []"},
		{"(subject.a or subject.b) and subject.c", "(subject.a or subject.b) and subject.c"},
		{"subject.a or (subject.b or subject.c)", "subject.a or subject.b or subject.c"},
		{"((subject.a))", "subject.a"},
		{"subject.a and (subject.b and subject.c)", "subject.a and subject.b and subject.c"},
		{"subject.email matches r'\\w+'", `subject.email matches r'\w+'`},
		{`subject.x == r"it's"`, `subject.x == 'it\'s'`},
		{`subject.x == 'a\'b'`, `subject.x == 'a\'b'`},
		{"subject.x ==\t'a'\n", "subject.x == 'a'"},
		{`subject.x == '\n\t\x41\101\u00e9'`, `subject.x == '\n\tAAé'`},
		{`subject.x == '\d'`, `subject.x == r'\d'`},
		{"exists subject.a == True", "exists subject.a == True"},
		{"(1 < 2) == True", "True"},
		{"'abc' startswith 'ab'", "True"},
		{"'01:02:03' matches '[0-9]{2}:[0-9]{2}:[0-9]{2}'", "True"},
		{"not (subject.a and subject.b)", "not (subject.a and subject.b)"},
		{"subject.a == (subject.b == subject.c)", "subject.a == (subject.b == subject.c)"},
	} {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("String() = %s, want %s", got, tt.want)
			}
			again, err := Parse(e.String())
			if err != nil {
				t.Fatalf("reparse %s: %v", e.String(), err)
			}
			if again.String() != e.String() {
				t.Errorf("reparse changed %s into %s", e.String(), again.String())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		src    string
		column int
		msg    string
	}{
		// ARPOC's own broken conditions.
		{"true", 1, `unknown word "true": the booleans are True and False`},
		{"[1,2,3", 7, "unexpected end of expression; expected , or ]"},
		{"[1,2,3,]", 8, "unexpected ]"},
		{"something", 1, `unknown word "something": an attribute starts with subject., object., environment. or access.`},
		// Others.
		{"", 1, "empty expression"},
		{"   ", 1, "empty expression"},
		{"subject", 1, "an attribute needs a name: subject.name"},
		{"subject.", 1, "subject. must be followed by an attribute name"},
		{"subject.x ==", 13, "unexpected end of expression"},
		{"subject.x = 'a'", 11, `"=" is not an operator; did you mean "=="?`},
		{"subject.x == 'a", 14, "string is not closed"},
		{"'a' == 'b' == 'c'", 12, "comparisons cannot be chained"},
		{"subject.x and", 14, "unexpected end of expression"},
		{"(subject.x", 11, "expected )"},
		{"subject.x)", 10, "unexpected ); expected and, or or the end"},
		{"'bla' < 6", 7, "< needs two numbers or booleans, two strings or two lists, not string 'bla' and integer 6"},
		{"6 > 'bla'", 3, "> needs two numbers"},
		{"123456789 startswith 123", 11, "startswith needs a string on its left, not integer 123456789"},
		{"'apfel' startswith 123", 9, "startswith needs a string on its right, not integer 123"},
		{"subject.x in 'abc'", 11, "in needs a list on its right, not string 'abc'"},
		{"subject.x matches '('", 11, "bad regular expression '(': missing closing )"},
		{"subject.x matches '(?=a)'", 11, "bad regular expression"},
		{"[subject.x]", 2, "a list holds literals only"},
		{"exists (subject.x)", 8, "exists takes an attribute"},
		{`'\x4'`, 2, `\x needs 2 hexadecimal digits`},
		{`'\N{DASH}'`, 2, "named escapes"},
		{`'\ud800'`, 2, "is not a Unicode character"},
		{strings.Repeat("9", 4301) + " == 1", 1, "integer of 4301 digits: at most 4300 are allowed"},
		{"1e999 == 1", 1, "out of range"},
		{"- 5 == 1", 1, "a minus sign must be followed by a number"},
		{"1. == 1", 1, "digits after its decimal point"},
		{"subject.x == 5 & 3", 16, `unexpected character '&'`},
		{"subject.x AND subject.y", 11, "the logical operators are and, or and not, in lower case"},
		{"subject.x == null", 14, "there is no null literal"},
		{"Trueand True", 1, `unknown word "Trueand"`},
		{strings.Repeat("(", 101) + "True" + strings.Repeat(")", 101), 101, "nested more than 100 levels"},
		{"\xff", 1, "not valid UTF-8"},
	} {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err == nil {
				t.Fatalf("Parse accepted it: %s", e)
			}
			pe, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if pe.Column != tt.column || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("error %q, want column %d and %q", pe, tt.column, tt.msg)
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want int // column of the warning, 0 for none
	}{
		{"subject.a and subject.b or subject.c", 25},
		{"subject.a or subject.b and subject.c", 11},
		{"(subject.a and subject.b) or subject.c", 0},
		{"subject.a or (subject.b and subject.c)", 0},
		{"subject.a and subject.b and subject.c", 0},
		{"subject.a or subject.b or subject.c", 0},
	} {
		e, err := Parse(tt.src)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tt.want == 0 && len(e.Warnings) > 0:
			t.Errorf("%s: unexpected warning %v", tt.src, e.Warnings[0])
		case tt.want != 0 && (len(e.Warnings) != 1 || e.Warnings[0].Column != tt.want):
			t.Errorf("%s: warnings %v, want one at column %d", tt.src, e.Warnings, tt.want)
		}
	}
}

func TestAttributes(t *testing.T) {
	e, err := Parse("exists subject.email and object.owner.id == subject.id or access.method == 'GET'")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range e.Attributes() {
		got = append(got, a.String()+"@"+formatInt(int64(a.Column)))
	}
	want := "subject.email@8 object.owner.id@26 subject.id@45 access.method@59"
	if strings.Join(got, " ") != want {
		t.Errorf("Attributes() = %v, want %s", got, want)
	}
	if a := e.Attributes()[1]; a.Category != Object || strings.Join(a.Segments, "/") != "owner/id" {
		t.Errorf("object.owner.id = %+v", a)
	}
}
