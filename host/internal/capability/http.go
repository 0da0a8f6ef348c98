package capability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// maxRedirects is how many redirects a request follows, each to an
// allow-listed host.
const maxRedirects = 10

// httpTransport carries the requests of every plugin, so connections to
// the same host are reused across calls.
var httpTransport = http.DefaultTransport.(*http.Transport).Clone()

// httpRequest is http_request(req_ptr, req_len) with a msgpack
// abi.HTTPRequest; the result is a msgpack abi.HTTPResponse.
//
// Only http and https URLs to hosts of the grant are allowed, redirects
// included. A status other than 2xx is a response, not an error. A response
// body over the grant's MaxBytes fails the request with reply_too_large
// rather than being cut short, since the response has no field to say it
// was. A request past the grant's timeout or the call's deadline fails with
// timeout; a request that cannot be sent fails with unavailable.
func httpRequest(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error) {
	var req abi.HTTPRequest
	if err := mem.decode(api.DecodeU32(params[0]), api.DecodeU32(params[1]), &req); err != nil {
		return nil, err
	}
	resp, err := c.doHTTP(ctx, req)
	if err != nil {
		return nil, err
	}
	return msgpack.Marshal(resp)
}

// doHTTP sends req under the Caller's http grant.
func (c *Caller) doHTTP(ctx context.Context, req abi.HTTPRequest) (*abi.HTTPResponse, error) {
	g := c.Grants.HTTP
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "url %q: want an absolute http or https URL", req.URL)
	}
	if !g.allows(u) {
		return nil, c.hostDenied(u)
	}

	ctx, cancel := context.WithTimeout(ctx, g.timeout())
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%v", err)
	}
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	client := &http.Client{
		Transport: httpTransport,
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if !g.allows(r.URL) {
				return c.hostDenied(r.URL)
			}
			return nil
		},
	}
	what := method + " " + u.Redacted()
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, httpError(ctx, what, err)
	}
	defer resp.Body.Close()

	limit := g.maxBytes()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, httpError(ctx, what, err)
	}
	if int64(len(body)) > limit {
		return nil, abi.Errorf(abi.CodeReplyTooLarge, "%s: response body exceeds the grant's max_bytes of %d", what, limit)
	}
	headers := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		headers[k] = strings.Join(v, ", ")
	}
	return &abi.HTTPResponse{Status: resp.StatusCode, Headers: headers, Body: body}, nil
}

// hostDenied returns the error for a request to a host the grant does not
// list.
func (c *Caller) hostDenied(u *url.URL) *abi.Error {
	return abi.Errorf(abi.CodeCapabilityDenied, "%s://%s is not allowed by %s.hosts",
		u.Scheme, u.Host, ConfigKey(c.Plugin, abi.CapHTTP))
}

// httpError turns the failure of a request into an abi.Error: a denied
// redirect stays capability_denied, a request past its deadline becomes
// timeout, and anything else unavailable.
func httpError(ctx context.Context, what string, err error) *abi.Error {
	var denied *abi.Error
	if errors.As(err, &denied) {
		return abi.Errorf(denied.Code, "%s: redirect: %s", what, denied.Message)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return abi.Errorf(abi.CodeTimeout, "%s: timed out", what)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the URL is already in what
	}
	return abi.Errorf(abi.CodeUnavailable, "%s: %v", what, err)
}
