package kernels

import (
	"bytes"
	"testing"
)

// TestAdviseHugePagesKeepsContents checks that the huge-page hint leaves
// buffers of every size and alignment as they were.
func TestAdviseHugePagesKeepsContents(t *testing.T) {
	for _, tc := range []struct {
		name      string
		size, off int
	}{
		{"empty", 0, 0},
		{"small", 100, 3},
		{"one huge page, unaligned", hugePageSize, 1},
		{"several huge pages", 3*hugePageSize + 4096, 63},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, tc.size+tc.off)[tc.off:]
			for i := range buf {
				buf[i] = byte(i*7 + 1)
			}
			want := append([]byte(nil), buf...)
			adviseHugePages(buf)
			if !bytes.Equal(buf, want) {
				t.Fatalf("contents changed after adviseHugePages")
			}
		})
	}
}
