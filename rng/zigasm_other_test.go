//go:build !amd64 || purego

package rng

func setZigAsm(bool) {}
