package expr

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// Values are what attribute maps hold: nil, bool, any Go integer or float
// type, *big.Int (or json.Number), string, []byte (msgpack bin, read as a
// string), slices (lists) and maps with string keys. Literals are bool,
// int64, *big.Int (beyond int64's range), float64, string and []any.

// unordered is what order returns for numbers that do not compare: NaN.
const unordered = 2

// truthy returns the truth of v as Python's bool(): false for nil, false,
// zero, "" and empty lists and maps, true otherwise.
func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	if n, ok := numberOf(v); ok {
		return !n.zero()
	}
	if s, ok := stringOf(v); ok {
		return s != ""
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return rv.Len() > 0
	}
	return true
}

// number is a number of any kind: an integer in int64's range (i), a
// float (f, isFloat) or an integer beyond (big, which is then set).
type number struct {
	i       int64
	f       float64
	big     *big.Int
	isFloat bool
}

func (n number) zero() bool {
	if n.isFloat {
		return n.f == 0
	}
	return n.i == 0 && n.big == nil
}

// numberOf returns v as a number, if it is one. Booleans are not numbers
// here (see equal).
func numberOf(v any) (number, bool) {
	switch x := v.(type) {
	case int:
		return number{i: int64(x)}, true
	case int64:
		return number{i: x}, true
	case float64:
		return number{f: x, isFloat: true}, true
	case int8:
		return number{i: int64(x)}, true
	case int16:
		return number{i: int64(x)}, true
	case int32:
		return number{i: int64(x)}, true
	case uint8:
		return number{i: int64(x)}, true
	case uint16:
		return number{i: int64(x)}, true
	case uint32:
		return number{i: int64(x)}, true
	case uint:
		return unsigned(uint64(x)), true
	case uint64:
		return unsigned(x), true
	case float32:
		return number{f: float64(x), isFloat: true}, true
	case *big.Int:
		return bigNumber(x), x != nil
	case json.Number:
		n, err := jsonnum.Convert(x)
		if err != nil {
			return number{}, false
		}
		return numberOf(n)
	}
	return number{}, false
}

// unsigned returns u as a number.
func unsigned(u uint64) number {
	if u > math.MaxInt64 {
		return number{big: new(big.Int).SetUint64(u)}
	}
	return number{i: int64(u)}
}

// bigNumber returns the integer x as a number, in int64 when it fits.
func bigNumber(x *big.Int) number {
	if x.IsInt64() {
		return number{i: x.Int64()}
	}
	return number{big: x}
}

// compareNumbers returns -1, 0 or 1, or unordered when a NaN is involved.
// Integers of any size and floats compare exactly, as in Python.
func compareNumbers(a, b number) int {
	switch {
	case a.big != nil || b.big != nil:
		return compareBig(a, b)
	case !a.isFloat && !b.isFloat:
		return cmp.Compare(a.i, b.i)
	case a.isFloat && b.isFloat:
		if math.IsNaN(a.f) || math.IsNaN(b.f) {
			return unordered
		}
		return cmp.Compare(a.f, b.f)
	case a.isFloat:
		return flip(compareIntFloat(b.i, a.f))
	default:
		return compareIntFloat(a.i, b.f)
	}
}

// flip returns the comparison c seen from its other side.
func flip(c int) int {
	if c == unordered {
		return c
	}
	return -c
}

// compareBig compares a and b, one of which is an integer beyond int64's
// range: by sign against an int64, exactly against a float or another
// such integer.
func compareBig(a, b number) int {
	if a.big == nil {
		return flip(compareBig(b, a))
	}
	switch {
	case b.big != nil:
		return a.big.Cmp(b.big)
	case !b.isFloat:
		return a.big.Sign() // beyond int64's range, so beyond b
	case math.IsNaN(b.f):
		return unordered
	}
	return new(big.Float).SetInt(a.big).Cmp(big.NewFloat(b.f))
}

// compareIntFloat compares i with f exactly, without rounding i to a float.
func compareIntFloat(i int64, f float64) int {
	switch {
	case math.IsNaN(f):
		return unordered
	case f >= 1<<63:
		return -1
	case f < -(1 << 63):
		return 1
	}
	t := math.Trunc(f)
	if c := cmp.Compare(i, int64(t)); c != 0 {
		return c
	}
	return cmp.Compare(0, f-t)
}

// stringOf returns v as a string, if it is one ([]byte counts).
func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

func isString(v any) bool {
	_, ok := stringOf(v)
	return ok
}

// boolNumber returns a boolean as the number Python gives it, 0 or 1.
func boolNumber(b bool) number {
	if b {
		return number{i: 1}
	}
	return number{}
}

// numeric returns v as a number if it is a number or a boolean (0 or 1).
func numeric(v any) (number, bool) {
	if b, ok := v.(bool); ok {
		return boolNumber(b), true
	}
	return numberOf(v)
}

// equal reports whether a and b are equal as Python's == says: numbers by
// value across integer and float types (a boolean counting as 0 or 1),
// strings by content, lists element by element, maps key by key. Values of
// different types are not equal; nothing is an error.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := a.(string); ok {
		y, ok := stringOf(b)
		return ok && x == y
	}
	an, aNum := numberOf(a)
	bn, bNum := numberOf(b)
	ab, aBool := a.(bool)
	bb, bBool := b.(bool)
	switch {
	case aBool && bBool:
		return ab == bb
	case aBool && bNum:
		return compareNumbers(boolNumber(ab), bn) == 0
	case aNum && bBool:
		return compareNumbers(an, boolNumber(bb)) == 0
	case aNum && bNum:
		return compareNumbers(an, bn) == 0
	case aNum || bNum || aBool || bBool:
		return false
	}
	if x, ok := stringOf(a); ok {
		y, ok := stringOf(b)
		return ok && x == y
	}
	if la, ok := listOf(a); ok {
		lb, ok := listOf(b)
		if !ok || la.len() != lb.len() {
			return false
		}
		for i := range la.len() {
			if !equal(la.at(i), lb.at(i)) {
				return false
			}
		}
		return true
	}
	if ma, ok := mapOf(a); ok {
		mb, ok := mapOf(b)
		if !ok || ma.Len() != mb.Len() {
			return false
		}
		for it := ma.MapRange(); it.Next(); {
			v := mb.MapIndex(it.Key())
			if !v.IsValid() || !equal(it.Value().Interface(), v.Interface()) {
				return false
			}
		}
		return true
	}
	return false
}

// order compares a and b for < <= > >=: two numbers or booleans (a
// boolean counting as 0 or 1, as in Python, so [True] > [0]), two strings
// or two lists (element by element, then by length). ok is false for any
// other pair, which is a type error; x and y are then the values that do
// not compare, a and b or elements of theirs.
func order(a, b any) (c int, x, y any, ok bool) {
	if an, isNum := numeric(a); isNum {
		bn, ok := numeric(b)
		return compareNumbers(an, bn), a, b, ok
	}
	if as, isStr := stringOf(a); isStr {
		bs, ok := stringOf(b)
		return cmp.Compare(as, bs), a, b, ok
	}
	la, aok := listOf(a)
	lb, bok := listOf(b)
	if !aok || !bok {
		return 0, a, b, false
	}
	for i := range min(la.len(), lb.len()) {
		if ea, eb := la.at(i), lb.at(i); !equal(ea, eb) {
			return order(ea, eb)
		}
	}
	return cmp.Compare(la.len(), lb.len()), a, b, true
}

// contains reports whether list or map container holds v: an element equal
// to v, or a key equal to v. ok is false when container is neither.
func contains(container, v any) (found, ok bool) {
	if l, ok := listOf(container); ok {
		for i := range l.len() {
			if equal(l.at(i), v) {
				return true, true
			}
		}
		return false, true
	}
	if m, ok := container.(map[string]any); ok {
		s, isStr := stringOf(v)
		if !isStr {
			return false, true
		}
		_, found := m[s]
		return found, true
	}
	if m, ok := mapOf(container); ok {
		s, isStr := stringOf(v)
		return isStr && m.MapIndex(reflect.ValueOf(s)).IsValid(), true
	}
	return false, false
}

// list is a read-only view of a list of any element type.
type list struct {
	anys []any
	rv   reflect.Value
}

func (l list) len() int {
	if l.anys != nil {
		return len(l.anys)
	}
	return l.rv.Len()
}

func (l list) at(i int) any {
	if l.anys != nil {
		return l.anys[i]
	}
	return l.rv.Index(i).Interface()
}

// listOf returns v as a list, if it is a slice or an array (other than
// []byte, which is a string).
func listOf(v any) (list, bool) {
	switch x := v.(type) {
	case []any:
		if x == nil {
			x = []any{}
		}
		return list{anys: x}, true
	case []byte, string:
		return list{}, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		return list{rv: rv}, true
	}
	return list{}, false
}

// mapOf returns v as a reflected map, if it is a map with string keys.
func mapOf(v any) (reflect.Value, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		return rv, true
	}
	return reflect.Value{}, false
}

// describe names the type of v for error messages, with the value when it
// is short: "string \"abc\"", "int 5", "list".
func describe(v any) string {
	switch {
	case v == nil:
		return "null"
	case isString(v):
		s, _ := stringOf(v)
		if len(s) > 20 {
			return "a string"
		}
		return "string " + quote(s)
	}
	if b, ok := v.(bool); ok {
		if b {
			return "boolean True"
		}
		return "boolean False"
	}
	if n, ok := numberOf(v); ok {
		switch {
		case n.isFloat:
			return "number " + formatFloat(n.f)
		case n.big != nil:
			s := n.big.String()
			if len(s) > 24 {
				return fmt.Sprintf("an integer of %d digits", len(strings.TrimPrefix(s, "-")))
			}
			return "integer " + s
		}
		return "integer " + formatInt(n.i)
	}
	if _, ok := listOf(v); ok {
		return "a list"
	}
	if _, ok := mapOf(v); ok {
		return "a map"
	}
	return reflect.TypeOf(v).String()
}
