package tokenizer

// GPT-2 byte-level BPE stores every byte as a printable code point: the
// bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for themselves, the remaining
// 68 bytes map in order to U+0100, U+0101, ….
var (
	byteToRune [256]rune
	runeToByte [0x144]int16 // -1 where the code point is not a byte character
)

func init() {
	for i := range runeToByte {
		runeToByte[i] = -1
	}
	n := rune(0)
	for b := 0; b < 256; b++ {
		r := rune(b)
		if !(b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF) {
			r = 256 + n
			n++
		}
		byteToRune[b] = r
		runeToByte[r] = int16(b)
	}
}

// byteRuneOf returns the byte a GPT-2 byte character stands for.
func byteRuneOf(r rune) (byte, bool) {
	if r < 0 || int(r) >= len(runeToByte) || runeToByte[r] < 0 {
		return 0, false
	}
	return byte(runeToByte[r]), true
}
