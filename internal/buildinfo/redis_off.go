//go:build noredis

package buildinfo

const redis = false
