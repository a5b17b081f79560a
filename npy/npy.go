// Package npy reads and writes NumPy .npy files (format versions 1.0–3.0) holding
// little-endian float64 arrays in C order, the format `numpy.load` expects.
package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

var magic = []byte("\x93NUMPY")

// MaxElements bounds the arrays Read accepts, so a forged header cannot demand huge memory.
const MaxElements = 1 << 28

// Write writes data with the given shape as a version 1.0 .npy file of dtype '<f8'.
func Write(w io.Writer, shape []int, data []float64) error {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension %d in shape %v", d, shape)
		}
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(data))
	}
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	shapeText := strings.Join(dims, ", ")
	if len(shape) == 1 {
		shapeText += ","
	}
	header := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%s), }", shapeText)
	// Pad with spaces so that magic + version + length + header is a multiple of 64 bytes.
	total := len(magic) + 2 + 2 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy: header too long for format 1.0")
	}
	bw := bufio.NewWriter(w)
	bw.Write(magic)
	bw.Write([]byte{1, 0})
	binary.Write(bw, binary.LittleEndian, uint16(len(header)))
	bw.WriteString(header)
	var buf [8]byte
	for _, v := range data {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		bw.Write(buf[:])
	}
	return bw.Flush()
}

var (
	descrRe   = regexp.MustCompile(`['"]descr['"]\s*:\s*['"]([^'"]*)['"]`)
	fortranRe = regexp.MustCompile(`['"]fortran_order['"]\s*:\s*(True|False)`)
	shapeRe   = regexp.MustCompile(`['"]shape['"]\s*:\s*\(([^)]*)\)`)
)

// ErrFormat is wrapped by every error about a malformed or unsupported file.
var ErrFormat = errors.New("npy: not a supported .npy file")

// Read reads a .npy file of little-endian float64 ('<f8') in C order and returns its shape
// and values. Other dtypes, Fortran order, and truncated or forged files are errors.
func Read(r io.Reader) (shape []int, data []float64, err error) {
	br := bufio.NewReader(r)
	pre := make([]byte, 8)
	if _, err := io.ReadFull(br, pre); err != nil {
		return nil, nil, fmt.Errorf("%w: too short for the magic string", ErrFormat)
	}
	if string(pre[:6]) != string(magic) {
		return nil, nil, fmt.Errorf("%w: missing the \\x93NUMPY magic string", ErrFormat)
	}
	var hlen int
	switch pre[6] {
	case 1:
		var l uint16
		if err := binary.Read(br, binary.LittleEndian, &l); err != nil {
			return nil, nil, fmt.Errorf("%w: truncated header length", ErrFormat)
		}
		hlen = int(l)
	case 2, 3:
		var l uint32
		if err := binary.Read(br, binary.LittleEndian, &l); err != nil {
			return nil, nil, fmt.Errorf("%w: truncated header length", ErrFormat)
		}
		if l > 1<<20 {
			return nil, nil, fmt.Errorf("%w: header of %d bytes", ErrFormat, l)
		}
		hlen = int(l)
	default:
		return nil, nil, fmt.Errorf("%w: format version %d.%d", ErrFormat, pre[6], pre[7])
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(br, hdr); err != nil {
		return nil, nil, fmt.Errorf("%w: truncated header", ErrFormat)
	}
	h := string(hdr)
	d := descrRe.FindStringSubmatch(h)
	if d == nil {
		return nil, nil, fmt.Errorf("%w: header has no descr", ErrFormat)
	}
	if d[1] != "<f8" && d[1] != "f8" && d[1] != "float64" {
		return nil, nil, fmt.Errorf("%w: dtype %q, want float64 ('<f8')", ErrFormat, d[1])
	}
	if f := fortranRe.FindStringSubmatch(h); f == nil || f[1] != "False" {
		return nil, nil, fmt.Errorf("%w: Fortran-ordered arrays are not supported; save with C order", ErrFormat)
	}
	s := shapeRe.FindStringSubmatch(h)
	if s == nil {
		return nil, nil, fmt.Errorf("%w: header has no shape", ErrFormat)
	}
	n := 1
	for _, part := range strings.Split(s[1], ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSuffix(part, "L"))
		if err != nil || v < 0 {
			return nil, nil, fmt.Errorf("%w: bad dimension %q", ErrFormat, part)
		}
		shape = append(shape, v)
		if v > 0 && n > MaxElements/v {
			return nil, nil, fmt.Errorf("%w: more than %d elements", ErrFormat, MaxElements)
		}
		n *= v
	}
	data = make([]float64, n)
	buf := make([]byte, 8)
	for i := range data {
		if _, err := io.ReadFull(br, buf); err != nil {
			return nil, nil, fmt.Errorf("%w: data ends after %d of %d values", ErrFormat, i, n)
		}
		data[i] = math.Float64frombits(binary.LittleEndian.Uint64(buf))
	}
	return shape, data, nil
}
