//go:build !noasm

package kernels

const buildNoASM = false
