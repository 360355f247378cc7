package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unsafe"
)

// maxDepth bounds the nesting of arrays (an array of arrays has depth 2).
const maxDepth = 8

// decoder reads little-endian values from b, checking every length against
// the bytes that are left before trusting it.
//
// Reads report failure with ok == false and leave the error message to the
// caller, which knows which key or tensor it was reading; that keeps the
// successful path free of string formatting.
type decoder struct {
	b   []byte
	off int

	// path holds the element indices of the nested arrays being read, so
	// that errors can say key "k"[3][0] without formatting a name for
	// every element on the way.
	path []int
}

// label names the thing being read for error messages. It is formatted
// only when an error needs it, so reading costs no string building.
type label struct {
	kind  labelKind
	name  string // key or tensor name
	index int    // key or tensor number
}

type labelKind uint8

const (
	labelKeyNumber    labelKind = iota // key #index (its name unknown yet)
	labelKey                           // key "name"
	labelTensorNumber                  // tensor #index name
)

func (l label) String() string {
	switch l.kind {
	case labelKeyNumber:
		return "key #" + strconv.Itoa(l.index)
	case labelKey:
		return "key " + strconv.Quote(l.name)
	}
	return "tensor #" + strconv.Itoa(l.index) + " name"
}

// at returns what followed by the current array path, e.g. key "k"[3][0].
func (d *decoder) at(what label) string {
	s := what.String()
	for _, i := range d.path {
		s += "[" + strconv.Itoa(i) + "]"
	}
	return s
}

// left returns the number of unread bytes.
func (d *decoder) left() uint64 { return uint64(len(d.b) - d.off) }

// truncated returns the error for a read of n bytes that runs past the end.
func (d *decoder) truncated(what string, n uint64) error {
	return fmt.Errorf("%w: %s: needs %d bytes at offset %d, but the file ends at %d", ErrFormat, what, n, d.off, len(d.b))
}

func (d *decoder) u32() (uint32, bool) {
	if d.left() < 4 {
		return 0, false
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v, true
}

func (d *decoder) u64() (uint64, bool) {
	if d.left() < 8 {
		return 0, false
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v, true
}

// strBytes reads a length-prefixed string and returns its bytes, still in
// the file. what names the string for the error.
func (d *decoder) strBytes(what label) ([]byte, error) {
	n, ok := d.u64()
	if !ok {
		return nil, d.truncated(d.at(what)+" length", 8)
	}
	if n > d.left() {
		return nil, fmt.Errorf("%w: %s: string length %d at offset %d runs past the end of the file (%d bytes)", ErrFormat, d.at(what), n, d.off-8, len(d.b))
	}
	s := d.b[d.off : d.off+int(n) : d.off+int(n)]
	d.off += int(n)
	return s, nil
}

// str reads a length-prefixed string and copies it.
func (d *decoder) str(what label) (string, error) {
	b, err := d.strBytes(what)
	return string(b), err
}

// value reads one metadata value of type t. what names the key.
func (d *decoder) value(t ValueType, what label) (Value, error) {
	switch t {
	case TypeString:
		s, err := d.str(what)
		return Value{t, s}, err
	case TypeArray:
		a, err := d.array(what, 1)
		return Value{t, a}, err
	}
	n := t.size()
	if n == 0 {
		return Value{}, fmt.Errorf("%w: %s: unknown value type %d", ErrFormat, d.at(what), uint32(t))
	}
	if d.left() < uint64(n) {
		return Value{}, d.truncated(d.at(what)+" value", uint64(n))
	}
	b := d.b[d.off : d.off+n]
	le := binary.LittleEndian
	var v any
	switch t {
	case TypeUint8:
		v = b[0]
	case TypeInt8:
		v = int8(b[0])
	case TypeBool:
		if b[0] > 1 {
			return Value{}, fmt.Errorf("%w: %s: bool byte is %d at offset %d (want 0 or 1)", ErrFormat, d.at(what), b[0], d.off)
		}
		v = b[0] == 1
	case TypeUint16:
		v = le.Uint16(b)
	case TypeInt16:
		v = int16(le.Uint16(b))
	case TypeUint32:
		v = le.Uint32(b)
	case TypeInt32:
		v = int32(le.Uint32(b))
	case TypeFloat32:
		v = math.Float32frombits(le.Uint32(b))
	case TypeUint64:
		v = le.Uint64(b)
	case TypeInt64:
		v = int64(le.Uint64(b))
	case TypeFloat64:
		v = math.Float64frombits(le.Uint64(b))
	}
	d.off += n
	return Value{t, v}, nil
}

// emptyValues holds an empty slice of each element type, boxed once, so
// that empty arrays (which may be nested by the million) allocate nothing.
var emptyValues = [numValueType]any{
	[]uint8{}, []int8{}, []uint16{}, []int16{}, []uint32{}, []int32{}, []float32{},
	[]bool{}, []string{}, []Array{}, []uint64{}, []int64{}, []float64{},
}

// minEncodedSize returns the fewest bytes one element of type t takes.
func minEncodedSize(t ValueType) uint64 {
	switch t {
	case TypeString:
		return 8 // length
	case TypeArray:
		return 12 // element type and count
	}
	return uint64(t.size())
}

// array reads an array (element type, count, elements). depth is 1 for an
// array that is a key's value.
func (d *decoder) array(what label, depth int) (Array, error) {
	if depth > maxDepth {
		return Array{}, fmt.Errorf("%w: %s: arrays nested deeper than %d levels", ErrFormat, d.at(what), maxDepth)
	}
	et32, ok := d.u32()
	if !ok {
		return Array{}, d.truncated(d.at(what)+" array element type", 4)
	}
	et := ValueType(et32)
	if et >= numValueType {
		return Array{}, fmt.Errorf("%w: %s: unknown array element type %d", ErrFormat, d.at(what), et32)
	}
	n, ok := d.u64()
	if !ok {
		return Array{}, d.truncated(d.at(what)+" array count", 8)
	}
	// Every element takes a known minimum of bytes, so a count larger than
	// the rest of the file can hold is a lie: reject it before allocating.
	if n > d.left()/minEncodedSize(et) {
		return Array{}, fmt.Errorf("%w: %s: array of %d %s elements cannot fit in the %d bytes left in the file", ErrFormat, d.at(what), n, et, d.left())
	}
	cnt := int(n)
	if cnt == 0 {
		return Array{et, emptyValues[et]}, nil
	}
	switch et {
	case TypeString:
		return d.stringArray(what, cnt)
	case TypeArray:
		v := make([]Array, cnt)
		d.path = append(d.path, 0)
		for i := range v {
			d.path[len(d.path)-1] = i
			a, err := d.array(what, depth+1)
			if err != nil {
				return Array{}, err
			}
			v[i] = a
		}
		d.path = d.path[:len(d.path)-1]
		return Array{et, v}, nil
	}
	sz := et.size()
	b := d.b[d.off : d.off+cnt*sz]
	le := binary.LittleEndian
	var vals any
	switch et {
	case TypeUint8:
		vals = append([]uint8{}, b...)
	case TypeInt8:
		v := make([]int8, cnt)
		for i := range v {
			v[i] = int8(b[i])
		}
		vals = v
	case TypeBool:
		v := make([]bool, cnt)
		for i := range v {
			if b[i] > 1 {
				return Array{}, fmt.Errorf("%w: %s[%d]: bool byte is %d (want 0 or 1)", ErrFormat, d.at(what), i, b[i])
			}
			v[i] = b[i] == 1
		}
		vals = v
	case TypeUint16:
		v := make([]uint16, cnt)
		for i := range v {
			v[i] = le.Uint16(b[2*i:])
		}
		vals = v
	case TypeInt16:
		v := make([]int16, cnt)
		for i := range v {
			v[i] = int16(le.Uint16(b[2*i:]))
		}
		vals = v
	case TypeUint32:
		v := make([]uint32, cnt)
		for i := range v {
			v[i] = le.Uint32(b[4*i:])
		}
		vals = v
	case TypeInt32:
		v := make([]int32, cnt)
		for i := range v {
			v[i] = int32(le.Uint32(b[4*i:]))
		}
		vals = v
	case TypeFloat32:
		v := make([]float32, cnt)
		for i := range v {
			v[i] = math.Float32frombits(le.Uint32(b[4*i:]))
		}
		vals = v
	case TypeUint64:
		v := make([]uint64, cnt)
		for i := range v {
			v[i] = le.Uint64(b[8*i:])
		}
		vals = v
	case TypeInt64:
		v := make([]int64, cnt)
		for i := range v {
			v[i] = int64(le.Uint64(b[8*i:]))
		}
		vals = v
	case TypeFloat64:
		v := make([]float64, cnt)
		for i := range v {
			v[i] = math.Float64frombits(le.Uint64(b[8*i:]))
		}
		vals = v
	}
	d.off += cnt * sz
	return Array{et, vals}, nil
}

// stringArray reads cnt strings. A first pass checks every length and finds
// the end; then all the text is copied into one buffer that the strings
// share, so a 128K-token vocabulary costs two allocations, not 128K.
func (d *decoder) stringArray(what label, cnt int) (Array, error) {
	start := d.off
	for i := 0; i < cnt; i++ {
		n, ok := d.u64()
		if !ok {
			return Array{}, d.truncated(fmt.Sprintf("%s[%d] length", d.at(what), i), 8)
		}
		if n > d.left() {
			return Array{}, fmt.Errorf("%w: %s[%d]: string length %d at offset %d runs past the end of the file (%d bytes)", ErrFormat, d.at(what), i, n, d.off-8, len(d.b))
		}
		d.off += int(n)
	}
	text := make([]byte, 0, d.off-start-8*cnt)
	v := make([]string, cnt)
	for i, p := 0, start; i < cnt; i++ {
		n := int(binary.LittleEndian.Uint64(d.b[p:]))
		p += 8
		at := len(text)
		text = append(text, d.b[p:p+n]...)
		p += n
		if n > 0 {
			// text never grows past its capacity and is never written
			// again, so the strings may alias it.
			v[i] = unsafe.String(&text[at], n)
		}
	}
	return Array{TypeString, v}, nil
}
