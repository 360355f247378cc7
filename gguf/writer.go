package gguf

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"

	"github.com/gollm/gollm/quant"
)

// MaxNameLen is the longest tensor name llama.cpp accepts (GGML_MAX_NAME
// minus the terminating NUL). Writer refuses longer names; the reader
// accepts them.
const MaxNameLen = 63

// Writer streams a GGUF v3 file in llama.cpp's layout: header, metadata in
// the order given, tensor infos, zero padding to the alignment, then each
// tensor's data followed by zero padding to the alignment (the last one
// too; a file without tensors ends right after the tensor infos, as
// gguf-py writes vocabulary-only files).
//
// NewWriter writes everything up to the data section; the data then
// arrives through Write or WriteTensor, in the order the tensors were
// declared, so a multi-GB file never has to be held in memory. Close checks
// that all of it arrived and flushes. Writer does not close the underlying
// io.Writer.
type Writer struct {
	bw         *bufio.Writer
	tensors    []TensorInfo
	index      map[string]int
	align      uint64
	dataOffset int64
	cur        int    // the tensor whose data comes next
	curDone    uint64 // bytes of tensors[cur] written so far
	err        error  // sticky
	closed     bool
}

// writeBufferSize is the size of the Writer's buffer. Writes at least this
// big go straight to the underlying writer.
const writeBufferSize = 1 << 20

// NewWriter checks kv and tensors, computes each tensor's Size and Offset
// (the Offset and Size fields of tensors are ignored; Tensors returns the
// computed ones), and writes the header, metadata and tensor infos to w.
//
// The alignment is DefaultAlignment unless kv holds general.alignment,
// which must then be a u32 power of two (llama.cpp reads it as u32).
// Errors name the offending key or tensor.
func NewWriter(w io.Writer, kv []KV, tensors []TensorInfo) (*Writer, error) {
	gw := &Writer{align: DefaultAlignment, index: make(map[string]int, len(tensors))}
	header, err := gw.encodeHeader(kv, tensors)
	if err != nil {
		return nil, err
	}
	gw.bw = bufio.NewWriterSize(w, writeBufferSize)
	gw.write(header)
	if len(tensors) > 0 {
		gw.pad(uint64(len(header)))
	}
	gw.advance()
	if gw.err != nil {
		return nil, gw.err
	}
	return gw, nil
}

// Tensors returns the tensor infos as written, with Size and Offset set.
// The slice must not be modified.
func (w *Writer) Tensors() []TensorInfo { return w.tensors }

// DataOffset returns the file offset of the data section.
func (w *Writer) DataOffset() int64 { return w.dataOffset }

// Write writes tensor data: the concatenation of every tensor's bytes in
// declaration order, split into calls however the caller likes. Writer
// inserts the padding between tensors.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("gguf: write after Close")
	}
	done := 0
	for len(p) > 0 {
		if w.cur >= len(w.tensors) {
			w.err = fmt.Errorf("gguf: %d bytes of tensor data beyond the declared tensors", len(p))
			return done, w.err
		}
		t := &w.tensors[w.cur]
		k := int(min(uint64(len(p)), t.Size-w.curDone))
		w.write(p[:k])
		if w.err != nil {
			return done, w.err
		}
		w.curDone += uint64(k)
		done += k
		p = p[k:]
		w.advance()
	}
	return done, w.err
}

// WriteTensor writes the whole data of the tensor called name, which must
// be the next one in declaration order, with exactly its Size bytes.
func (w *Writer) WriteTensor(name string, data []byte) error {
	if w.err != nil {
		return w.err
	}
	i, ok := w.index[name]
	switch {
	case !ok:
		return fmt.Errorf("gguf: tensor %q was not declared", name)
	case w.tensors[i].Size == 0 && len(data) == 0:
		return nil // empty tensors take no bytes; Write passes over them
	case i < w.cur:
		return fmt.Errorf("gguf: tensor %q: already written", name)
	case i > w.cur:
		return fmt.Errorf("gguf: tensor %q written out of order: tensor %q comes first", name, w.tensors[w.cur].Name)
	case w.curDone != 0:
		return fmt.Errorf("gguf: tensor %q: %d bytes of it were already written with Write", name, w.curDone)
	case uint64(len(data)) != w.tensors[i].Size:
		t := &w.tensors[i]
		return fmt.Errorf("gguf: tensor %q: %d bytes of data, want %d for %v %v", name, len(data), t.Size, t.Type, t.Dims)
	}
	_, err := w.Write(data)
	return err
}

// Close checks that the data of every tensor was written and flushes the
// buffer. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if w.cur < len(w.tensors) {
		t := &w.tensors[w.cur]
		w.err = fmt.Errorf("gguf: tensor %q: only %d of %d bytes written (and %d tensors after it)", t.Name, w.curDone, t.Size, len(w.tensors)-w.cur-1)
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		w.err = fmt.Errorf("gguf: %w", err)
	}
	return w.err
}

// advance moves past every tensor whose data is complete, padding each.
func (w *Writer) advance() {
	for w.cur < len(w.tensors) && w.curDone == w.tensors[w.cur].Size {
		w.pad(w.tensors[w.cur].Size)
		w.cur++
		w.curDone = 0
	}
}

func (w *Writer) write(p []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.bw.Write(p); err != nil {
		w.err = fmt.Errorf("gguf: %w", err)
	}
}

var zeros [4096]byte

// pad writes the zeros that bring n up to a multiple of the alignment.
func (w *Writer) pad(n uint64) {
	for k := padding(n, w.align); k > 0; {
		c := min(k, uint64(len(zeros)))
		w.write(zeros[:c])
		k -= c
	}
}

// padding returns the bytes needed after n to reach a multiple of align.
func padding(n, align uint64) uint64 { return (align - n%align) % align }

// encodeHeader validates kv and tensors, lays out the data section and
// returns the encoded header, metadata and tensor infos.
func (w *Writer) encodeHeader(kv []KV, tensors []TensorInfo) ([]byte, error) {
	keys := make(map[string]bool, len(kv))
	for i := range kv {
		if keys[kv[i].Key] {
			return nil, fmt.Errorf("gguf: duplicate key %q", kv[i].Key)
		}
		keys[kv[i].Key] = true
		if kv[i].Key == KeyAlignment {
			a, ok := kv[i].Value.V.(uint32)
			if !ok || kv[i].Value.Type != TypeUint32 || a == 0 || a > MaxAlignment || a&(a-1) != 0 {
				return nil, fmt.Errorf("gguf: key %q: want a u32 power of two up to %d, have %v (%s)", KeyAlignment, MaxAlignment, kv[i].Value.V, describe(kv[i].Value))
			}
			w.align = uint64(a)
		}
	}
	w.tensors = make([]TensorInfo, len(tensors))
	var off uint64
	for i := range tensors {
		t := tensors[i]
		if _, dup := w.index[t.Name]; dup {
			return nil, fmt.Errorf("gguf: duplicate tensor %q", t.Name)
		}
		size, err := tensorSize(&t)
		if err != nil {
			return nil, err
		}
		t.Dims = append([]uint64(nil), t.Dims...)
		t.Size, t.Offset = size, off
		padded := size + padding(size, w.align)
		if padded < size || off+padded < off || off+padded > math.MaxInt64 {
			return nil, fmt.Errorf("gguf: tensor %q: data section larger than 2^63-1 bytes", t.Name)
		}
		off += padded
		w.index[t.Name] = i
		w.tensors[i] = t
	}

	b := make([]byte, 0, 4096)
	le := binary.LittleEndian
	b = append(b, Magic...)
	b = le.AppendUint32(b, Version)
	b = le.AppendUint64(b, uint64(len(tensors)))
	b = le.AppendUint64(b, uint64(len(kv)))
	var err error
	for i := range kv {
		b = appendString(b, kv[i].Key)
		b = le.AppendUint32(b, uint32(kv[i].Value.Type))
		if b, err = appendValue(b, kv[i].Value, kv[i].Key, 0); err != nil {
			return nil, err
		}
	}
	for i := range w.tensors {
		t := &w.tensors[i]
		b = appendString(b, t.Name)
		b = le.AppendUint32(b, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			b = le.AppendUint64(b, d)
		}
		b = le.AppendUint32(b, uint32(t.Type))
		b = le.AppendUint64(b, t.Offset)
	}
	w.dataOffset = int64(uint64(len(b)) + padding(uint64(len(b)), w.align))
	return b, nil
}

// tensorSize checks a tensor declaration and returns its data size.
func tensorSize(t *TensorInfo) (uint64, error) {
	bad := func(format string, a ...any) (uint64, error) {
		return 0, fmt.Errorf("gguf: tensor %q: %s", t.Name, fmt.Sprintf(format, a...))
	}
	if len(t.Name) > MaxNameLen {
		return bad("name is %d bytes long; llama.cpp allows at most %d", len(t.Name), MaxNameLen)
	}
	if !t.Type.Known() {
		return bad("unknown type id %d", uint32(t.Type))
	}
	if len(t.Dims) > MaxDims {
		return bad("%d dimensions (at most %d)", len(t.Dims), MaxDims)
	}
	n := uint64(1)
	for j, d := range t.Dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return bad("shape %v has more than 2^63-1 elements (at dimension %d)", t.Dims, j)
		}
		n = lo
	}
	bs := uint64(t.Type.BlockSize())
	rowLen := uint64(1)
	if len(t.Dims) > 0 {
		rowLen = t.Dims[0]
	}
	if rowLen%bs != 0 {
		return bad("row length %d is not a multiple of the %v block size %d", rowLen, t.Type, bs)
	}
	hi, size := bits.Mul64(n/bs, uint64(t.Type.TypeSize()))
	if hi != 0 || size > math.MaxInt64 {
		return bad("shape %v of %v needs more than 2^63-1 bytes", t.Dims, t.Type)
	}
	return size, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue encodes v (without its type tag). key names the value in
// errors; depth is the array nesting level of v's container.
func appendValue(b []byte, v Value, key string, depth int) ([]byte, error) {
	le := binary.LittleEndian
	mismatch := func() ([]byte, error) {
		return nil, fmt.Errorf("gguf: key %q: value of Go type %T does not match the declared type %s", key, v.V, v.Type)
	}
	switch v.Type {
	case TypeUint8:
		x, ok := v.V.(uint8)
		if !ok {
			return mismatch()
		}
		return append(b, x), nil
	case TypeInt8:
		x, ok := v.V.(int8)
		if !ok {
			return mismatch()
		}
		return append(b, byte(x)), nil
	case TypeBool:
		x, ok := v.V.(bool)
		if !ok {
			return mismatch()
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case TypeUint16:
		x, ok := v.V.(uint16)
		if !ok {
			return mismatch()
		}
		return le.AppendUint16(b, x), nil
	case TypeInt16:
		x, ok := v.V.(int16)
		if !ok {
			return mismatch()
		}
		return le.AppendUint16(b, uint16(x)), nil
	case TypeUint32:
		x, ok := v.V.(uint32)
		if !ok {
			return mismatch()
		}
		return le.AppendUint32(b, x), nil
	case TypeInt32:
		x, ok := v.V.(int32)
		if !ok {
			return mismatch()
		}
		return le.AppendUint32(b, uint32(x)), nil
	case TypeFloat32:
		x, ok := v.V.(float32)
		if !ok {
			return mismatch()
		}
		return le.AppendUint32(b, math.Float32bits(x)), nil
	case TypeUint64:
		x, ok := v.V.(uint64)
		if !ok {
			return mismatch()
		}
		return le.AppendUint64(b, x), nil
	case TypeInt64:
		x, ok := v.V.(int64)
		if !ok {
			return mismatch()
		}
		return le.AppendUint64(b, uint64(x)), nil
	case TypeFloat64:
		x, ok := v.V.(float64)
		if !ok {
			return mismatch()
		}
		return le.AppendUint64(b, math.Float64bits(x)), nil
	case TypeString:
		x, ok := v.V.(string)
		if !ok {
			return mismatch()
		}
		return appendString(b, x), nil
	case TypeArray:
		a, ok := v.V.(Array)
		if !ok {
			return mismatch()
		}
		return appendArray(b, a, key, depth+1)
	}
	return nil, fmt.Errorf("gguf: key %q: unknown value type %d", key, uint32(v.Type))
}

func appendArray(b []byte, a Array, key string, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("gguf: key %q: arrays nested deeper than %d levels", key, maxDepth)
	}
	if a.Values != nil {
		if et, ok := elemType(a.Values); !ok || et != a.Type {
			return nil, fmt.Errorf("gguf: key %q: array values of Go type %T do not match the element type %s", key, a.Values, a.Type)
		}
	} else if a.Type >= numValueType {
		return nil, fmt.Errorf("gguf: key %q: unknown array element type %d", key, uint32(a.Type))
	}
	le := binary.LittleEndian
	b = le.AppendUint32(b, uint32(a.Type))
	b = le.AppendUint64(b, uint64(a.Len()))
	switch x := a.Values.(type) {
	case []uint8:
		b = append(b, x...)
	case []int8:
		for _, e := range x {
			b = append(b, byte(e))
		}
	case []bool:
		for _, e := range x {
			if e {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		}
	case []uint16:
		for _, e := range x {
			b = le.AppendUint16(b, e)
		}
	case []int16:
		for _, e := range x {
			b = le.AppendUint16(b, uint16(e))
		}
	case []uint32:
		for _, e := range x {
			b = le.AppendUint32(b, e)
		}
	case []int32:
		for _, e := range x {
			b = le.AppendUint32(b, uint32(e))
		}
	case []float32:
		for _, e := range x {
			b = le.AppendUint32(b, math.Float32bits(e))
		}
	case []uint64:
		for _, e := range x {
			b = le.AppendUint64(b, e)
		}
	case []int64:
		for _, e := range x {
			b = le.AppendUint64(b, uint64(e))
		}
	case []float64:
		for _, e := range x {
			b = le.AppendUint64(b, math.Float64bits(e))
		}
	case []string:
		for _, e := range x {
			b = appendString(b, e)
		}
	case []Array:
		var err error
		for i, e := range x {
			if b, err = appendArray(b, e, fmt.Sprintf("%s[%d]", key, i), depth+1); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// Marshal encodes a whole GGUF file held in memory. data[i] is the data of
// tensors[i].
func Marshal(kv []KV, tensors []TensorInfo, data [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeAll(&buf, kv, tensors, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteFile writes a whole GGUF file to path (see Marshal). On error the
// partial file is removed.
func WriteFile(path string, kv []KV, tensors []TensorInfo, data [][]byte) (err error) {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("gguf: %w", err)
	}
	defer func() {
		if cerr := fh.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("gguf: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	return encodeAll(fh, kv, tensors, data)
}

func encodeAll(w io.Writer, kv []KV, tensors []TensorInfo, data [][]byte) error {
	if len(data) != len(tensors) {
		return fmt.Errorf("gguf: %d tensors but %d data slices", len(tensors), len(data))
	}
	gw, err := NewWriter(w, kv, tensors)
	if err != nil {
		return err
	}
	for i := range tensors {
		if err := gw.WriteTensor(tensors[i].Name, data[i]); err != nil {
			return err
		}
	}
	return gw.Close()
}

// TensorInfoOf returns a TensorInfo declaring a tensor for NewWriter.
func TensorInfoOf(name string, typ quant.Type, dims ...uint64) TensorInfo {
	return TensorInfo{Name: name, Type: typ, Dims: dims}
}
