//go:build amd64 && !purego

package rng

func setZigAsm(on bool) { useZigAsm = on }
