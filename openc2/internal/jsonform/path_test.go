package openc2

import "testing"

func TestPathString(t *testing.T) {
	root := &path{name: "target"}
	feat := &path{up: root, key: []byte("features")}
	tests := []struct {
		p    *path
		want string
	}{
		{nil, ""},
		{root, "target"},
		{feat, "target.features"},
		{&path{up: feat, elem: 1}, "target.features[1]"},
		{&path{up: &path{up: feat, elem: 0}, name: "x"}, "target.features[0].x"},
		{&path{elem: 3}, "[3]"},
		{&path{up: root, key: []byte{}}, "target."},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("path = %q, want %q", got, tt.want)
		}
	}
}

func TestWithin(t *testing.T) {
	p := &path{up: &path{name: "target"}, name: "process"}
	tests := []struct{ inner, want string }{
		{"", "target.process"},
		{"parent", "target.process.parent"},
		{"[2].x", "target.process[2].x"},
	}
	for _, tt := range tests {
		err := within(p, &Error{Path: tt.inner, Message: "m"})
		if got := err.(*Error).Path; got != tt.want {
			t.Errorf("within(%q) = %q, want %q", tt.inner, got, tt.want)
		}
	}
	if within(p, nil) != nil {
		t.Error("within(nil) is not nil")
	}
}
