package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func testMsg(i int) Message {
	return Message{Key: fmt.Sprintf("k%06d", i), Value: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
		Time: time.Unix(1700000000, int64(i)).UTC()}
}

func mustOpenSpool(t *testing.T, dir string, maxBytes int64) *spool {
	t.Helper()
	s, err := openSpool(dir, maxBytes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readAll reads every durable record the spool will give now.
func readAll(t *testing.T, s *spool) []record {
	t.Helper()
	var out []record
	for {
		got, err := s.read(1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return out
		}
		out = append(out, got...)
	}
}

func wantKeys(t *testing.T, recs []record, from, to int) {
	t.Helper()
	if len(recs) != to-from {
		t.Fatalf("got %d records, want %d (keys %d..%d)", len(recs), to-from, from, to-1)
	}
	for i, r := range recs {
		want := testMsg(from + i)
		if r.msg.Key != want.Key || !bytes.Equal(r.msg.Value, want.Value) || !r.msg.Time.Equal(want.Time) {
			t.Fatalf("record %d = %+v, want %+v", i, r.msg, want)
		}
	}
}

func ackRecs(t *testing.T, s *spool, recs []record) {
	t.Helper()
	var size int64
	for _, r := range recs {
		size += int64(r.size)
	}
	if err := s.ack(recs[len(recs)-1].seq, len(recs), size); err != nil {
		t.Fatal(err)
	}
}

func appendRange(t *testing.T, s *spool, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := s.append([]Message{testMsg(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpoolReopen: acked records are not handed out again after a reopen; unacked ones
// are, in order, and new sequence numbers continue after the old ones.
func TestSpoolReopen(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 0)
	appendRange(t, s, 0, 10)
	recs := readAll(t, s)
	wantKeys(t, recs, 0, 10)
	ackRecs(t, s, recs[:4])
	if d, _ := s.stats(); d != 6 {
		t.Fatalf("depth %d, want 6", d)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}

	s = mustOpenSpool(t, dir, 0)
	defer s.close()
	if s.recovered != 6 {
		t.Fatalf("recovered %d, want 6", s.recovered)
	}
	appendRange(t, s, 10, 12)
	recs = readAll(t, s)
	wantKeys(t, recs, 4, 12)
	if recs[0].seq != 5 || recs[len(recs)-1].seq != 12 {
		t.Fatalf("seqs %d..%d, want 5..12", recs[0].seq, recs[len(recs)-1].seq)
	}
}

// TestSpoolSegmentsDeletedAfterAck: small segments roll, and fully acked ones disappear;
// with everything acked and the files gone, sequence numbers still never go back.
func TestSpoolSegmentsDeletedAfterAck(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 0)
	s.segSize = 256
	appendRange(t, s, 0, 100)
	segs := func() int {
		m, _ := filepath.Glob(filepath.Join(dir, "*"+segSuffix))
		return len(m)
	}
	if n := segs(); n < 5 {
		t.Fatalf("%d segments, want several", n)
	}
	recs := readAll(t, s)
	wantKeys(t, recs, 0, 100)
	ackRecs(t, s, recs)
	// The reader still sits in the last segment: only it may remain.
	if n := segs(); n != 1 {
		t.Fatalf("%d segments after acking everything, want 1", n)
	}
	last := recs[len(recs)-1].seq
	s.close()
	for _, m := range must(filepath.Glob(filepath.Join(dir, "*"+segSuffix))) {
		os.Remove(m)
	}
	s = mustOpenSpool(t, dir, 0)
	defer s.close()
	appendRange(t, s, 100, 101)
	recs = readAll(t, s)
	wantKeys(t, recs, 100, 101)
	if recs[0].seq <= last {
		t.Fatalf("seq %d reused (last acked %d)", recs[0].seq, last)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestSpoolCrashTail: a crash can tear the last record or leave garbage after it; reopening
// cuts the damage, keeps every complete record and goes on appending after them.
func TestSpoolCrashTail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
		keep   int
	}{
		{"torn header", func(b []byte) []byte { return b[:len(b)-oneRecordSize(9)+3] }, 9},
		{"torn payload", func(b []byte) []byte { return b[:len(b)-5] }, 9},
		{"flipped bit in last record", func(b []byte) []byte { b[len(b)-2] ^= 0x10; return b }, 9},
		{"garbage appended", func(b []byte) []byte { return append(b, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7) }, 10},
		{"zeros appended (preallocated tail)", func(b []byte) []byte { return append(b, make([]byte, 4096)...) }, 10},
		{"bad length", func(b []byte) []byte {
			b[len(b)-oneRecordSize(9)] = 0xff
			b[len(b)-oneRecordSize(9)+3] = 0xff
			return b
		}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := mustOpenSpool(t, dir, 0)
			appendRange(t, s, 0, 10)
			s.closeFiles() // a crash: no final sync
			seg := must(filepath.Glob(filepath.Join(dir, "*"+segSuffix)))[0]
			b := must(os.ReadFile(seg))
			if err := os.WriteFile(seg, tc.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			s = mustOpenSpool(t, dir, 0)
			defer s.close()
			if s.corruption != 1 {
				t.Errorf("corruption count %d, want 1", s.corruption)
			}
			appendRange(t, s, 100, 102)
			recs := readAll(t, s)
			wantKeys(t, recs[:tc.keep], 0, tc.keep)
			if len(recs) != tc.keep+2 || recs[tc.keep].msg.Key != testMsg(100).Key {
				t.Fatalf("after recovery got %d records, want %d then k000100, k000101", len(recs), tc.keep)
			}
		})
	}
}

func oneRecordSize(i int) int { return len(appendRecord(nil, uint64(i+1), testMsg(i))) }

// TestSpoolAckSlots: a damaged ack slot falls back to the other one (older ack: some
// re-delivery, nothing lost); both damaged means everything is handed out again.
func TestSpoolAckSlots(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 0)
	appendRange(t, s, 0, 10)
	recs := readAll(t, s)
	ackRecs(t, s, recs[:3])
	ackRecs(t, s, recs[3:6])
	s.close()
	ack := filepath.Join(dir, "ack")
	b := must(os.ReadFile(ack))
	_, newest := readAck(must(os.Open(ack)))
	b[16*newest] ^= 1
	os.WriteFile(ack, b, 0o644)
	s = mustOpenSpool(t, dir, 0)
	wantKeys(t, readAll(t, s), 3, 10)
	s.close()
	os.WriteFile(ack, make([]byte, 32), 0o644)
	s = mustOpenSpool(t, dir, 0)
	defer s.close()
	wantKeys(t, readAll(t, s), 0, 10)
}

// TestSpoolFull: a full spool refuses new messages with an error naming it, and takes them
// again once deliveries free space.
func TestSpoolFull(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, minSegSize)
	defer s.close()
	big := Message{Key: "big", Value: json.RawMessage(`"` + string(bytes.Repeat([]byte("x"), 20000)) + `"`)}
	var err error
	n := 0
	for ; n < 10; n++ {
		if err = s.append([]Message{big}); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrSpoolFull) || !bytes.Contains([]byte(err.Error()), []byte(dir)) {
		t.Fatalf("after %d appends: err %v, want ErrSpoolFull naming %s", n, err, dir)
	}
	recs := readAll(t, s)
	ackRecs(t, s, recs)
	if err := s.append([]Message{big}); err != nil {
		t.Fatalf("after acking: %v", err)
	}
}

// TestSpoolLocked: two publishers cannot share a spool directory.
func TestSpoolLocked(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 0)
	defer s.close()
	if _, err := openSpool(dir, 0, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("second open of the same spool succeeded")
	}
}

// FuzzSpoolRecord: the record decoder never panics on arbitrary bytes, and whatever it
// accepts re-encodes to exactly the bytes it consumed.
func FuzzSpoolRecord(f *testing.F) {
	f.Add(appendRecord(nil, 1, testMsg(1)))
	f.Add(appendRecord(nil, 1<<40, Message{Key: "", Value: json.RawMessage(`null`)}))
	f.Add([]byte{})
	f.Add([]byte{17, 0, 0, 0, 0, 0, 0, 0})
	f.Add(appendRecord(nil, 9, Message{Key: "k", Value: json.RawMessage(`{}`), Trace: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			if !errors.Is(err, errShortRecord) && !errors.Is(err, errCorruptRecord) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if rec.size > len(b) {
			t.Fatalf("size %d > input %d", rec.size, len(b))
		}
		again := appendRecord(nil, rec.seq, rec.msg)
		if !bytes.Equal(again, b[:rec.size]) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b[:rec.size])
		}
	})
}
