package kernels

import (
	"os"
	"sort"
	"sync"

	"github.com/klauspost/cpuid/v2"
)

// noASM is true when the Go twins are forced: by the noasm build tag (see
// noasm_tag.go) or by GOLLM_NOASM=1. This is the one place in gollm that
// reads GOLLM_NOASM.
var noASM = buildNoASM || os.Getenv("GOLLM_NOASM") == "1"

// CPU feature levels, read once.
var (
	hasAVX2   = !noASM && cpuid.CPU.Supports(cpuid.AVX2, cpuid.FMA3, cpuid.F16C)
	hasAVX512 = !noASM && cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512DQ)
	hasVNNI   = hasAVX512 && cpuid.CPU.Supports(cpuid.AVX512VNNI)
	hasNEON   = !noASM && cpuid.CPU.Supports(cpuid.ASIMD)

	// prefer512 says whether 512-bit vectors run at full width, so that a
	// kernel doing twice the work per instruction wins: Intel's AVX-512
	// cores and AMD from Zen 5 (family 0x1a) on; Zen 4 splits each 512-bit
	// operation in two, where the 256-bit kernels do as well or better.
	prefer512  = hasAVX512 && !(cpuid.CPU.VendorID == cpuid.AMD && cpuid.CPU.Family < 0x1a)
	hasDotProd = hasNEON && cpuid.CPU.Supports(cpuid.ASIMDDP)
)

// Impl names the implementation chosen for one kernel.
type Impl struct {
	Kernel string // e.g. "dot q4_K·q8_K"
	Name   string // e.g. "avx512vnni", "avx2", "neon", "dotprod", "go"
}

var (
	implMu sync.Mutex
	impls  = map[string]string{}
)

// setImpl records the implementation chosen for kernel. Kernel files call it
// from init after picking a function.
func setImpl(kernel, name string) {
	implMu.Lock()
	impls[kernel] = name
	implMu.Unlock()
}

// Implementations reports which implementation each kernel uses, sorted by
// kernel name (printed by `gollm info --system`).
func Implementations() []Impl {
	implMu.Lock()
	defer implMu.Unlock()
	out := make([]Impl, 0, len(impls))
	for k, v := range impls {
		out = append(out, Impl{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kernel < out[j].Kernel })
	return out
}

// Features returns the CPU features gollm's kernels look at, as llama.cpp's
// system-info line names them (AVX2 = 1, …), and whether assembly is forced
// off.
func Features() map[string]bool {
	return map[string]bool{
		"AVX2": hasAVX2, "AVX512": hasAVX512, "AVX512_VNNI": hasVNNI,
		"NEON": hasNEON, "DOTPROD": hasDotProd, "NOASM": noASM,
	}
}
