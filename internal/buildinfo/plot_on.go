//go:build !noplot

package buildinfo

const plot = true
