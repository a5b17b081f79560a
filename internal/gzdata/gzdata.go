// Package gzdata reads and writes the files that mfn embeds gzipped: tables and pages that
// are large as text and compress 4–12× (the contract's JSON, the /docs page, numpy's box-size
// table). Embedding them compressed keeps ~0.24 MB out of every build
// (docs/adr/0031-lean-builds-and-image.md, "Session 7").
package gzdata

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"sync"
)

// Compress gzips b at the best compression, with an empty header (no name, no time), so the
// same input gives the same file with the same Go version.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		panic(err) // only for an invalid level
	}
	_, _ = zw.Write(b) // a bytes.Buffer does not fail
	_ = zw.Close()
	return buf.Bytes()
}

// Decompress returns the content of a gzip file. It reads without a size bound: it is meant
// only for what the binary embeds, never for a request's or a user's data.
func Decompress(gz []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	return b, zr.Close()
}

// Lazy returns a function that decompresses gz on its first call and then returns the same
// content; name labels its error.
func Lazy(name string, gz []byte) func() ([]byte, error) {
	return sync.OnceValues(func() ([]byte, error) {
		b, err := Decompress(gz)
		if err != nil {
			return nil, fmt.Errorf("embedded %s: %w", name, err)
		}
		return b, nil
	})
}
