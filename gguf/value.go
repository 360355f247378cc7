package gguf

import (
	"fmt"
	"math"
)

// ValueType is the type tag of a metadata value.
type ValueType uint32

// The metadata value types of GGUF.
const (
	TypeUint8    ValueType = 0
	TypeInt8     ValueType = 1
	TypeUint16   ValueType = 2
	TypeInt16    ValueType = 3
	TypeUint32   ValueType = 4
	TypeInt32    ValueType = 5
	TypeFloat32  ValueType = 6
	TypeBool     ValueType = 7
	TypeString   ValueType = 8
	TypeArray    ValueType = 9
	TypeUint64   ValueType = 10
	TypeInt64    ValueType = 11
	TypeFloat64  ValueType = 12
	numValueType ValueType = 13 // the number of value types
)

var valueTypeNames = [...]string{"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"}

func (t ValueType) String() string {
	if t < numValueType {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// size returns the encoded size of a scalar of type t, or 0 for strings and
// arrays.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// Value is one metadata value. Scalars hold the Go type of the same width
// (uint8 … float64, bool, string). Arrays hold an Array.
type Value struct {
	Type ValueType
	V    any
}

// Array is a metadata array. Values is a typed Go slice: []uint8, []int8,
// []uint16, []int16, []uint32, []int32, []float32, []bool, []string,
// []uint64, []int64, []float64, or []Array for nested arrays.
type Array struct {
	Type   ValueType // element type
	Values any
}

// Len returns the number of elements.
func (a Array) Len() int {
	switch v := a.Values.(type) {
	case []uint8:
		return len(v)
	case []int8:
		return len(v)
	case []uint16:
		return len(v)
	case []int16:
		return len(v)
	case []uint32:
		return len(v)
	case []int32:
		return len(v)
	case []float32:
		return len(v)
	case []bool:
		return len(v)
	case []string:
		return len(v)
	case []uint64:
		return len(v)
	case []int64:
		return len(v)
	case []float64:
		return len(v)
	case []Array:
		return len(v)
	}
	return 0
}

// KV is one metadata key and its value.
type KV struct {
	Key   string
	Value Value
}

// asInt64 returns v as an int64 if v is an integer that fits.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case int16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

// Uint8 returns a u8 metadata value.
func Uint8(v uint8) Value { return Value{TypeUint8, v} }

// Int8 returns an i8 metadata value.
func Int8(v int8) Value { return Value{TypeInt8, v} }

// Uint16 returns a u16 metadata value.
func Uint16(v uint16) Value { return Value{TypeUint16, v} }

// Int16 returns an i16 metadata value.
func Int16(v int16) Value { return Value{TypeInt16, v} }

// Uint32 returns a u32 metadata value.
func Uint32(v uint32) Value { return Value{TypeUint32, v} }

// Int32 returns an i32 metadata value.
func Int32(v int32) Value { return Value{TypeInt32, v} }

// Float32 returns an f32 metadata value.
func Float32(v float32) Value { return Value{TypeFloat32, v} }

// Bool returns a bool metadata value.
func Bool(v bool) Value { return Value{TypeBool, v} }

// String returns a string metadata value.
func String(v string) Value { return Value{TypeString, v} }

// Uint64 returns a u64 metadata value.
func Uint64(v uint64) Value { return Value{TypeUint64, v} }

// Int64 returns an i64 metadata value.
func Int64(v int64) Value { return Value{TypeInt64, v} }

// Float64 returns an f64 metadata value.
func Float64(v float64) Value { return Value{TypeFloat64, v} }

// Strings returns an array-of-strings metadata value.
func Strings(v []string) Value { return Value{TypeArray, Array{TypeString, v}} }

// Int32s returns an array-of-i32 metadata value.
func Int32s(v []int32) Value { return Value{TypeArray, Array{TypeInt32, v}} }

// Uint32s returns an array-of-u32 metadata value.
func Uint32s(v []uint32) Value { return Value{TypeArray, Array{TypeUint32, v}} }

// Float32s returns an array-of-f32 metadata value.
func Float32s(v []float32) Value { return Value{TypeArray, Array{TypeFloat32, v}} }

// Bools returns an array-of-bool metadata value.
func Bools(v []bool) Value { return Value{TypeArray, Array{TypeBool, v}} }

// ArrayOf wraps an Array as a Value. a.Values must be one of the slice
// types listed at Array, matching a.Type.
func ArrayOf(a Array) Value { return Value{TypeArray, a} }

// elemType maps a Go slice to its GGUF element type.
func elemType(v any) (ValueType, bool) {
	switch v.(type) {
	case []uint8:
		return TypeUint8, true
	case []int8:
		return TypeInt8, true
	case []uint16:
		return TypeUint16, true
	case []int16:
		return TypeInt16, true
	case []uint32:
		return TypeUint32, true
	case []int32:
		return TypeInt32, true
	case []float32:
		return TypeFloat32, true
	case []bool:
		return TypeBool, true
	case []string:
		return TypeString, true
	case []uint64:
		return TypeUint64, true
	case []int64:
		return TypeInt64, true
	case []float64:
		return TypeFloat64, true
	case []Array:
		return TypeArray, true
	}
	return 0, false
}
