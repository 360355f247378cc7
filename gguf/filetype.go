package gguf

import (
	"fmt"

	"github.com/gollm/gollm/quant"
)

// KeyFileType is the metadata key holding the file's FileType.
const KeyFileType = "general.file_type"

// FileType is llama.cpp's llama_ftype: the quantization mix a whole file
// was made with, stored in general.file_type. Values are llama.cpp's.
type FileType uint32

// The file types llama.cpp defines (3–6 and 33–35 are retired).
const (
	FileTypeAllF32    FileType = 0
	FileTypeF16       FileType = 1
	FileTypeQ4_0      FileType = 2
	FileTypeQ4_1      FileType = 3
	FileTypeQ8_0      FileType = 7
	FileTypeQ5_0      FileType = 8
	FileTypeQ5_1      FileType = 9
	FileTypeQ2K       FileType = 10
	FileTypeQ3KS      FileType = 11
	FileTypeQ3KM      FileType = 12
	FileTypeQ3KL      FileType = 13
	FileTypeQ4KS      FileType = 14
	FileTypeQ4KM      FileType = 15
	FileTypeQ5KS      FileType = 16
	FileTypeQ5KM      FileType = 17
	FileTypeQ6K       FileType = 18
	FileTypeIQ2XXS    FileType = 19
	FileTypeIQ2XS     FileType = 20
	FileTypeQ2KS      FileType = 21
	FileTypeIQ3XS     FileType = 22
	FileTypeIQ3XXS    FileType = 23
	FileTypeIQ1S      FileType = 24
	FileTypeIQ4NL     FileType = 25
	FileTypeIQ3S      FileType = 26
	FileTypeIQ3M      FileType = 27
	FileTypeIQ2S      FileType = 28
	FileTypeIQ2M      FileType = 29
	FileTypeIQ4XS     FileType = 30
	FileTypeIQ1M      FileType = 31
	FileTypeBF16      FileType = 32
	FileTypeTQ1_0     FileType = 36
	FileTypeTQ2_0     FileType = 37
	FileTypeMXFP4MoE  FileType = 38
	FileTypeNVFP4     FileType = 39
	FileTypeQ1_0      FileType = 40
	FileTypeGuessed   FileType = 1024 // flag: not stored in the file, guessed from the tensors
	fileTypeNameCount          = 41
)

// fileTypeNames are llama.cpp's names (llama_model_ftype_name), which it
// prints in model descriptions such as "qwen3moe ?B Q4_K - Medium".
var fileTypeNames = [fileTypeNameCount]string{
	FileTypeAllF32:   "all F32",
	FileTypeF16:      "F16",
	FileTypeQ4_0:     "Q4_0",
	FileTypeQ4_1:     "Q4_1",
	FileTypeQ8_0:     "Q8_0",
	FileTypeQ5_0:     "Q5_0",
	FileTypeQ5_1:     "Q5_1",
	FileTypeQ2K:      "Q2_K - Medium",
	FileTypeQ3KS:     "Q3_K - Small",
	FileTypeQ3KM:     "Q3_K - Medium",
	FileTypeQ3KL:     "Q3_K - Large",
	FileTypeQ4KS:     "Q4_K - Small",
	FileTypeQ4KM:     "Q4_K - Medium",
	FileTypeQ5KS:     "Q5_K - Small",
	FileTypeQ5KM:     "Q5_K - Medium",
	FileTypeQ6K:      "Q6_K",
	FileTypeIQ2XXS:   "IQ2_XXS - 2.0625 bpw",
	FileTypeIQ2XS:    "IQ2_XS - 2.3125 bpw",
	FileTypeQ2KS:     "Q2_K - Small",
	FileTypeIQ3XS:    "IQ3_XS - 3.3 bpw",
	FileTypeIQ3XXS:   "IQ3_XXS - 3.0625 bpw",
	FileTypeIQ1S:     "IQ1_S - 1.5625 bpw",
	FileTypeIQ4NL:    "IQ4_NL - 4.5 bpw",
	FileTypeIQ3S:     "IQ3_S - 3.4375 bpw",
	FileTypeIQ3M:     "IQ3_S mix - 3.66 bpw",
	FileTypeIQ2S:     "IQ2_S - 2.5 bpw",
	FileTypeIQ2M:     "IQ2_M - 2.7 bpw",
	FileTypeIQ4XS:    "IQ4_XS - 4.25 bpw",
	FileTypeIQ1M:     "IQ1_M - 1.75 bpw",
	FileTypeBF16:     "BF16",
	FileTypeTQ1_0:    "TQ1_0 - 1.69 bpw ternary",
	FileTypeTQ2_0:    "TQ2_0 - 2.06 bpw ternary",
	FileTypeMXFP4MoE: "MXFP4 MoE",
	FileTypeNVFP4:    "NVFP4",
	FileTypeQ1_0:     "Q1_0",
}

// String returns llama.cpp's name for t, e.g. "Q4_K - Medium", prefixed by
// "(guessed) " when the FileTypeGuessed flag is set.
func (t FileType) String() string {
	if t&FileTypeGuessed != 0 {
		return "(guessed) " + (t &^ FileTypeGuessed).String()
	}
	if t < fileTypeNameCount && fileTypeNames[t] != "" {
		return fileTypeNames[t]
	}
	return fmt.Sprintf("unknown file type %d", uint32(t))
}

// guessFileType maps the most common tensor type of a file to the file type
// llama.cpp assumes when general.file_type is absent.
var guessFileType = map[quant.Type]FileType{
	quant.F32: FileTypeAllF32, quant.F16: FileTypeF16, quant.BF16: FileTypeBF16,
	quant.Q4_0: FileTypeQ4_0, quant.Q4_1: FileTypeQ4_1, quant.Q5_0: FileTypeQ5_0,
	quant.Q5_1: FileTypeQ5_1, quant.Q8_0: FileTypeQ8_0, quant.Q2K: FileTypeQ2K,
	quant.Q3K: FileTypeQ3KM, quant.Q4K: FileTypeQ4KM, quant.Q5K: FileTypeQ5KM,
	quant.Q6K: FileTypeQ6K, quant.TQ1_0: FileTypeTQ1_0, quant.TQ2_0: FileTypeTQ2_0,
	quant.IQ2XXS: FileTypeIQ2XXS, quant.IQ2XS: FileTypeIQ2XS, quant.IQ2S: FileTypeIQ2S,
	quant.IQ3XXS: FileTypeIQ3XXS, quant.IQ1S: FileTypeIQ1S, quant.IQ1M: FileTypeIQ1M,
	quant.IQ4NL: FileTypeIQ4NL, quant.IQ4XS: FileTypeIQ4XS, quant.IQ3S: FileTypeIQ3S,
	quant.MXFP4: FileTypeMXFP4MoE,
}

// FileType returns general.file_type. When the key is absent it guesses as
// llama.cpp does, from the tensor type most tensors have, and sets the
// FileTypeGuessed flag; ok is false when there is nothing to guess from
// (no key and no tensors) or the key is not an integer that fits uint32.
func (f *File) FileType() (ft FileType, ok bool) {
	if f.Has(KeyFileType) {
		v, err := f.Uint32(KeyFileType)
		return FileType(v), err == nil
	}
	var count [256]int
	best := -1
	for i := range f.Tensors {
		t := f.Tensors[i].Type
		if int(t) >= len(count) {
			continue
		}
		count[t]++
		if best < 0 || count[t] > count[best] {
			best = int(t)
		}
	}
	if best < 0 {
		return 0, false
	}
	// llama.cpp falls back to "all F32" for a type it has no mix for.
	return guessFileType[quant.Type(best)] | FileTypeGuessed, true
}

// Parameters returns the number of elements of all tensors.
func (f *File) Parameters() uint64 {
	var n uint64
	for i := range f.Tensors {
		n += f.Tensors[i].Elements()
	}
	return n
}

// TensorBytes returns the bytes of all tensor data, without padding.
func (f *File) TensorBytes() uint64 {
	var n uint64
	for i := range f.Tensors {
		n += f.Tensors[i].Size
	}
	return n
}
