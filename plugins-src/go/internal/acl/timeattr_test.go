package acl

import (
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
)

func TestTimeAttributes(t *testing.T) {
	// 23:04:05 at UTC-2 on the last day of 2025 is the first of 2026 in UTC.
	now := func() time.Time { return time.Date(2025, 12, 31, 23, 4, 5, 999_000_000, time.FixedZone("", -2*3600)) }
	want := map[string]any{
		"time":        "01:04:05",
		"datetime":    "2026-01-01 01:04:05",
		"time_hour":   int64(1),
		"time_minute": int64(4),
		"time_second": int64(5),
	}
	if len(TimeAttributes) != len(want) {
		t.Errorf("%d time attributes, want %d", len(TimeAttributes), len(want))
	}
	for _, a := range TimeAttributes {
		t.Run(a.Key, func(t *testing.T) {
			h := a.handler(now)
			if got, err := h(abi.EnvironmentRequest{Component: a.Key, Key: a.Key}); err != nil || got != want[a.Key] {
				t.Errorf("value = %#v, %v; want %#v", got, err, want[a.Key])
			}
			_, err := h(abi.EnvironmentRequest{Component: a.Key, Key: "weekday"})
			if e, ok := errors.AsType[*abi.Error](err); !ok || e.Code != abi.CodeNotFound ||
				e.Message != a.Key+" provides the attribute "+a.Key+`, not "weekday"` {
				t.Errorf("another key: %v", err)
			}
		})
	}
}
