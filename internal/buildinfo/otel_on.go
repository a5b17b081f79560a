//go:build !nootel

package buildinfo

const otel = true
