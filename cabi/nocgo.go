//go:build !cgo

package main

// Without cgo there is no C ABI to export; calls.go still builds and is tested.
