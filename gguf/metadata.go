package gguf

import (
	"fmt"
	"math"
)

// Get returns the value stored under key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.kvIdx[key]
	if !ok {
		return Value{}, false
	}
	return f.KV[i].Value, true
}

// Has reports whether key is present.
func (f *File) Has(key string) bool {
	_, ok := f.kvIdx[key]
	return ok
}

// ErrNotFound is wrapped by accessor errors for a missing key.
var ErrNotFound = fmt.Errorf("gguf: key not found")

func (f *File) get(key string) (Value, error) {
	v, ok := f.Get(key)
	if !ok {
		return Value{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return v, nil
}

func typeErr(key string, want string, v Value) error {
	return fmt.Errorf("gguf: key %q: want %s, file has %s", key, want, describe(v))
}

func describe(v Value) string {
	if a, ok := v.V.(Array); ok {
		return fmt.Sprintf("arr[%s]", a.Type)
	}
	return v.Type.String()
}

// integer reads an integer key of any integer type and checks the range.
func (f *File) integer(key, want string, lo, hi int64) (int64, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	n, ok := asInt64(v.V)
	if !ok {
		return 0, typeErr(key, want, v)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("gguf: key %q: value %d out of range for %s", key, n, want)
	}
	return n, nil
}

// Uint32 returns an integer key as uint32. Any integer type is accepted if
// its value fits.
func (f *File) Uint32(key string) (uint32, error) {
	n, err := f.integer(key, "u32", 0, math.MaxUint32)
	return uint32(n), err
}

// Int32 returns an integer key as int32.
func (f *File) Int32(key string) (int32, error) {
	n, err := f.integer(key, "i32", math.MinInt32, math.MaxInt32)
	return int32(n), err
}

// Uint64 returns an integer key as uint64 (non-negative values only).
func (f *File) Uint64(key string) (uint64, error) {
	n, err := f.integer(key, "u64", 0, math.MaxInt64)
	return uint64(n), err
}

// Int returns an integer key as int.
func (f *File) Int(key string) (int, error) {
	n, err := f.integer(key, "int", math.MinInt, math.MaxInt)
	return int(n), err
}

// Float32 returns a float key as float32. f64 values are converted.
func (f *File) Float32(key string) (float32, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	switch x := v.V.(type) {
	case float32:
		return x, nil
	case float64:
		return float32(x), nil
	}
	return 0, typeErr(key, "f32", v)
}

// Float64 returns a float key as float64.
func (f *File) Float64(key string) (float64, error) {
	v, err := f.get(key)
	if err != nil {
		return 0, err
	}
	switch x := v.V.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	return 0, typeErr(key, "f64", v)
}

// Bool returns a bool key.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.get(key)
	if err != nil {
		return false, err
	}
	if b, ok := v.V.(bool); ok {
		return b, nil
	}
	return false, typeErr(key, "bool", v)
}

// String returns a string key.
func (f *File) String(key string) (string, error) {
	v, err := f.get(key)
	if err != nil {
		return "", err
	}
	if s, ok := v.V.(string); ok {
		return s, nil
	}
	return "", typeErr(key, "str", v)
}

// Array returns an array key.
func (f *File) Array(key string) (Array, error) {
	v, err := f.get(key)
	if err != nil {
		return Array{}, err
	}
	if a, ok := v.V.(Array); ok {
		return a, nil
	}
	return Array{}, typeErr(key, "arr", v)
}

// Strings returns an array-of-strings key.
func (f *File) Strings(key string) ([]string, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	if s, ok := a.Values.([]string); ok {
		return s, nil
	}
	return nil, typeErr(key, "arr[str]", Value{TypeArray, a})
}

// Float32s returns an array-of-f32 key.
func (f *File) Float32s(key string) ([]float32, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	if s, ok := a.Values.([]float32); ok {
		return s, nil
	}
	return nil, typeErr(key, "arr[f32]", Value{TypeArray, a})
}

// Int32s returns an integer array key as []int32. Arrays of any integer type
// whose values fit are converted.
func (f *File) Int32s(key string) ([]int32, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	if s, ok := a.Values.([]int32); ok {
		return s, nil
	}
	out := make([]int32, 0, a.Len())
	ok := forEachInt(a, func(n int64) bool {
		if n < math.MinInt32 || n > math.MaxInt32 {
			return false
		}
		out = append(out, int32(n))
		return true
	})
	if !ok {
		return nil, typeErr(key, "arr[i32]", Value{TypeArray, a})
	}
	return out, nil
}

// Uint32s returns an integer array key as []uint32.
func (f *File) Uint32s(key string) ([]uint32, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	if s, ok := a.Values.([]uint32); ok {
		return s, nil
	}
	out := make([]uint32, 0, a.Len())
	ok := forEachInt(a, func(n int64) bool {
		if n < 0 || n > math.MaxUint32 {
			return false
		}
		out = append(out, uint32(n))
		return true
	})
	if !ok {
		return nil, typeErr(key, "arr[u32]", Value{TypeArray, a})
	}
	return out, nil
}

// Bools returns an array-of-bool key.
func (f *File) Bools(key string) ([]bool, error) {
	a, err := f.Array(key)
	if err != nil {
		return nil, err
	}
	if s, ok := a.Values.([]bool); ok {
		return s, nil
	}
	return nil, typeErr(key, "arr[bool]", Value{TypeArray, a})
}

func forEachInt(a Array, fn func(int64) bool) bool {
	each := func(n int) func(func(int) int64) bool {
		return func(at func(int) int64) bool {
			for i := 0; i < n; i++ {
				if !fn(at(i)) {
					return false
				}
			}
			return true
		}
	}
	switch v := a.Values.(type) {
	case []uint8:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []int8:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []uint16:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []int16:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []uint32:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []int32:
		return each(len(v))(func(i int) int64 { return int64(v[i]) })
	case []int64:
		return each(len(v))(func(i int) int64 { return v[i] })
	case []uint64:
		for _, x := range v {
			if x > math.MaxInt64 || !fn(int64(x)) {
				return false
			}
		}
		return true
	}
	return false
}

// Architecture returns general.architecture.
func (f *File) Architecture() (string, error) { return f.String("general.architecture") }

func (f *File) archKey(key string) (string, error) {
	a, err := f.Architecture()
	if err != nil {
		return "", err
	}
	return a + "." + key, nil
}

// ArchUint32 reads "<general.architecture>.<key>" as uint32.
func (f *File) ArchUint32(key string) (uint32, error) {
	k, err := f.archKey(key)
	if err != nil {
		return 0, err
	}
	return f.Uint32(k)
}

// ArchFloat32 reads "<general.architecture>.<key>" as float32.
func (f *File) ArchFloat32(key string) (float32, error) {
	k, err := f.archKey(key)
	if err != nil {
		return 0, err
	}
	return f.Float32(k)
}

// ArchString reads "<general.architecture>.<key>" as a string.
func (f *File) ArchString(key string) (string, error) {
	k, err := f.archKey(key)
	if err != nil {
		return "", err
	}
	return f.String(k)
}

// ArchBool reads "<general.architecture>.<key>" as a bool.
func (f *File) ArchBool(key string) (bool, error) {
	k, err := f.archKey(key)
	if err != nil {
		return false, err
	}
	return f.Bool(k)
}

// ArchGet returns the value of "<general.architecture>.<key>".
func (f *File) ArchGet(key string) (Value, bool) {
	k, err := f.archKey(key)
	if err != nil {
		return Value{}, false
	}
	return f.Get(k)
}
