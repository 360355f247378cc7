//go:build noasm || !(amd64 || arm64)

package kernels

var (
	dotQ8_0      VecDotFunc = dotQ8_0Generic
	dotQ8_0Impl             = "go"
	tileQ8_0     TileFunc   = genericTile(dotQ8_0Generic, 4, 4)
	tileQ8_0Rows            = 4
	tileQ8_0Cols            = 4
	tileQ8_0Impl            = "none"
)

func dotQ8_0Impls() []dotImpl { return []dotImpl{{"go", dotQ8_0Generic}} }

func tileQ8_0Impls() []tileImpl { return []tileImpl{{"go", genericTile(dotQ8_0Generic, 4, 4), 4, 4}} }
