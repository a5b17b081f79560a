package npy

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3}, {4, 2, 2}, {0, 5}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float64, n)
		for i := range data {
			data[i] = math.Nextafter(float64(i)*-0.07, 0) // values that must survive to the bit
		}
		var b bytes.Buffer
		if err := Write(&b, shape, data); err != nil {
			t.Fatal(err)
		}
		if (b.Len()-len(data)*8)%64 != 0 {
			t.Errorf("header not 64-byte aligned: %d", b.Len()-len(data)*8)
		}
		gotShape, got, err := Read(&b)
		if err != nil {
			t.Fatal(err)
		}
		if len(gotShape) != len(shape) || len(got) != n {
			t.Fatalf("shape %v -> %v", shape, gotShape)
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(data[i]) {
				t.Fatalf("value %d changed", i)
			}
		}
	}
}

// A header exactly as numpy 1.24's np.save writes it for a (2, 2) float64 array.
func TestReadsNumpyHeader(t *testing.T) {
	hdr := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }"
	pad := 64 - (10+len(hdr)+1)%64
	h := hdr + string(bytes.Repeat([]byte(" "), pad)) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), 0)
	b = append(b, h...)
	b = append(b, make([]byte, 32)...)
	shape, data, err := Read(bytes.NewReader(b))
	if err != nil || len(shape) != 2 || len(data) != 4 {
		t.Fatalf("%v %v %v", shape, data, err)
	}
}

func TestRejects(t *testing.T) {
	var ok bytes.Buffer
	Write(&ok, []int{2, 2}, make([]float64, 4))
	good := ok.Bytes()
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("NOTNUMPY\x00\x00"),
		"truncated": good[:len(good)-3],
		"int dtype": bytes.Replace(good, []byte("<f8"), []byte("<i8"), 1),
		"fortran":   bytes.Replace(good, []byte("False"), []byte("True "), 1),
		"huge":      bytes.Replace(good, []byte("(2, 2)"), []byte("(9999999999, 99)"), 1),
		"version":   append([]byte("\x93NUMPY\x09\x00"), good[8:]...),
	} {
		if _, _, err := Read(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if err := Write(&bytes.Buffer{}, []int{3}, []float64{1}); err == nil {
		t.Error("shape/data mismatch accepted")
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6})
	f.Add(b.Bytes())
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (1,)}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, vals, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(vals) {
			t.Fatalf("shape %v but %d values", shape, len(vals))
		}
	})
}
