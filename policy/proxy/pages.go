package proxy

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
)

//go:embed pages/*.html
var pageFiles embed.FS

var pages = template.Must(template.ParseFS(pageFiles, "pages/*.html"))

// ErrorBody is the JSON body of the proxy's error responses to API clients,
// in the shape of Gatehouse's other errors: a machine code and a message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Service is the service that refused, on a 403.
	Service string `json:"service,omitempty"`
	// Reasons say why the service refused, on a 403.
	Reasons []string `json:"reasons,omitempty"`
}

type providerChoice struct{ Name, URL string }

type claimRow struct{ Name, Value string }

// userinfoRows returns the claims as rows sorted by name, each value in
// JSON.
func userinfoRows(claims map[string]any) []claimRow {
	var rows []claimRow
	for _, k := range slices.Sorted(maps.Keys(claims)) {
		v, _ := json.Marshal(claims[k])
		rows = append(rows, claimRow{Name: k, Value: string(v)})
	}
	return rows
}

// page writes the HTML page name with data.
func (p *Proxy) page(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name+".html", data); err != nil {
		p.logger.Error("proxy: page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	fmt.Fprint(w, b.String())
}

// writeJSON writes v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem answers with status, as JSON to API clients and as a page to
// browsers.
func (p *Proxy) problem(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if isAPI(r) {
		writeJSON(w, status, ErrorBody{Code: code, Message: msg})
		return
	}
	p.page(w, status, "problem", map[string]any{"Status": status, "Title": http.StatusText(status), "Message": msg, "Login": p.cfg.Paths.Login})
}

// fail logs err and answers 500 without its details.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, doing string, err error) {
	p.logger.Error("proxy: login failed", "step", doing, "error", err)
	p.problem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("The login failed: could not %s. The log says more.", doing))
}

// unauthorized answers 401 with a WWW-Authenticate challenge (RFC 6750,
// section 3); errCode is "" when no token came, else invalid_token.
func (p *Proxy) unauthorized(w http.ResponseWriter, r *http.Request, errCode, msg string) {
	challenge := `Bearer realm="gatehouse"`
	if errCode != "" {
		challenge += fmt.Sprintf(", error=%q, error_description=%q", errCode, msg)
	}
	w.Header().Set("WWW-Authenticate", challenge)
	if errCode == "" {
		errCode = "unauthorized"
	}
	p.problem(w, r, http.StatusUnauthorized, errCode, msg)
}

// forbidden answers 403 with the service that refused and reasons safe to
// show: the result, the obligations not fulfilled and the attributes
// missing, never the policy's text or an evaluation error's details, which
// go to the log.
func (p *Proxy) forbidden(w http.ResponseWriter, r *http.Request, service string, d *policy.Decision) {
	reasons := refusalReasons(d)
	msg := fmt.Sprintf("Service %s refused access.", service)
	if isAPI(r) {
		writeJSON(w, http.StatusForbidden, ErrorBody{Code: "forbidden", Message: msg, Service: service, Reasons: reasons})
		return
	}
	p.page(w, http.StatusForbidden, "forbidden", map[string]any{"Service": service, "Reasons": reasons, "Login": p.cfg.Paths.Login, "Logout": p.cfg.Paths.Logout})
}

// refusalReasons says why d does not grant, in words safe to show.
func refusalReasons(d *policy.Decision) []string {
	var out []string
	switch {
	case d.Error != "":
		out = append(out, "The policy could not be evaluated; the operator's log says why.")
	case d.Effect == policy.Deny:
		out = append(out, "The policy denies this request.")
	case d.Effect == policy.NotApplicable:
		out = append(out, "No policy applies to this request.")
	}
	for _, o := range d.Obligations {
		if !o.Fulfilled {
			out = append(out, fmt.Sprintf("The obligation %s was not fulfilled.", o.Name))
		}
	}
	if len(d.Missing) > 0 {
		out = append(out, "Attributes the policy needs are missing: "+strings.Join(d.Missing, ", ")+".")
	}
	return out
}
