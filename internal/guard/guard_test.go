package guard

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestApply checks that Apply runs the middleware in the order echo runs
// a route's, the first outermost, and builds the chain once.
func TestApply(t *testing.T) {
	var order []string
	wrapped := 0
	mark := func(name string) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			wrapped++
			return func(c echo.Context) error {
				order = append(order, name)
				return next(c)
			}
		}
	}
	h := Apply(func(echo.Context) error { order = append(order, "handler"); return nil }, mark("a"), mark("b"))
	c := echo.New().NewContext(httptest.NewRequest("GET", "/", nil), httptest.NewRecorder())
	for range 2 {
		if err := h(c); err != nil {
			t.Fatal(err)
		}
	}
	if got := strings.Join(order, " "); got != "a b handler a b handler" || wrapped != 2 {
		t.Errorf("ran %q, wrapped %d times; want a b handler twice, wrapped twice", got, wrapped)
	}
}
