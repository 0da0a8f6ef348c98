package https

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// HistoryPath is the route that lists the commands a consumer received.
const HistoryPath = "/v1/openc2/commands"

// MaxHistoryLimit is the most records one page of HistoryPath holds.
const MaxHistoryLimit = 1000

// Historian is the history of a consumer; *consumer.Consumer is one.
type Historian interface {
	History(q consumer.HistoryQuery) ([]consumer.Record, uint64, error)
}

// HistoryPage is the answer of GET HistoryPath: the commands newest first,
// and the "before" of the next page, 0 when there is none.
type HistoryPage struct {
	Commands []consumer.Record `json:"commands"`
	Next     uint64            `json:"next,omitempty"`
}

// RegisterHistory adds GET HistoryPath to e, listing h's commands. Its
// query parameters: status (a status code, or "failed" for 400 and above),
// actuator ("plugin/component"), before (a sequence number; the value of
// next of the previous page) and limit (1 to MaxHistoryLimit, default 50).
func RegisterHistory(e *echo.Echo, h Historian) {
	e.GET(HistoryPath, func(c echo.Context) error {
		q, err := ParseHistoryQuery(c.QueryParams())
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		records, next, err := h.History(q)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, HistoryPage{Commands: records, Next: next})
	})
}

// ParseHistoryQuery reads the query parameters of HistoryPath (status,
// actuator, before and limit) into a query, or says which one is wrong.
func ParseHistoryQuery(v url.Values) (consumer.HistoryQuery, error) {
	q := consumer.HistoryQuery{Status: v.Get("status"), Actuator: v.Get("actuator")}
	if q.Status != "" && q.Status != "failed" {
		if n, err := strconv.Atoi(q.Status); err != nil || n < 100 || n > 599 {
			return q, errors.New("status: " + strconv.Quote(q.Status) + " is neither a status code nor \"failed\"")
		}
	}
	if s := v.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return q, errors.New("before: " + strconv.Quote(s) + " is not a sequence number")
		}
		q.Before = n
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxHistoryLimit {
			return q, errors.New("limit: " + strconv.Quote(s) + " is not a number from 1 to " + strconv.Itoa(MaxHistoryLimit))
		}
		q.Limit = n
	}
	return q, nil
}
