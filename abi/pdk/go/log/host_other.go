//go:build !wasip1

package log

import (
	"fmt"
	"os"
	"unsafe"
)

var levels = [...]string{"DEBUG", "INFO", "WARN", "ERROR"}

// hostLog stands in for the log host function: it writes the line to
// standard error.
func hostLog(level int32, msg unsafe.Pointer, size uint32) {
	name := "LEVEL(" + fmt.Sprint(level) + ")"
	if level >= 0 && int(level) < len(levels) {
		name = levels[level]
	}
	fmt.Fprintf(os.Stderr, "%s %s\n", name, unsafe.String((*byte)(msg), size))
}
