package integration

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// waitSpool polls cond (called with s.mu held) until it holds, failing the test after 10 s.
func waitSpool(t *testing.T, s *spool, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.mu.Lock()
		ok := cond()
		s.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestFailedFsyncNotReportedDurable: an append whose record was covered by a group
// commit fsync that failed must not return success because a later leader's fsync (which no
// longer syncs the failed, already closed segment) succeeded.
func TestFailedFsyncNotReportedDurable(t *testing.T) {
	s := mustOpenSpool(t, t.TempDir(), 256<<10) // 64 KiB segments
	defer s.close()

	s.syncMu.Lock() // an fsync is under way: A will lead and block, C and B wait on it
	locked := true
	defer func() {
		if locked {
			s.syncMu.Unlock()
		}
	}()
	errA, errB, errC := make(chan error, 1), make(chan error, 1), make(chan error, 1)
	go func() { errA <- s.append([]Message{testMsg(1)}) }()
	waitSpool(t, s, "A to lead", func() bool { return s.written == 1 && s.syncing })
	go func() { errC <- s.append([]Message{testMsg(2)}) }() // same segment as A
	waitSpool(t, s, "C's write", func() bool { return s.written == 2 })
	big := Message{Key: "big", Value: json.RawMessage(`"` + string(bytes.Repeat([]byte("x"), 65<<10)) + `"`)}
	go func() { errB <- s.append([]Message{big}) }() // rolls: A's and C's segment waits for the next fsync
	waitSpool(t, s, "B's roll", func() bool { return s.written == 3 && len(s.unsynced) == 1 })

	// The rolled segment's fsync fails (a closed descriptor stands in for EIO).
	s.mu.Lock()
	s.unsynced[0].Close()
	s.mu.Unlock()
	locked = false
	s.syncMu.Unlock()

	if err := <-errA; err == nil {
		t.Fatal("A: append returned nil although the fsync of its segment failed")
	}
	if err := <-errC; err == nil {
		t.Fatal("C: append returned nil although the fsync of its segment failed (reported durable by a later fsync that did not cover it)")
	}
	<-errB
}

// TestOversizedRecordRefused: a message whose record would exceed maxRecordSize must be
// refused by append; accepted, it cannot be read back (the reader and recovery take its
// length for damage and drop it with the rest of its segment).
func TestOversizedRecordRefused(t *testing.T) {
	dir := t.TempDir()
	s := mustOpenSpool(t, dir, 0)
	appendRange(t, s, 0, 1)
	big := Message{Key: "big", Value: json.RawMessage(`"` + string(bytes.Repeat([]byte("x"), maxRecordSize)) + `"`)}
	err := s.append([]Message{big})
	if err == nil {
		t.Error("append of a record over maxRecordSize returned nil")
	}
	appendRange(t, s, 1, 3)
	got := readAll(t, s)
	if err == nil {
		// Accepted: it must come back, and so must what follows it.
		if len(got) != 4 {
			t.Fatalf("read %d records after an accepted oversized one, want 4", len(got))
		}
		return
	}
	wantKeys(t, got, 0, 3)
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpenSpool(t, dir, 0)
	defer s.close()
	if s.corruption != 0 || s.depth != 3 {
		t.Fatalf("after reopen: %d damaged tails, depth %d; want 0, 3", s.corruption, s.depth)
	}
}

// TestFailedWriteDoesNotPoisonTheReader: part of a failed write lands and is cut off, but the
// delivery goroutine has already read those bytes ahead; the next record, written where they
// were, must still be read, and the segment's records not skipped as damage.
func TestFailedWriteDoesNotPoisonTheReader(t *testing.T) {
	s := mustOpenSpool(t, t.TempDir(), 0)
	defer s.close()
	if err := s.append([]Message{testMsg(1)}); err != nil {
		t.Fatal(err)
	}
	// The landed part of a failed write: junk after record 1.
	s.mu.Lock()
	if _, err := s.w.Write(bytes.Repeat([]byte{0xAB}, 100)); err != nil {
		t.Fatal(err)
	}
	s.mu.Unlock()
	// The reader takes record 1 and reads the junk ahead into its buffer.
	recs, err := s.read(10)
	if err != nil || len(recs) != 1 || recs[0].seq != 1 {
		t.Fatalf("first read: %v, %v", recs, err)
	}
	// append's failure path cuts the junk; the next record goes where it was.
	s.mu.Lock()
	s.cutFailedWrite()
	s.mu.Unlock()
	if err := s.append([]Message{testMsg(2)}); err != nil {
		t.Fatal(err)
	}
	recs, err = s.read(10)
	if err != nil || len(recs) != 1 || recs[0].seq != 2 || recs[0].msg.Key != testMsg(2).Key {
		t.Fatalf("after the cut write: read %v, %v; want record 2", recs, err)
	}
}
