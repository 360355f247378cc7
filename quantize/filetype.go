package quantize

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gollm/gollm/gguf"
	"github.com/gollm/gollm/quant"
)

// mixName is one name llama-quantize accepts for a file type.
type mixName struct {
	name string
	ft   gguf.FileType
}

// mixNames are the type names of llama-quantize's command line that gollm
// can produce, in its order; Q3_K, Q4_K and Q5_K are its aliases for the
// medium mixes.
var mixNames = []mixName{
	{"Q4_0", gguf.FileTypeQ4_0},
	{"Q4_1", gguf.FileTypeQ4_1},
	{"Q5_0", gguf.FileTypeQ5_0},
	{"Q5_1", gguf.FileTypeQ5_1},
	{"Q2_K", gguf.FileTypeQ2K},
	{"Q3_K", gguf.FileTypeQ3KM},
	{"Q3_K_S", gguf.FileTypeQ3KS},
	{"Q3_K_M", gguf.FileTypeQ3KM},
	{"Q3_K_L", gguf.FileTypeQ3KL},
	{"IQ4_NL", gguf.FileTypeIQ4NL},
	{"IQ4_XS", gguf.FileTypeIQ4XS},
	{"Q4_K", gguf.FileTypeQ4KM},
	{"Q4_K_S", gguf.FileTypeQ4KS},
	{"Q4_K_M", gguf.FileTypeQ4KM},
	{"Q5_K", gguf.FileTypeQ5KM},
	{"Q5_K_S", gguf.FileTypeQ5KS},
	{"Q5_K_M", gguf.FileTypeQ5KM},
	{"Q6_K", gguf.FileTypeQ6K},
	{"Q8_0", gguf.FileTypeQ8_0},
	{"F16", gguf.FileTypeF16},
	{"BF16", gguf.FileTypeBF16},
	{"F32", gguf.FileTypeAllF32},
}

// FileTypeNames lists the file type names ParseFileType accepts, in
// llama-quantize's order.
func FileTypeNames() []string {
	names := make([]string, len(mixNames))
	for i, m := range mixNames {
		names[i] = m.name
	}
	return names
}

// ParseFileType returns the file type a llama-quantize type name (e.g.
// "Q4_K_M", case-insensitive) or number (e.g. "15") stands for. It refuses
// types gollm cannot produce.
func ParseFileType(s string) (gguf.FileType, error) {
	for _, m := range mixNames {
		if strings.EqualFold(m.name, s) {
			return m.ft, nil
		}
	}
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		ft := gguf.FileType(n)
		if _, ok := DefaultType(ft); ok {
			return ft, nil
		}
		return 0, fmt.Errorf("quantize: file type %d (%v) is not supported", n, ft)
	}
	return 0, fmt.Errorf("quantize: unknown type %q (want one of %s)", s, strings.Join(FileTypeNames(), ", "))
}

// FileTypeName returns the llama-quantize name of ft, e.g. "Q4_K_M".
func FileTypeName(ft gguf.FileType) string {
	for _, m := range mixNames {
		if m.ft == ft && !isAlias(m.name) {
			return m.name
		}
	}
	return ft.String()
}

func isAlias(name string) bool { return name == "Q3_K" || name == "Q4_K" || name == "Q5_K" }

// DefaultType returns the tensor type a file type quantizes most tensors to
// (llama_ftype_get_default_type), and false for file types gollm cannot
// produce.
func DefaultType(ft gguf.FileType) (quant.Type, bool) {
	switch ft {
	case gguf.FileTypeQ4_0:
		return quant.Q4_0, true
	case gguf.FileTypeQ4_1:
		return quant.Q4_1, true
	case gguf.FileTypeQ5_0:
		return quant.Q5_0, true
	case gguf.FileTypeQ5_1:
		return quant.Q5_1, true
	case gguf.FileTypeQ8_0:
		return quant.Q8_0, true
	case gguf.FileTypeF16:
		return quant.F16, true
	case gguf.FileTypeBF16:
		return quant.BF16, true
	case gguf.FileTypeAllF32:
		return quant.F32, true
	case gguf.FileTypeQ2K:
		return quant.Q2K, true
	case gguf.FileTypeQ3KS, gguf.FileTypeQ3KM, gguf.FileTypeQ3KL:
		return quant.Q3K, true
	case gguf.FileTypeQ4KS, gguf.FileTypeQ4KM:
		return quant.Q4K, true
	case gguf.FileTypeQ5KS, gguf.FileTypeQ5KM:
		return quant.Q5K, true
	case gguf.FileTypeQ6K:
		return quant.Q6K, true
	case gguf.FileTypeIQ4NL:
		return quant.IQ4NL, true
	case gguf.FileTypeIQ4XS:
		return quant.IQ4XS, true
	}
	return 0, false
}
