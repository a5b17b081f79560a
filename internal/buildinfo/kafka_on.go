//go:build !nokafka

package buildinfo

const kafka = true
