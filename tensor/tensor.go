package tensor

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/gollm/gollm/kernels"
	"github.com/gollm/gollm/quant"
)

// MaxDims is the number of dimensions a tensor has; unused trailing
// dimensions have size 1.
const MaxDims = 4

// storage says where a tensor's bytes live.
type storage uint8

const (
	storageNone     storage = iota // not yet placed: an intermediate result (arena slot after planning)
	storageExternal                // caller-owned bytes: weights in the mmapped file, a backend buffer
	storageInput                   // the graph's input area, filled by the caller before Compute
	storageView                    // aliases another tensor's storage (views, copies into a destination)
)

// Tensor is an up to 4-dimensional array of one element type, laid out as
// ggml lays out tensors: ne[0] is the fastest-varying dimension, nb[i] is the
// byte stride of dimension i (nb[0] is the size of one element, or of one
// block for block-quantized types, whose blocks run along dimension 0).
//
// A Tensor is either a leaf whose bytes someone else owns (New: weights,
// KV caches), an input of a Graph (Graph.Input), a view of another tensor,
// or the result of an op; see the package documentation for who owns what.
// Tensors made by a Graph belong to it and are recycled by Graph.Reset.
type Tensor struct {
	typ  quant.Type
	ne   [MaxDims]int
	nb   [MaxDims]int
	name string

	op      Op
	src     [maxSrc]*Tensor
	iparams [maxParams]int32
	fparams [maxParams]float32

	data    []byte
	kind    storage
	base    *Tensor // for storageView: the tensor (never itself a view) whose bytes this aliases
	offset  int     // byte offset into base
	output  bool
	sideEff bool // writes into storage the graph does not own (a root of the graph)

	// repacked is the row-interleaved copy of a weight made by Repack, one
	// matrix per plane of dimension 2; nil for every other tensor (views
	// of a repacked weight included).
	repacked []*kernels.RepackedMatrix

	g   *Graph
	gen uint32 // g's generation when created
	idx int32  // creation index within g

	// planner state
	needed   bool
	lastUse  int32
	arenaOff int
	inplace  bool // took over the arena slot of a source
}

// New returns a tensor of type typ and shape ne (1 to 4 sizes, ne[0]
// fastest) whose bytes are data, which must hold exactly the tensor
// (contiguous layout). The tensor does not copy data: the caller keeps it
// alive and unchanged while any graph uses the tensor. This is how weights
// mapped from a GGUF file and persistent buffers (KV caches) enter graphs.
func New(typ quant.Type, data []byte, ne ...int) (*Tensor, error) {
	t := &Tensor{}
	if err := t.init(typ, ne); err != nil {
		return nil, err
	}
	if n := t.Bytes(); len(data) != n {
		return nil, fmt.Errorf("tensor: %v%v needs %d bytes, got %d", typ, t.ne, n, len(data))
	}
	t.data = data
	t.kind = storageExternal
	t.idx = -1
	return t, nil
}

// init sets type, shape and contiguous strides.
func (t *Tensor) init(typ quant.Type, ne []int) error {
	if !typ.Known() {
		return fmt.Errorf("tensor: unknown element type %d", uint32(typ))
	}
	if len(ne) == 0 || len(ne) > MaxDims {
		return fmt.Errorf("tensor: %d dimensions, want 1 to %d", len(ne), MaxDims)
	}
	t.typ = typ
	for i := 0; i < MaxDims; i++ {
		t.ne[i] = 1
		if i < len(ne) {
			if ne[i] < 0 {
				return fmt.Errorf("tensor: negative size %d in dimension %d", ne[i], i)
			}
			t.ne[i] = ne[i]
		}
	}
	return t.setContiguous()
}

func (t *Tensor) setContiguous() error {
	tr := t.typ.Traits()
	if t.ne[0]%tr.BlockSize != 0 {
		return fmt.Errorf("tensor: %v row of %d elements is not a multiple of the block size %d", t.typ, t.ne[0], tr.BlockSize)
	}
	const maxBytes = 1 << 46
	t.nb[0] = tr.TypeSize
	t.nb[1] = t.ne[0] / tr.BlockSize * tr.TypeSize
	for i := 2; i < MaxDims; i++ {
		t.nb[i] = t.nb[i-1] * t.ne[i-1]
	}
	if t.nb[3]*t.ne[3] > maxBytes || t.nb[3] < 0 {
		return fmt.Errorf("tensor: %v%v is too large", t.typ, t.ne)
	}
	return nil
}

// Type returns the element type.
func (t *Tensor) Type() quant.Type { return t.typ }

// Ne returns the number of elements along dimension i.
func (t *Tensor) Ne(i int) int { return t.ne[i] }

// Nb returns the byte stride of dimension i.
func (t *Tensor) Nb(i int) int { return t.nb[i] }

// Shape returns the sizes of all four dimensions.
func (t *Tensor) Shape() [MaxDims]int { return t.ne }

// Strides returns the byte strides of all four dimensions.
func (t *Tensor) Strides() [MaxDims]int { return t.nb }

// Name returns the tensor's name ("" if none was set).
func (t *Tensor) Name() string { return t.name }

// SetName names the tensor (for error messages and debugging) and returns it.
func (t *Tensor) SetName(name string) *Tensor { t.name = name; return t }

// Op returns the operation that computes the tensor (OpNone for leaves and
// inputs, OpView for views).
func (t *Tensor) Op() Op { return t.op }

// Src returns the i-th operand of the tensor's op, or nil.
func (t *Tensor) Src(i int) *Tensor {
	if i < 0 || i >= maxSrc {
		return nil
	}
	return t.src[i]
}

// Elements returns the number of elements.
func (t *Tensor) Elements() int { return t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3] }

// Rows returns the number of rows (elements / ne[0]).
func (t *Tensor) Rows() int { return t.ne[1] * t.ne[2] * t.ne[3] }

// Bytes returns the number of bytes the tensor spans from its first to its
// last element, as ggml_nbytes does (for contiguous tensors: its size).
func (t *Tensor) Bytes() int {
	for i := 0; i < MaxDims; i++ {
		if t.ne[i] == 0 {
			return 0
		}
	}
	tr := t.typ.Traits()
	n := t.ne[0] / tr.BlockSize * t.nb[0]
	if tr.BlockSize == 1 {
		n = tr.TypeSize
		n += (t.ne[0] - 1) * t.nb[0]
	}
	for i := 1; i < MaxDims; i++ {
		n += (t.ne[i] - 1) * t.nb[i]
	}
	return n
}

// IsContiguous reports whether the elements are laid out densely in the
// order of the dimensions.
func (t *Tensor) IsContiguous() bool {
	tr := t.typ.Traits()
	next := tr.TypeSize
	if t.nb[0] != next && t.ne[0] != 1 {
		return false
	}
	next = t.ne[0] / tr.BlockSize * tr.TypeSize
	for i := 1; i < MaxDims; i++ {
		if t.ne[i] != 1 && t.nb[i] != next {
			return false
		}
		next *= t.ne[i]
	}
	return true
}

// rowsContiguous reports whether each row (dimension 0) is dense.
func (t *Tensor) rowsContiguous() bool {
	return t.ne[0] == 1 || t.nb[0] == t.typ.TypeSize()
}

// Data returns the tensor's bytes (from its first element to its last), or
// nil while the tensor has no storage yet (an intermediate result before its
// graph has been planned). The slice aliases the tensor's storage.
func (t *Tensor) Data() []byte { return t.data }

// F32 returns the tensor's storage as float32s. It fails unless the tensor
// is F32, contiguous and has storage.
func (t *Tensor) F32() ([]float32, error) {
	if err := t.checkFlat(quant.F32); err != nil {
		return nil, err
	}
	return f32s(t.data), nil
}

// I32 returns the tensor's storage as int32s. It fails unless the tensor is
// I32, contiguous and has storage.
func (t *Tensor) I32() ([]int32, error) {
	if err := t.checkFlat(quant.I32); err != nil {
		return nil, err
	}
	return i32s(t.data), nil
}

// F16 returns the tensor's storage as binary16 bit patterns. It fails unless
// the tensor is F16, contiguous and has storage.
func (t *Tensor) F16() ([]uint16, error) {
	if err := t.checkFlat(quant.F16); err != nil {
		return nil, err
	}
	return u16s(t.data), nil
}

func (t *Tensor) checkFlat(typ quant.Type) error {
	switch {
	case t.typ != typ:
		return fmt.Errorf("tensor %s: type %v, not %v", t.label(), t.typ, typ)
	case !t.IsContiguous():
		return fmt.Errorf("tensor %s: not contiguous", t.label())
	case t.data == nil && t.Elements() != 0:
		return fmt.Errorf("tensor %s: no storage yet (compute its graph first)", t.label())
	}
	return nil
}

// Float returns element (i0, i1, i2, i3) converted to float64, for tests and
// debugging; it supports F32, F16, BF16, F64 and I8..I64 tensors and returns
// NaN for other types.
func (t *Tensor) Float(i0, i1, i2, i3 int) float64 {
	off := i0*t.nb[0] + i1*t.nb[1] + i2*t.nb[2] + i3*t.nb[3]
	p := unsafe.Pointer(&t.data[off])
	switch t.typ {
	case quant.F32:
		return float64(*(*float32)(p))
	case quant.F16:
		return float64(quant.FP16ToFP32(*(*uint16)(p)))
	case quant.BF16:
		return float64(quant.BF16ToFP32(*(*uint16)(p)))
	case quant.I32:
		return float64(*(*int32)(p))
	case quant.I8:
		return float64(*(*int8)(p))
	case quant.I16:
		return float64(*(*int16)(p))
	case quant.I64:
		return float64(*(*int64)(p))
	case quant.F64:
		return *(*float64)(p)
	}
	return math.NaN()
}

func (t *Tensor) label() string {
	if t.name != "" {
		return fmt.Sprintf("%q", t.name)
	}
	return fmt.Sprintf("%v%v", t.op, t.ne[:])
}

// String describes the tensor: name, op, type and shape.
func (t *Tensor) String() string {
	return fmt.Sprintf("%s(%v %v ne=%v)", t.name, t.op, t.typ, t.ne)
}

// Reinterpreting byte slices. Storage is 64-byte aligned in arenas and
// input areas; external storage must be aligned to its element size (GGUF
// aligns tensor data to 32 bytes).

func f32s(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func i32s(b []byte) []int32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/4)
}

func u16s(b []byte) []uint16 {
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/2)
}

// at returns a pointer to the byte at off in t's storage.
func (t *Tensor) at(off int) unsafe.Pointer { return unsafe.Pointer(&t.data[off]) }

// rowF32 returns row (i1, i2, i3) of an F32 tensor with dense rows.
func (t *Tensor) rowF32(i1, i2, i3 int) []float32 {
	off := i1*t.nb[1] + i2*t.nb[2] + i3*t.nb[3]
	return unsafe.Slice((*float32)(unsafe.Pointer(&t.data[off])), t.ne[0])
}

// rowBytes returns row (i1, i2, i3) of a tensor with dense rows.
func (t *Tensor) rowBytes(i1, i2, i3 int) []byte {
	off := i1*t.nb[1] + i2*t.nb[2] + i3*t.nb[3]
	n := t.typ.RowSize(t.ne[0])
	return t.data[off : off+n : off+n]
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
