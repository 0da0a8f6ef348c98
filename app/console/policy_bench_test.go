package console_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/policy"
)

// BenchmarkDecisionLogPage renders the decision log page over historySize
// decisions kept: the newest page, a filter by policy set, decision and
// subject, and a filter no decision matches, which reads them all.
func BenchmarkDecisionLogPage(b *testing.B) {
	w := newAccessWorld(b)
	w.log.Keep(historySize)
	for i := range historySize {
		req := policy.Request{PolicySet: "web", Attributes: policy.Attributes{Subject: map[string]any{
			"sub": fmt.Sprintf("user%d", i%1000), "email": fmt.Sprintf("user%d@example.com", i%1000), "groups": []any{"/staff"},
		}}}
		d := policy.Decision{PolicySet: "web", Result: policy.Grant, Effect: policy.Grant}
		if i%7 == 0 {
			d.Result = policy.Deny
		}
		if err := w.log.Record("api", &req, &d, nil); err != nil {
			b.Fatal(err)
		}
	}
	h := handler(b, console.Options{Access: w.access})
	get := func(path string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	cookies := get("/ui/").Result().Cookies()
	for _, tt := range []struct{ name, query, want string }{
		{"newest", "", "<td>100000</td>"},
		{"filtered", "?policy_set=web&result=DENY&subject=email%3Duser42%40", "<td>98043</td>"},
		{"none", "?policy_set=console", "No decision matches"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				rec := get("/ui/policy/log"+tt.query, cookies...)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), tt.want) {
					b.Fatalf("%d, no %q:\n%s", rec.Code, tt.want, rec.Body)
				}
			}
		})
	}
}
