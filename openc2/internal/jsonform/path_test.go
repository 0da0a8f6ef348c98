package jsonform

import "testing"

func TestPathString(t *testing.T) {
	root := &Path{Name: "target"}
	feat := &Path{Up: root, Key: []byte("features")}
	tests := []struct {
		p    *Path
		want string
	}{
		{nil, ""},
		{root, "target"},
		{feat, "target.features"},
		{&Path{Up: feat, Elem: 1}, "target.features[1]"},
		{&Path{Up: &Path{Up: feat, Elem: 0}, Name: "x"}, "target.features[0].x"},
		{&Path{Elem: 3}, "[3]"},
		{&Path{Up: root, Key: []byte{}}, "target."},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("path = %q, want %q", got, tt.want)
		}
	}
}

func TestWithin(t *testing.T) {
	p := &Path{Up: &Path{Name: "target"}, Name: "process"}
	tests := []struct{ inner, want string }{
		{"", "target.process"},
		{"parent", "target.process.parent"},
		{"[2].x", "target.process[2].x"},
	}
	for _, tt := range tests {
		err := Within(p, &Error{Path: tt.inner, Message: "m"})
		if got := err.(*Error).Path; got != tt.want {
			t.Errorf("Within(%q) = %q, want %q", tt.inner, got, tt.want)
		}
	}
	if Within(p, nil) != nil {
		t.Error("Within(nil) is not nil")
	}
}
