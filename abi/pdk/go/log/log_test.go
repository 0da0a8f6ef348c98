package log

import (
	"fmt"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		args []any
		want string
	}{
		{"message only", "started", nil, "started"},
		{"pairs", "counted", []any{"key", "hits", "count", 3}, "counted key=hits count=3"},
		{"quoted values", "saw", []any{"path", "/a b", "empty", "", "eq", "a=b"}, `saw path="/a b" empty="" eq="a=b"`},
		{"value without key", "odd", []any{42}, "odd !BADKEY=42"},
		{"dangling key", "odd", []any{"k", 1, "lonely"}, "odd k=1 !BADKEY=lonely"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.msg, tt.args...); got != tt.want {
				t.Errorf("Format = %q, want %q", got, tt.want)
			}
		})
	}
}

func ExampleFormat() {
	fmt.Println(Format("counter incremented", "key", "hits", "count", 3))
	// Output: counter incremented key=hits count=3
}
