package producer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/openc2/https"
)

// History returns a page of the command history of a Gatehouse consumer
// (GET https.HistoryPath), selected by the query parameters q: status,
// actuator, before and limit.
func (c *Client) History(ctx context.Context, q url.Values) (*https.HistoryPage, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	u := strings.TrimSuffix(c.url, https.Path) + https.HistoryPath
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if c.auth != nil {
		req.Header["Authorization"] = c.auth
	}
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("read the history: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", https.HistoryPath, resp.StatusCode, snippet(b))
	}
	var page https.HistoryPage
	if err := json.Unmarshal(b, &page); err != nil {
		return nil, fmt.Errorf("GET %s: the answer is not a history page: %v", https.HistoryPath, err)
	}
	return &page, nil
}
