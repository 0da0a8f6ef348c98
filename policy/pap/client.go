package pap

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client changes the entities of a server through its policy
// administration. It follows no redirects: a change is not sent
// elsewhere.
type Client struct {
	base  string
	token string
	http  *http.Client
}

// DefaultTimeout bounds a request of a Client unless it is told otherwise.
const DefaultTimeout = 30 * time.Second

// maxAnswerBytes bounds an answer the client reads.
const maxAnswerBytes = 16 << 20

// NewClient returns a client of the server at server, an http:// or
// https:// URL, that sends token as bearer token, over tlsConfig when not
// nil, each request bounded by timeout (0 means DefaultTimeout).
func NewClient(server, token string, tlsConfig *tls.Config, timeout time.Duration) (*Client, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q is not an absolute http:// or https:// URL", server)
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConfig
	return &Client{base: strings.TrimSuffix(u.String(), "/"), token: token, http: &http.Client{
		Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// AnswerError is an answer other than a success: its status and body,
// with the loader's problems of a change refused with 422.
type AnswerError struct {
	Method, Path string
	Status       int
	Body         InvalidBody
}

func (e *AnswerError) Error() string {
	msg := e.Body.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, msg)
}

// Check asks the server whether it would make the changes of req.
func (c *Client) Check(ctx context.Context, req CheckRequest) (*Result, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return c.do(ctx, http.MethodPost, CheckPath, body)
}

// Put creates or replaces entity id with definition.
func (c *Client) Put(ctx context.Context, id string, definition json.RawMessage) (*Result, error) {
	return c.do(ctx, http.MethodPut, entityPath(id), definition)
}

// Delete deletes entity id.
func (c *Client) Delete(ctx context.Context, id string) (*Result, error) {
	return c.do(ctx, http.MethodDelete, entityPath(id), nil)
}

// entityPath returns the path of entity id.
func entityPath(id string) string {
	return strings.TrimSuffix(EntityPath, ":id") + url.PathEscape(id)
}

// do sends body to path and decodes the result.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*Result, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated {
		e := &AnswerError{Method: method, Path: path, Status: res.StatusCode}
		if json.Unmarshal(b, &e.Body) != nil {
			e.Body.Message = strings.TrimSpace(string(b[:min(len(b), 200)]))
		}
		return nil, e
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s %s: the answer is not a result: %v", method, path, err)
	}
	return &r, nil
}
