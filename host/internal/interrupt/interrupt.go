// Package interrupt makes a WebAssembly module stoppable from outside while
// it runs. Instrument adds a mutable i32 global, exported as Export, and a
// check at the head of every loop and at the entry of every function that
// has a loop or a call: once the host sets the global to a non-zero value,
// the module traps with unreachable within Period checks.
//
// A function with neither, a leaf, gets no check: it runs each of its
// instructions at most once, so it ends within its own length. Code can run
// on only by looping, which passes a loop's check on every turn, or by
// calling, recursion included, which passes the caller's entry check; a
// branch goes backwards only to a loop's head, and an exception lands in a
// handler of a frame already running. Many small functions of a plugin
// (accessors, an allocator's fast path, codec steps) are leaves, called
// often.
//
// A start function would run inside instantiation, where the global cannot
// be reached yet: Instrument removes the start section and exports the
// function as StartExport instead, for the host to call, as it calls any
// export, right after instantiation and before anything else.
//
// This is the host's call timeout. wazero's own way, closing the module when
// a context is done, watches each call from a goroutine of its own, which
// costs more than a whole native-binding call, and leaves native code for Go
// at every loop iteration. A check here costs a few instructions: it counts
// down a second, private global, and only when that reaches zero does it
// read the interrupt global and run memory.grow 0.
//
// # Notes
//
//   - The memory.grow 0 is there to leave native code: wazero runs it in Go,
//     where the goroutine can be preempted. Native code cannot be, so without
//     it a module in a loop would stall the garbage collector's
//     stop-the-world phase, and with it the timer that sets the interrupt.
//     A module must therefore have a memory.
//   - Custom sections named .debug_* are dropped: their code offsets no
//     longer hold once checks are inserted. The name section is kept, as
//     function indices do not change.
//   - Bulk memory instructions (memory.fill, memory.copy, memory.init,
//     table.fill and the like) have no check inside, in a leaf or not: one
//     such instruction runs to its end, bounded by the memory's or table's
//     size. Nor does memory.atomic.wait, which waits for its timeout or a
//     notify.
//   - Instruction decoding covers the features wazero runs: WebAssembly 2.0,
//     tail calls, threads and exception handling. An unknown opcode is an
//     error, which the host reports as an invalid module.
package interrupt

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Export is the name under which an instrumented module exports its
// interrupt global.
const Export = "gatehouse.interrupt"

// StartExport is the name under which an instrumented module exports the
// function its start section named, if it had one.
const StartExport = "gatehouse.start"

// Period is how many checks pass between two reads of the interrupt global.
const Period = 4096

// Section ids (WebAssembly 2.0 section 5.5.2; tag is from exception handling).
const (
	secCustom = 0
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secStart  = 8
	secCode   = 10
	secTag    = 13
)

// order is the position of each known section id in a module.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, secTag: 6, secGlobal: 7, secExport: 8, 8: 9, 9: 10, 12: 11, secCode: 12, 11: 13}

// Instrument returns a copy of the module wasm with the interrupt global and
// its checks, and with its start function, if any, exported as StartExport
// instead. A module that already exports either name is refused.
func Instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:8], []byte("\x00asm\x01\x00\x00\x00")) {
		return nil, errors.New("not a WebAssembly 1.0 binary: bad magic or version")
	}
	secs, err := sections(wasm[8:])
	if err != nil {
		return nil, err
	}
	var imported moduleCounts
	defined := 0
	var start *uint32 // the start function
	for _, s := range secs {
		switch s.id {
		case secStart:
			r := &reader{b: s.body}
			fn, err := r.u32()
			if err != nil {
				return nil, fmt.Errorf("start section: %w", err)
			}
			start = &fn
		case secImport:
			if imported, err = countImports(s.body); err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
		case secMemory:
			r := &reader{b: s.body}
			n, err := r.u32()
			if err != nil {
				return nil, fmt.Errorf("memory section: %w", err)
			}
			imported.memories += int(n)
		case secGlobal:
			r := &reader{b: s.body}
			n, err := r.u32()
			if err != nil {
				return nil, fmt.Errorf("global section: %w", err)
			}
			defined = int(n)
		}
	}
	if imported.memories == 0 {
		return nil, errors.New("the module has no memory")
	}
	stop := uint32(imported.globals + defined)
	check := checkCode(stop, stop+1)
	exports := []export{{Export, 0x03, stop}}
	if start != nil {
		exports = append(exports, export{StartExport, 0x00, *start})
	}

	out := append(make([]byte, 0, len(wasm)+len(wasm)/16), wasm[:8]...)
	wroteGlobal, wroteExport := false, false
	for _, s := range secs {
		// Sections this function adds go before the first section that
		// must follow them.
		if !wroteGlobal && s.id != secCustom && order[s.id] > order[secGlobal] {
			out, wroteGlobal = appendSection(out, secGlobal, addGlobals(nil)), true
		}
		if !wroteExport && s.id != secCustom && order[s.id] > order[secExport] {
			out, wroteExport = appendSection(out, secExport, addExports(nil, exports)), true
		}
		var body []byte
		switch s.id {
		case secCustom:
			if r := (&reader{b: s.body}); strings.HasPrefix(r.nameOrEmpty(), ".debug_") {
				continue
			}
			body = s.body
		case secGlobal:
			body, wroteGlobal = addGlobals(s.body), true
		case secExport:
			if body, err = addExportsTo(s.body, exports); err != nil {
				return nil, fmt.Errorf("export section: %w", err)
			}
			wroteExport = true
		case secStart:
			continue
		case secCode:
			if body, err = instrumentCode(s.body, check); err != nil {
				return nil, fmt.Errorf("code section: %w", err)
			}
		default:
			body = s.body
		}
		out = appendSection(out, s.id, body)
	}
	if !wroteGlobal {
		out = appendSection(out, secGlobal, addGlobals(nil))
	}
	if !wroteExport {
		out = appendSection(out, secExport, addExports(nil, exports))
	}
	return out, nil
}

type section struct {
	id   byte
	body []byte
}

// sections splits the bytes after the header into sections.
func sections(b []byte) ([]section, error) {
	r := &reader{b: b}
	var secs []section
	for r.more() {
		at := r.at + 8
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		if _, ok := order[id]; !ok && id != secCustom {
			return nil, fmt.Errorf("section at offset %#x: unknown id %d", at, id)
		}
		body, err := r.vec()
		if err != nil {
			return nil, fmt.Errorf("section %d at offset %#x: %w", id, at, err)
		}
		secs = append(secs, section{id, body})
	}
	return secs, nil
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

// moduleCounts counts the globals and memories of a module.
type moduleCounts struct{ globals, memories int }

// countImports counts the global and memory imports of an import section.
func countImports(b []byte) (moduleCounts, error) {
	var c moduleCounts
	r := &reader{b: b}
	n, err := r.u32()
	if err != nil {
		return c, err
	}
	for i := range n {
		if _, err := r.vec(); err != nil { // module
			return c, fmt.Errorf("import %d: %w", i, err)
		}
		if _, err := r.vec(); err != nil { // name
			return c, fmt.Errorf("import %d: %w", i, err)
		}
		kind, err := r.byte()
		if err != nil {
			return c, fmt.Errorf("import %d: %w", i, err)
		}
		switch kind {
		case 0x00: // function: type index
			_, err = r.u32()
		case 0x01: // table: reference type, limits
			if _, err = r.byte(); err == nil {
				err = r.limits()
			}
		case 0x02: // memory: limits
			c.memories++
			err = r.limits()
		case 0x03: // global: value type, mutability
			c.globals++
			_, err = r.take(2)
		case 0x04: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			err = fmt.Errorf("unknown kind %#x", kind)
		}
		if err != nil {
			return c, fmt.Errorf("import %d: %w", i, err)
		}
	}
	return c, nil
}

// checkCode is the check inserted at function entries and loop heads, with
// the interrupt global stop and the countdown global fuel:
//
//	fuel = fuel - 1
//	if fuel == 0 {
//		if stop != 0 { unreachable }
//		memory.grow(0) // leave native code
//		fuel = Period
//	}
func checkCode(stop, fuel uint32) []byte {
	var b []byte
	b = appendU32(append(b, 0x23), fuel)        // global.get fuel
	b = append(b, 0x41, 0x01, 0x6b)             // i32.const 1, i32.sub
	b = appendU32(append(b, 0x24), fuel)        // global.set fuel
	b = appendU32(append(b, 0x23), fuel)        // global.get fuel
	b = append(b, 0x45, 0x04, 0x40)             // i32.eqz, if
	b = appendU32(append(b, 0x23), stop)        // global.get stop
	b = append(b, 0x04, 0x40, 0x00, 0x0b)       // if, unreachable, end
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1a) // i32.const 0, memory.grow 0, drop
	b = appendI32(append(b, 0x41), Period)      // i32.const Period
	b = appendU32(append(b, 0x24), fuel)        // global.set fuel
	return append(b, 0x0b)                      // end
}

// addGlobals returns the global section body b (nil for none) with the
// interrupt global, mutable i32 0, and the countdown global, mutable i32
// Period, appended.
func addGlobals(b []byte) []byte {
	n, rest := uint32(0), b
	if len(b) > 0 {
		r := &reader{b: b}
		n, _ = r.u32() // read once already by Instrument
		rest = b[r.at:]
	}
	out := appendU32(nil, n+2)
	out = append(out, rest...)
	out = append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b) // i32 mut, i32.const 0, end
	out = append(out, 0x7f, 0x01, 0x41)
	return append(appendI32(out, Period), 0x0b)
}

// export is an entry of an export section: a name, a kind (0x00 function,
// 0x03 global) and an index.
type export struct {
	name  string
	kind  byte
	index uint32
}

// addExports returns an export section body b (nil for none) with exports
// appended.
func addExports(b []byte, exports []export) []byte {
	n, rest := uint32(0), b
	if len(b) > 0 {
		r := &reader{b: b}
		n, _ = r.u32()
		rest = b[r.at:]
	}
	out := appendU32(nil, n+uint32(len(exports)))
	out = append(out, rest...)
	for _, e := range exports {
		out = appendU32(out, uint32(len(e.name)))
		out = append(out, e.name...)
		out = append(out, e.kind)
		out = appendU32(out, e.index)
	}
	return out
}

// addExportsTo is addExports for a module's own export section, which must
// not export Export or StartExport itself.
func addExportsTo(b []byte, exports []export) ([]byte, error) {
	r := &reader{b: b}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	for i := range n {
		name, err := r.vec()
		if err != nil {
			return nil, fmt.Errorf("export %d: %w", i, err)
		}
		if string(name) == Export || string(name) == StartExport {
			return nil, fmt.Errorf("the module exports %q itself", name)
		}
		if _, err := r.byte(); err != nil {
			return nil, fmt.Errorf("export %d: %w", i, err)
		}
		if _, err := r.u32(); err != nil {
			return nil, fmt.Errorf("export %d: %w", i, err)
		}
	}
	return addExports(b, exports), nil
}

// instrumentCode returns the code section body b with check inserted at the
// start of each function body that loops or calls, and after the block type
// of each loop.
func instrumentCode(b []byte, check []byte) ([]byte, error) {
	r := &reader{b: b}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	out := appendU32(make([]byte, 0, len(b)+len(b)/16), n)
	var fn []byte
	var loops []int
	for i := range n {
		body, err := r.vec()
		if err != nil {
			return nil, fmt.Errorf("function body %d: %w", i, err)
		}
		if fn, loops, err = instrumentBody(fn[:0], loops[:0], body, check); err != nil {
			return nil, fmt.Errorf("function body %d: %w", i, err)
		}
		out = appendU32(out, uint32(len(fn)))
		out = append(out, fn...)
	}
	if r.more() {
		return nil, fmt.Errorf("%d bytes after the last function body", len(r.b)-r.at)
	}
	return out, nil
}

// instrumentBody appends the function body b, with its checks, to out. It
// returns loops, a scratch slice, for the next call to reuse.
//
// A body without a loop and without a call runs each of its instructions at
// most once, so it ends within its own length: it gets no check. Branches
// only go backwards to a loop, whose head has its check, and an exception
// lands in a handler of a frame already running (this one or a caller,
// which called, so has its entry check).
func instrumentBody(out []byte, loops []int, b, check []byte) ([]byte, []int, error) {
	r := &reader{b: b}
	groups, err := r.u32()
	if err != nil {
		return nil, loops, fmt.Errorf("locals: %w", err)
	}
	for range groups {
		if _, err := r.u32(); err != nil {
			return nil, loops, fmt.Errorf("locals: %w", err)
		}
		if err := r.valueType(); err != nil {
			return nil, loops, fmt.Errorf("locals: %w", err)
		}
	}
	code, calls := r.at, false
	for r.more() {
		start := r.at
		op, err := r.byte()
		if err != nil {
			return nil, loops, err
		}
		if err := r.immediates(op); err != nil {
			return nil, loops, fmt.Errorf("instruction %#x at offset %#x: %w", op, start, err)
		}
		switch op {
		case 0x03: // loop: its check goes after the block type
			loops = append(loops, r.at)
		case 0x10, 0x11, 0x12, 0x13: // call, call_indirect, return_call, return_call_indirect
			// call_ref and return_call_ref are not decoded: a module
			// with them is refused.
			calls = true
		}
	}
	out = append(out, b[:code]...)
	if calls || len(loops) > 0 {
		out = append(out, check...)
	}
	for _, at := range loops {
		out = append(out, b[code:at]...)
		out = append(out, check...)
		code = at
	}
	return append(out, b[code:]...), loops, nil
}
