//go:build kfake && !nokafka

package buildinfo

const kfake = true
