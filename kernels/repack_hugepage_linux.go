package kernels

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePageSize is the size of an x86-64 or arm64 transparent huge page.
const hugePageSize = 2 << 20

// adviseHugePages asks the kernel to back the whole huge pages inside buf
// with transparent huge pages (where the system leaves that to madvise).
// Decoding streams every repacked weight once per token: with 4 KiB
// pages, a page walk every 4 KiB slows the stream measurably; with 2 MiB
// pages the TLB covers it. It is a hint: buf's contents do not change and
// a refusal is ignored. Call it before buf is first written, so that its
// pages are faulted in as huge pages.
func adviseHugePages(buf []byte) {
	if len(buf) < hugePageSize {
		return
	}
	a := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	lo := (a + hugePageSize - 1) &^ (hugePageSize - 1)
	hi := (a + uintptr(len(buf))) &^ (hugePageSize - 1)
	if hi <= lo {
		return
	}
	_ = unix.Madvise(buf[lo-a:hi-a], unix.MADV_HUGEPAGE)
}
