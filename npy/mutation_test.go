package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// Assertions added for the survivors of mutation testing (docs/quality.md).

// v2 rewrites a version 1.0 file as version 2.0 (a 4-byte header length), as numpy writes
// when a header outgrows 64 KiB.
func v2(v1 []byte) []byte {
	hlen := binary.LittleEndian.Uint16(v1[8:10])
	out := append([]byte(nil), v1[:6]...)
	out = append(out, 2, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(hlen))
	return append(out, v1[10:]...)
}

func TestReadsVersion2(t *testing.T) {
	var b bytes.Buffer
	Write(&b, []int{2, 2}, []float64{1, 2, 3, 4})
	shape, data, err := Read(bytes.NewReader(v2(b.Bytes())))
	if err != nil || len(shape) != 2 || shape[0] != 2 || shape[1] != 2 || data[3] != 4 {
		t.Fatalf("version 2.0: %v %v %v", shape, data, err)
	}
}

// A version 2 header may be up to 1 MiB; one byte more is refused before it is read.
func TestVersion2HeaderLimit(t *testing.T) {
	head := func(l uint32) []byte {
		return binary.LittleEndian.AppendUint32([]byte("\x93NUMPY\x02\x00"), l)
	}
	if _, _, err := Read(bytes.NewReader(head(1<<20 + 1))); err == nil || !strings.Contains(err.Error(), "header of 1048577 bytes") {
		t.Errorf("1 MiB + 1: %v", err)
	}
	if _, _, err := Read(bytes.NewReader(head(1 << 20))); err == nil || strings.Contains(err.Error(), "header of") {
		t.Errorf("1 MiB: %v (want refused as truncated, not for its size)", err)
	}
}

func TestReadsAZeroLengthDimension(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, []int{0, 4}, nil); err != nil {
		t.Fatal(err)
	}
	shape, data, err := Read(&b)
	if err != nil || len(shape) != 2 || shape[0] != 0 || shape[1] != 4 || len(data) != 0 {
		t.Fatalf("shape (0, 4): %v %v %v", shape, data, err)
	}
}

// Exactly MaxElements elements are allowed; one dimension more is refused for its size.
func TestElementLimitIsInclusive(t *testing.T) {
	header := func(shape string) []byte {
		var b bytes.Buffer
		Write(&b, []int{1, 1}, []float64{0})
		return bytes.Replace(b.Bytes(), []byte("(1, 1)"), []byte(shape), 1)
	}
	if _, _, err := Read(bytes.NewReader(header(fmt.Sprintf("(1, %d)", MaxElements)))); err == nil || strings.Contains(err.Error(), "more than") {
		t.Errorf("(1, MaxElements): %v (want refused as truncated, not for its size)", err)
	}
	if _, _, err := Read(bytes.NewReader(header(fmt.Sprintf("(2, %d)", MaxElements)))); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("(2, MaxElements): %v", err)
	}
}
