//go:build !linux

package kernels

// hugePageSize is the size of a transparent huge page where there are
// any.
const hugePageSize = 2 << 20

// adviseHugePages does nothing where there is no madvise hint for
// transparent huge pages.
func adviseHugePages(buf []byte) {}
