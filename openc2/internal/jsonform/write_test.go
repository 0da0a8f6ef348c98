package jsonform

import (
	"encoding/json"
	"math"
	"testing"
)

func TestEncodeFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0"}, {30, "30"}, {0.5, "0.5"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"},
		{1e-6, "0.000001"}, {1e-7, "1e-7"}, {123456.789, "123456.789"}, {-2.5e-10, "-2.5e-10"},
	}
	for _, tt := range tests {
		var e Encoder
		e.Float(nil, tt.f)
		want, _ := json.Marshal(tt.f)
		if string(e.B) != tt.want || string(e.B) != string(want) || e.Err != nil {
			t.Errorf("Float(%v) = %s (%v), want %s and encoding/json's %s", tt.f, e.B, e.Err, tt.want, want)
		}
	}
	var e Encoder
	e.Float(&Path{Name: "rate_limit"}, math.Inf(1))
	if e.Err == nil || e.Err.Error() != "rate_limit: +Inf is not a JSON number" {
		t.Errorf("Float(+Inf) error %v", e.Err)
	}
}
