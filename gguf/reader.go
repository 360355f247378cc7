package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"

	"github.com/gollm/gollm/quant"
)

// Magic is the first four bytes of every GGUF file ("GGUF").
const Magic = "GGUF"

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// MaxDims is the largest number of dimensions a tensor may have.
const MaxDims = 4

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("gguf: malformed file")

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name   string
	Type   quant.Type
	Dims   []uint64 // ne[0] (fastest varying) first
	Offset uint64   // from the start of the data section
	Size   uint64   // bytes of data
}

// Elements returns the number of elements.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// File is an open GGUF file.
type File struct {
	Path       string
	Version    uint32
	KV         []KV // in file order
	Tensors    []TensorInfo
	Alignment  int
	DataOffset int64 // file offset of the data section

	data   []byte // the whole file (mapping or heap copy)
	unmap  func() error
	kvIdx  map[string]int
	tIdx   map[string]int
	closed bool
}

// Open memory-maps path read-only and parses it.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	if st.Size() < 24 {
		return nil, fmt.Errorf("%w: %s: %d bytes is too small for a GGUF header", ErrFormat, path, st.Size())
	}
	data, unmap, err := mapFile(fh, st.Size())
	if err != nil {
		return nil, fmt.Errorf("gguf: %s: %w", path, err)
	}
	f, err := parse(data)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.Path = path
	f.unmap = unmap
	return f, nil
}

// Parse parses a GGUF file held in memory. The tensor data returned by the
// File are slices of data.
func Parse(data []byte) (*File, error) { return parse(data) }

// Close releases the mapping. Tensor data slices must not be used after.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	f.data = nil
	if f.unmap != nil {
		return f.unmap()
	}
	return nil
}

// Size returns the file size in bytes.
func (f *File) Size() int64 { return int64(len(f.data)) }

// TensorData returns the bytes of tensor t: a zero-copy slice of the file.
func (f *File) TensorData(t *TensorInfo) []byte {
	start := uint64(f.DataOffset) + t.Offset
	return f.data[start : start+t.Size : start+t.Size]
}

// Tensor returns the info of the tensor called name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	i, ok := f.tIdx[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// decoder reads little-endian values with bounds checks.
type decoder struct {
	b   []byte
	off int
}

func (d *decoder) need(n uint64, what string) error {
	if n > uint64(len(d.b)-d.off) {
		return fmt.Errorf("%w: %s: need %d bytes at offset %d, file has %d", ErrFormat, what, n, d.off, len(d.b))
	}
	return nil
}

func (d *decoder) u32(what string) (uint32, error) {
	if err := d.need(4, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v, nil
}

func (d *decoder) u64(what string) (uint64, error) {
	if err := d.need(8, what); err != nil {
		return 0, err
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v, nil
}

func (d *decoder) str(what string) (string, error) {
	n, err := d.u64(what + " length")
	if err != nil {
		return "", err
	}
	if err := d.need(n, what); err != nil {
		return "", fmt.Errorf("%w: %s: string length %d exceeds the file", ErrFormat, what, n)
	}
	s := string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
	return s, nil
}

// maxDepth bounds nested arrays.
const maxDepth = 8

func (d *decoder) value(t ValueType, what string, depth int) (Value, error) {
	switch t {
	case TypeString:
		s, err := d.str(what)
		return Value{t, s}, err
	case TypeArray:
		a, err := d.array(what, depth+1)
		return Value{t, a}, err
	}
	n := t.size()
	if n == 0 {
		return Value{}, fmt.Errorf("%w: %s: unknown value type %d", ErrFormat, what, uint32(t))
	}
	if err := d.need(uint64(n), what); err != nil {
		return Value{}, err
	}
	b := d.b[d.off:]
	d.off += n
	le := binary.LittleEndian
	var v any
	switch t {
	case TypeUint8:
		v = b[0]
	case TypeInt8:
		v = int8(b[0])
	case TypeBool:
		if b[0] > 1 {
			return Value{}, fmt.Errorf("%w: %s: bool byte %d", ErrFormat, what, b[0])
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
	return Value{t, v}, nil
}

func (d *decoder) array(what string, depth int) (Array, error) {
	if depth > maxDepth {
		return Array{}, fmt.Errorf("%w: %s: arrays nested deeper than %d", ErrFormat, what, maxDepth)
	}
	et32, err := d.u32(what + " element type")
	if err != nil {
		return Array{}, err
	}
	et := ValueType(et32)
	if et >= numValueType {
		return Array{}, fmt.Errorf("%w: %s: unknown array element type %d", ErrFormat, what, et32)
	}
	n, err := d.u64(what + " count")
	if err != nil {
		return Array{}, err
	}
	// Every element takes at least one byte (strings and arrays at least 8),
	// so a count larger than the rest of the file is a lie: reject it before
	// allocating.
	min := uint64(et.size())
	if min == 0 {
		min = 8
	}
	if n > uint64(len(d.b)-d.off)/min {
		return Array{}, fmt.Errorf("%w: %s: array of %d %s elements exceeds the file", ErrFormat, what, n, et)
	}
	cnt := int(n)
	le := binary.LittleEndian
	if sz := et.size(); sz > 0 {
		b := d.b[d.off : d.off+cnt*sz]
		d.off += cnt * sz
		var vals any
		switch et {
		case TypeUint8:
			vals = append([]uint8(nil), b...)
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
					return Array{}, fmt.Errorf("%w: %s: bool byte %d at index %d", ErrFormat, what, b[i], i)
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
		return Array{et, vals}, nil
	}
	if et == TypeString {
		v := make([]string, cnt)
		for i := range v {
			s, err := d.str(what)
			if err != nil {
				return Array{}, fmt.Errorf("%s[%d]: %w", what, i, err)
			}
			v[i] = s
		}
		return Array{et, v}, nil
	}
	v := make([]Array, cnt)
	for i := range v {
		a, err := d.array(fmt.Sprintf("%s[%d]", what, i), depth+1)
		if err != nil {
			return Array{}, err
		}
		v[i] = a
	}
	return Array{et, v}, nil
}

func parse(data []byte) (*File, error) {
	d := &decoder{b: data}
	if len(data) < 4 || string(data[:4]) != Magic {
		n := min(4, len(data))
		return nil, fmt.Errorf("%w: bad magic %q (want %q)", ErrFormat, data[:n], Magic)
	}
	d.off = 4
	f := &File{data: data, kvIdx: map[string]int{}, tIdx: map[string]int{}, Alignment: DefaultAlignment}
	var err error
	if f.Version, err = d.u32("version"); err != nil {
		return nil, err
	}
	if f.Version < 2 || f.Version > 3 {
		return nil, fmt.Errorf("%w: unsupported version %d (gollm reads versions 2 and 3)", ErrFormat, f.Version)
	}
	nTensors, err := d.u64("tensor count")
	if err != nil {
		return nil, err
	}
	nKV, err := d.u64("metadata count")
	if err != nil {
		return nil, err
	}
	// A key-value pair takes at least 8+4+1 bytes, a tensor info 8+4+8+4+8.
	if rest := uint64(len(data) - d.off); nKV > rest/13 {
		return nil, fmt.Errorf("%w: metadata count %d exceeds the file", ErrFormat, nKV)
	}
	if rest := uint64(len(data) - d.off); nTensors > rest/32 {
		return nil, fmt.Errorf("%w: tensor count %d exceeds the file", ErrFormat, nTensors)
	}
	f.KV = make([]KV, 0, nKV)
	for i := uint64(0); i < nKV; i++ {
		key, err := d.str(fmt.Sprintf("key #%d", i))
		if err != nil {
			return nil, err
		}
		if _, dup := f.kvIdx[key]; dup {
			return nil, fmt.Errorf("%w: duplicate key %q", ErrFormat, key)
		}
		t, err := d.u32(fmt.Sprintf("key %q type", key))
		if err != nil {
			return nil, err
		}
		v, err := d.value(ValueType(t), fmt.Sprintf("key %q", key), 0)
		if err != nil {
			return nil, err
		}
		f.kvIdx[key] = len(f.KV)
		f.KV = append(f.KV, KV{key, v})
	}
	if v, ok := f.Get("general.alignment"); ok {
		a, ok := asInt64(v.V)
		if !ok || a <= 0 || a > 1<<20 || a&(a-1) != 0 {
			return nil, fmt.Errorf("%w: key %q: alignment %v is not a power of two", ErrFormat, "general.alignment", v.V)
		}
		f.Alignment = int(a)
	}
	f.Tensors = make([]TensorInfo, 0, nTensors)
	for i := uint64(0); i < nTensors; i++ {
		ti, err := d.tensorInfo(i)
		if err != nil {
			return nil, err
		}
		if _, dup := f.tIdx[ti.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate tensor %q", ErrFormat, ti.Name)
		}
		f.tIdx[ti.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, ti)
	}
	off := uint64(d.off)
	al := uint64(f.Alignment)
	off = (off + al - 1) / al * al
	if len(f.Tensors) > 0 && off > uint64(len(data)) {
		return nil, fmt.Errorf("%w: data section starts at %d, past the end of the file (%d bytes)", ErrFormat, off, len(data))
	}
	f.DataOffset = int64(off)
	dataLen := uint64(len(data)) - min(off, uint64(len(data)))
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Offset%al != 0 {
			return nil, fmt.Errorf("%w: tensor %q: offset %d is not a multiple of the alignment %d", ErrFormat, t.Name, t.Offset, al)
		}
		if t.Offset > dataLen || t.Size > dataLen-t.Offset {
			return nil, fmt.Errorf("%w: tensor %q: data [%d, +%d) lies outside the data section (%d bytes)", ErrFormat, t.Name, t.Offset, t.Size, dataLen)
		}
	}
	return f, nil
}

func (d *decoder) tensorInfo(i uint64) (TensorInfo, error) {
	name, err := d.str(fmt.Sprintf("tensor #%d name", i))
	if err != nil {
		return TensorInfo{}, err
	}
	ti := TensorInfo{Name: name}
	nd, err := d.u32(fmt.Sprintf("tensor %q n_dims", name))
	if err != nil {
		return ti, err
	}
	if nd > MaxDims {
		return ti, fmt.Errorf("%w: tensor %q: %d dimensions (at most %d)", ErrFormat, name, nd, MaxDims)
	}
	ti.Dims = make([]uint64, nd)
	n := uint64(1)
	for j := range ti.Dims {
		v, err := d.u64(fmt.Sprintf("tensor %q dim %d", name, j))
		if err != nil {
			return ti, err
		}
		if v == 0 || v > math.MaxInt64 || n > math.MaxInt64/v {
			return ti, fmt.Errorf("%w: tensor %q: dimension %d = %d is zero or overflows", ErrFormat, name, j, v)
		}
		ti.Dims[j] = v
		n *= v
	}
	t, err := d.u32(fmt.Sprintf("tensor %q type", name))
	if err != nil {
		return ti, err
	}
	ti.Type = quant.Type(t)
	if !ti.Type.Known() {
		return ti, fmt.Errorf("%w: tensor %q: unknown type id %d", ErrFormat, name, t)
	}
	if ti.Offset, err = d.u64(fmt.Sprintf("tensor %q offset", name)); err != nil {
		return ti, err
	}
	bs := uint64(ti.Type.BlockSize())
	if nd > 0 && ti.Dims[0]%bs != 0 {
		return ti, fmt.Errorf("%w: tensor %q: row length %d is not a multiple of the %v block size %d", ErrFormat, name, ti.Dims[0], ti.Type, bs)
	}
	blocks := n / bs
	ts := uint64(ti.Type.TypeSize())
	if blocks > math.MaxInt64/ts {
		return ti, fmt.Errorf("%w: tensor %q: size overflows", ErrFormat, name)
	}
	ti.Size = blocks * ts
	return ti, nil
}
