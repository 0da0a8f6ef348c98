//go:build race

package decisionlog

// raceEnabled is whether the tests run with the race detector, which
// adds allocations of its own (sync.Pool drops some of what it is given).
const raceEnabled = true
