// Package server is Gatehouse's HTTP surface on echo: health, readiness,
// metrics, the plugin API and the error handler. Package app adds the
// domains' routes to the *echo.Echo it returns.
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/guard"
)

// New returns an echo server with the routes of the host:
//
//	GET  /healthz            the process is up
//	GET  /readyz             the first plugin scan is done (503 before)
//	GET  /metrics            Prometheus metrics from gatherer
//	GET  /v1/plugins         every plugin file: manifest, status, last error, calls
//	POST /v1/plugins/reload  rescan the plugin folder, lifting quarantines
func New(h *host.Host, gatherer prometheus.Gatherer, logger *slog.Logger) *echo.Echo {
	e := Diagnostics(h, gatherer, logger)
	e.GET("/v1/plugins", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]any{"plugins": h.Plugins()})
	})
	e.POST("/v1/plugins/reload", func(c echo.Context) error {
		if err := Unbounded(c, func() error { return h.LoadDir(c.Request().Context()) }); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"plugins": h.Plugins()})
	}, guard.SameOrigin)
	return e
}

// Unbounded runs work, the work of a request without a body that may
// outlast the server's read and write timeouts, such as a reload that
// compiles plugins: those would cancel it and cut its answer. Once work
// is done, the answer gets the usual time to be written. It returns
// work's error.
func Unbounded(c echo.Context, work func() error) error {
	rc := http.NewResponseController(c.Response())
	if err := errors.Join(rc.SetReadDeadline(time.Time{}), rc.SetWriteDeadline(time.Time{})); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	err := work()
	if derr := rc.SetWriteDeadline(time.Now().Add(answerTimeout)); derr != nil && !errors.Is(derr, http.ErrNotSupported) {
		return errors.Join(err, derr)
	}
	return err
}

// answerTimeout bounds the writing of a reload's answer, once the reload
// is done.
const answerTimeout = 10 * time.Second

// Diagnostics returns an echo server with only the health, readiness and
// metrics routes of New, for a listener that probes reach without the
// credentials of the API.
func Diagnostics(h *host.Host, gatherer prometheus.Gatherer, logger *slog.Logger) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(logger)

	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", func(c echo.Context) error {
		if !h.Ready() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "loading plugins"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	})
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})))
	return e
}

// ErrorBody is the JSON body of every error response: a machine code (an
// ABI code such as not_found, or the HTTP status text in snake case such
// as method_not_allowed) and a human message.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StatusOf maps an ABI error code to an HTTP status.
func StatusOf(code abi.Code) int {
	switch code {
	case abi.CodeInvalidRequest:
		return http.StatusBadRequest
	case abi.CodeNotFound, abi.CodeNoComponent:
		return http.StatusNotFound
	case abi.CodeDenied, abi.CodeCapabilityDenied:
		return http.StatusForbidden
	case abi.CodeUnsupported:
		return http.StatusNotImplemented
	case abi.CodeUnavailable, abi.CodeQuarantined:
		return http.StatusServiceUnavailable
	case abi.CodeTimeout:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// errorHandler writes every error as an ErrorBody: echo's own errors with
// their status, ABI errors by code, anything else as an internal error that
// is logged in full.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		status, p := http.StatusInternalServerError, ErrorBody{Code: string(abi.CodeInternal), Message: "internal error"}
		var he *echo.HTTPError
		var ae *abi.Error
		switch {
		case errors.As(err, &he):
			status, p.Code = he.Code, codeOf(he.Code)
			p.Message = http.StatusText(he.Code)
			if m, ok := he.Message.(string); ok {
				p.Message = m
			}
		case errors.As(err, &ae):
			status, p.Code, p.Message = StatusOf(ae.Code), string(ae.Code), err.Error()
		default:
			logger.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		_ = c.JSON(status, p)
	}
}

// codeOf returns the ErrorBody code of an HTTP status that is not an ABI
// error's: the ABI code StatusOf maps to the status, else the status text
// in snake case.
func codeOf(status int) string {
	switch status {
	case http.StatusBadRequest:
		return string(abi.CodeInvalidRequest)
	case http.StatusNotFound:
		return string(abi.CodeNotFound)
	case http.StatusForbidden:
		return string(abi.CodeDenied)
	case http.StatusNotImplemented:
		return string(abi.CodeUnsupported)
	case http.StatusServiceUnavailable:
		return string(abi.CodeUnavailable)
	case http.StatusGatewayTimeout:
		return string(abi.CodeTimeout)
	case http.StatusInternalServerError:
		return string(abi.CodeInternal)
	}
	if text := http.StatusText(status); text != "" {
		return strings.ToLower(strings.ReplaceAll(text, " ", "_"))
	}
	return "http_" + strconv.Itoa(status)
}
