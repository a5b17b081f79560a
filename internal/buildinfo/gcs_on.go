//go:build gcs

package buildinfo

const gcs = true
