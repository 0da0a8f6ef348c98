// Package log writes to the Gatehouse host's log through the log
// capability; the host tags each line with the plugin. A plugin that
// imports this package must declare abi.CapLog with pdk.Require.
//
// Messages take slog-style key-value pairs:
//
//	log.Info("counter incremented", "key", key, "count", n)
//
// writes `counter incremented key=hits count=3`.
//
// Outside GOOS=wasip1 the lines go to standard error.
package log

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/internal/hostcall"
)

// Debug logs at debug level.
func Debug(msg string, args ...any) { write(abi.LogDebug, msg, args) }

// Info logs at info level.
func Info(msg string, args ...any) { write(abi.LogInfo, msg, args) }

// Warn logs at warn level.
func Warn(msg string, args ...any) { write(abi.LogWarn, msg, args) }

// Error logs at error level.
func Error(msg string, args ...any) { write(abi.LogError, msg, args) }

func write(level int32, msg string, args []any) {
	line := Format(msg, args...)
	p, n := hostcall.String(line)
	hostLog(level, p, n)
}

// Format renders msg and its key-value pairs as one line: msg, then
// key=value for each pair, with values quoted when they are empty or
// contain spaces, quotes or '='. A value without a key gets the key
// !BADKEY, as in log/slog.
func Format(msg string, args ...any) string {
	var b strings.Builder
	b.WriteString(msg)
	for len(args) > 0 {
		key, ok := args[0].(string)
		if ok && len(args) > 1 {
			args = args[1:]
		} else {
			key = "!BADKEY"
		}
		b.WriteByte(' ')
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(quote(fmt.Sprint(args[0])))
		args = args[1:]
	}
	return b.String()
}

// quote quotes s if a reader could not tell where it ends.
func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n\"=") {
		return strconv.Quote(s)
	}
	return s
}
