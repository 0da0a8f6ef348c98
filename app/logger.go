package app

import (
	"io"
	"log/slog"

	"github.com/gatehouse/gatehouse/app/config"
)

// Logger returns the logger that f's log section asks for, writing to w.
func Logger(f *config.File, w io.Writer) *slog.Logger {
	logger, _ := newLogger(f, w)
	return logger
}

// newLogger returns the logger that f's log section asks for, writing to
// w, with the variable that holds its level, which a reload sets.
func newLogger(f *config.File, w io.Writer) (*slog.Logger, *slog.LevelVar) {
	level := &slog.LevelVar{}
	setLevel(level, f)
	opts := &slog.HandlerOptions{Level: level}
	if f.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), level
	}
	return slog.New(slog.NewTextHandler(w, opts)), level
}

// setLevel sets level to f's log.level, which the configuration checked.
func setLevel(level *slog.LevelVar, f *config.File) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(f.Log.Level))
	level.Set(l)
}
