//go:build azure

package buildinfo

const azure = true
