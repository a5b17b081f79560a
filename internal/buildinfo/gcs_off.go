//go:build !gcs

package buildinfo

const gcs = false
