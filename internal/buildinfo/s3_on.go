//go:build !nos3

package buildinfo

const s3 = true
