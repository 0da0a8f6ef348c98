package proxy_test

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain quiets the default logger, to which the test provider logs
// every request it serves.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
