package gguf

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"slices"

	"github.com/gollm/gollm/quant"
)

// Magic is the first four bytes of every GGUF file ("GGUF").
const Magic = "GGUF"

// Version is the GGUF version Writer produces. The reader accepts 2 and 3,
// which share one layout (version 1 had 32-bit counts and lengths).
const Version = 3

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// MaxAlignment is the largest general.alignment gollm accepts.
const MaxAlignment = 1 << 20

// MaxDims is the largest number of dimensions a tensor may have.
const MaxDims = 4

// KeyAlignment is the metadata key that sets the data alignment.
const KeyAlignment = "general.alignment"

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("gguf: malformed file")

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name   string
	Type   quant.Type
	Dims   []uint64 // ne[0] (the fastest varying, a row) first
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

// Open memory-maps path read-only and parses it. Close releases the mapping.
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
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("gguf: %s: not a regular file", path)
	}
	if st.Size() < headerSize {
		return nil, fmt.Errorf("%s: %w: %d bytes is too small for a GGUF header (%d bytes)", path, ErrFormat, st.Size(), headerSize)
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
// File are slices of data; metadata is copied.
func Parse(data []byte) (*File, error) { return parse(data) }

// Close releases the mapping. Tensor data slices must not be used after;
// metadata stays valid.
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

// Size returns the file size in bytes (0 after Close).
func (f *File) Size() int64 { return int64(len(f.data)) }

// TensorData returns the bytes of tensor t, one of f.Tensors: a zero-copy,
// read-only slice of the file, valid until Close. It returns nil after
// Close.
func (f *File) TensorData(t *TensorInfo) []byte {
	if f.closed {
		return nil
	}
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

// headerSize is magic, version, tensor count and metadata count.
const headerSize = 4 + 4 + 8 + 8

// Minimum encoded sizes, used to reject counts the file cannot hold.
const (
	minKVSize     = 8 + 4 + 1         // key length, type, a one-byte value
	minTensorSize = 8 + 4 + 4 + 8     // name length, n_dims (0), type, offset
	sizeofKV      = 16 + 8 + 16       // Go size of a KV
	sizeofTensor  = 16 + 8 + 24 + 8*2 // Go size of a TensorInfo
)

func parse(data []byte) (*File, error) {
	if len(data) < 4 || string(data[:4]) != Magic {
		n := min(4, len(data))
		return nil, fmt.Errorf("%w: bad magic %q (want %q)", ErrFormat, data[:n], Magic)
	}
	d := &decoder{b: data, off: 4}
	f := &File{data: data, Alignment: DefaultAlignment}
	var ok bool
	if f.Version, ok = d.u32(); !ok {
		return nil, d.truncated("version", 4)
	}
	switch {
	case f.Version == 1:
		return nil, fmt.Errorf("%w: unsupported version 1 (GGUF v1 is obsolete; gollm reads versions 2 and 3)", ErrFormat)
	case f.Version != 0 && f.Version&0xFFFF == 0:
		return nil, fmt.Errorf("%w: unsupported version %#x (a big-endian file? gollm reads little-endian versions 2 and 3)", ErrFormat, f.Version)
	case f.Version < 2 || f.Version > 3:
		return nil, fmt.Errorf("%w: unsupported version %d (gollm reads versions 2 and 3)", ErrFormat, f.Version)
	}
	nTensors, ok := d.u64()
	if !ok {
		return nil, d.truncated("tensor count", 8)
	}
	nKV, ok := d.u64()
	if !ok {
		return nil, d.truncated("metadata count", 8)
	}
	if nKV > d.left()/minKVSize {
		return nil, fmt.Errorf("%w: metadata count %d cannot fit in the %d bytes after the header", ErrFormat, nKV, d.left())
	}
	if nTensors > d.left()/minTensorSize {
		return nil, fmt.Errorf("%w: tensor count %d cannot fit in the %d bytes after the header", ErrFormat, nTensors, d.left())
	}
	if err := f.readKVs(d, int(nKV)); err != nil {
		return nil, err
	}
	if err := f.readTensorInfos(d, int(nTensors)); err != nil {
		return nil, err
	}
	if err := f.checkData(uint64(d.off)); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) readKVs(d *decoder, n int) error {
	// Grow the slices as values arrive rather than trusting the count, so
	// that a file lying about it costs no more memory than its size.
	f.KV = make([]KV, 0, min(n, len(d.b)/sizeofKV))
	f.kvIdx = make(map[string]int, min(n, 1024))
	for i := range n {
		kb, err := d.strBytes(label{kind: labelKeyNumber, index: i})
		if err != nil {
			return err
		}
		if j, dup := f.kvIdx[string(kb)]; dup {
			return fmt.Errorf("%w: duplicate key %q (pairs #%d and #%d)", ErrFormat, kb, j, i)
		}
		key := string(kb)
		what := label{kind: labelKey, name: key}
		t, ok := d.u32()
		if !ok {
			return d.truncated(what.String()+" type", 4)
		}
		v, err := d.value(ValueType(t), what)
		if err != nil {
			return err
		}
		f.kvIdx[key] = len(f.KV)
		f.KV = append(f.KV, KV{key, v})
	}
	if v, ok := f.Get(KeyAlignment); ok {
		a, ok := asInt64(v.V)
		if !ok || a <= 0 || a > MaxAlignment || a&(a-1) != 0 {
			return fmt.Errorf("%w: key %q: alignment %v (%s) is not a power of two up to %d", ErrFormat, KeyAlignment, v.V, describe(v), MaxAlignment)
		}
		f.Alignment = int(a)
	}
	return nil
}

func (f *File) readTensorInfos(d *decoder, n int) error {
	f.Tensors = make([]TensorInfo, 0, min(n, len(d.b)/sizeofTensor))
	f.tIdx = make(map[string]int, min(n, 1024))
	for i := range n {
		ti, err := d.tensorInfo(i)
		if err != nil {
			return err
		}
		if j, dup := f.tIdx[ti.Name]; dup {
			return fmt.Errorf("%w: duplicate tensor %q (tensors #%d and #%d)", ErrFormat, ti.Name, j, i)
		}
		f.tIdx[ti.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, ti)
	}
	return nil
}

// checkData places the data section after the tensor infos (end is where
// they end) and checks every tensor against it.
func (f *File) checkData(end uint64) error {
	al := uint64(f.Alignment)
	start := (end + al - 1) / al * al
	f.DataOffset = int64(start)
	if len(f.Tensors) == 0 {
		return nil // vocabulary-only files may end without padding
	}
	size := uint64(len(f.data))
	if start > size {
		return fmt.Errorf("%w: data section would start at offset %d, past the end of the file (%d bytes)", ErrFormat, start, size)
	}
	dataLen := size - start
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Offset%al != 0 {
			return fmt.Errorf("%w: tensor %q: data offset %d is not a multiple of the alignment %d", ErrFormat, t.Name, t.Offset, al)
		}
		if t.Offset > dataLen || t.Size > dataLen-t.Offset {
			return fmt.Errorf("%w: tensor %q: data [%d, %d+%d) lies outside the data section (%d bytes)", ErrFormat, t.Name, t.Offset, t.Offset, t.Size, dataLen)
		}
	}
	// No two tensors may share bytes. (llama.cpp is stricter still: it wants
	// the tensors packed in file order; gollm accepts gaps and any order.)
	order := make([]int, 0, len(f.Tensors))
	for i := range f.Tensors {
		if f.Tensors[i].Size > 0 {
			order = append(order, i)
		}
	}
	slices.SortFunc(order, func(a, b int) int {
		oa, ob := f.Tensors[a].Offset, f.Tensors[b].Offset
		switch {
		case oa < ob:
			return -1
		case oa > ob:
			return 1
		}
		return a - b
	})
	for k := 1; k < len(order); k++ {
		p, c := &f.Tensors[order[k-1]], &f.Tensors[order[k]]
		if p.Offset+p.Size > c.Offset {
			return fmt.Errorf("%w: tensors %q [%d, +%d) and %q [%d, +%d) overlap", ErrFormat, p.Name, p.Offset, p.Size, c.Name, c.Offset, c.Size)
		}
	}
	return nil
}

func (d *decoder) tensorInfo(i int) (TensorInfo, error) {
	name, err := d.str(label{kind: labelTensorNumber, index: i})
	if err != nil {
		return TensorInfo{}, err
	}
	ti := TensorInfo{Name: name}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: tensor %q: %s", ErrFormat, name, fmt.Sprintf(format, a...))
	}
	short := func(what string, n uint64) error {
		return d.truncated(fmt.Sprintf("tensor %q %s", name, what), n)
	}
	nd, ok := d.u32()
	if !ok {
		return ti, short("n_dims", 4)
	}
	if nd > MaxDims {
		return ti, bad("%d dimensions (at most %d)", nd, MaxDims)
	}
	if d.left() < 8*uint64(nd) {
		return ti, short("dims", 8*uint64(nd))
	}
	ti.Dims = make([]uint64, nd)
	// n is the element count; nz the product of the non-zero dimensions,
	// which must fit too, so that no stride computed from the shape
	// overflows even when a zero dimension makes the tensor empty.
	n, nz := uint64(1), uint64(1)
	for j := range ti.Dims {
		v, _ := d.u64()
		if v > math.MaxInt64 {
			return ti, bad("dimension %d is negative (%d)", j, int64(v))
		}
		ti.Dims[j] = v
		n *= v
		hi, lo := bits.Mul64(nz, max(v, 1))
		if hi != 0 || lo > math.MaxInt64 {
			return ti, bad("shape %v has more than 2^63-1 elements", ti.Dims[:j+1])
		}
		nz = lo
	}
	t, ok := d.u32()
	if !ok {
		return ti, short("type", 4)
	}
	ti.Type = quant.Type(t)
	if !ti.Type.Known() {
		return ti, bad("unknown type id %d", t)
	}
	if ti.Offset, ok = d.u64(); !ok {
		return ti, short("offset", 8)
	}
	bs := uint64(ti.Type.BlockSize())
	rowLen := uint64(1)
	if nd > 0 {
		rowLen = ti.Dims[0]
	}
	if rowLen%bs != 0 {
		return ti, bad("row length %d is not a multiple of the %v block size %d", rowLen, ti.Type, bs)
	}
	hi, size := bits.Mul64(n/bs, uint64(ti.Type.TypeSize()))
	if hi != 0 || size > math.MaxInt64 {
		return ti, bad("shape %v of %v needs more than 2^63-1 bytes", ti.Dims, ti.Type)
	}
	ti.Size = size
	return ti, nil
}
