//go:build !azure

package buildinfo

const azure = false
