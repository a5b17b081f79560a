package field

import (
	"crypto/rand"
	"encoding/binary"
)

// randomSeed draws a seed from the operating system for runs without one. Unlike the
// reference, the seed drawn is reported with the result, so such a run can be repeated.
func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return binary.LittleEndian.Uint64(b[:]) >> 1
}
