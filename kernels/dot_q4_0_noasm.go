//go:build noasm || !(amd64 || arm64)

package kernels

var (
	dotQ4_0      VecDotFunc = dotQ4_0Generic
	dotQ4_0Impl             = "go"
	tileQ4_0     TileFunc   = genericTile(dotQ4_0Generic, 4, 4)
	tileQ4_0Rows            = 4
	tileQ4_0Cols            = 4
	tileQ4_0Impl            = "none"
)

func dotQ4_0Impls() []dotImpl { return []dotImpl{{"go", dotQ4_0Generic}} }

func tileQ4_0Impls() []tileImpl { return []tileImpl{{"go", genericTile(dotQ4_0Generic, 4, 4), 4, 4}} }
