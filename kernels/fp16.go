package kernels

import (
	"encoding/binary"

	"github.com/gollm/gollm/quant"
)

// f16At reads the little-endian binary16 at b[0:2] as float32, for the Go
// twins. The conversions themselves are quant's (ggml's rounding); the
// assembly kernels convert with F16C (VCVTPH2PS, VCVTPS2PH) instead.
func f16At(b []byte) float32 { return quant.FP16ToFP32(binary.LittleEndian.Uint16(b)) }
