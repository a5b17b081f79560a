package integration

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The spool is a publisher's write-ahead log: append-only segment files of framed records
// (record.go) plus an ack file holding the highest delivered sequence number. Messages are
// durable (fsynced) before Publish returns; many concurrent appends share one fsync (group
// commit). Delivery is in order, so one watermark is all the ack state there is.
//
// Files in the directory:
//
//	<first seq, 20 digits>.seg   segments; a segment is deleted once all its records are acked
//	ack                          two 16-byte slots (seq, CRC), written alternately
//	lock                         flock'd while a publisher has the spool open
//	dead-letter.jsonl            messages the target refused permanently (publisher.go)

var (
	// ErrSpoolFull is returned by Publish when the spool has reached spool.max_bytes.
	ErrSpoolFull = errors.New("spool full")
	// ErrClosed is returned by Publish after Close.
	ErrClosed = errors.New("publisher closed")
)

const (
	segSuffix      = ".seg"
	defaultSegSize = 64 << 20
	minSegSize     = 64 << 10
	ackSyncEvery   = time.Second
)

type segment struct {
	first uint64 // the sequence number the file is named after
	path  string
}

type spool struct {
	dir      string
	maxBytes int64
	segSize  int64
	log      *slog.Logger
	lock     *os.File
	ackFile  *os.File

	// syncMu serialises fsyncs (the group commit's leader, close); it is taken before mu.
	syncMu sync.Mutex
	// syncing says a leader is fsyncing; appends wait on synced (with mu) for it to finish
	// rather than queueing on syncMu one by one.
	syncing bool
	synced  *sync.Cond

	mu         sync.Mutex
	closed     bool
	segs       []segment
	w          *os.File   // the active (last) segment
	wSize      int64      // its size
	unsynced   []*os.File // rolled segments the next fsync must sync and close
	nextSeq    uint64
	written    uint64 // highest seq written
	durable    uint64 // highest seq fsynced
	syncFailed uint64 // highest seq a failed fsync covered: never reported durable
	acked      uint64
	depth      int64 // unacked records
	pending    int64 // bytes of unacked records, bounded by maxBytes
	ackedCh    chan struct{}
	ackSlot    int
	ackSynced  time.Time
	ackDirty   bool
	ready      chan struct{} // signalled when durable grows
	recovered  int           // records found unacked at open
	corruption int           // damaged tails cut at open
	// rewind tells the reader to drop its read-ahead: a failed write was cut from the active
	// segment, and the buffer may hold the cut bytes where new records now go.
	rewind bool

	// reader state, used by the delivery goroutine only (under mu for segment lookups)
	rFirst   uint64 // segment being read
	rOff     int64  // offset in it of the next record to read
	r        *os.File
	rb       *bufio.Reader
	lastRead uint64
}

// openSpool opens or creates the spool in dir, recovering from a crash: a torn or damaged
// tail of a segment is cut off (its records were never confirmed to Publish callers or,
// if they were, the disk lied), and unacked records are handed out again.
func openSpool(dir string, maxBytes int64, log *slog.Logger) (*spool, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("spool %s is in use by another publisher (each publisher needs its own spool.dir): %w", dir, err)
	}
	s := &spool{dir: dir, maxBytes: maxBytes, segSize: defaultSegSize, log: log, lock: lock,
		ready: make(chan struct{}, 1), ackedCh: make(chan struct{})}
	s.synced = sync.NewCond(&s.mu)
	if maxBytes > 0 {
		s.segSize = min(max(maxBytes/4, minSegSize), defaultSegSize)
	}
	if err := s.recover(); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	return s, nil
}

func (s *spool) recover() error {
	var err error
	s.ackFile, err = os.OpenFile(filepath.Join(s.dir, "ack"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	s.acked, s.ackSlot = readAck(s.ackFile)
	names, err := filepath.Glob(filepath.Join(s.dir, "*"+segSuffix))
	if err != nil {
		return err
	}
	for _, n := range names {
		first, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(n), segSuffix), 10, 64)
		if err != nil {
			continue // not ours
		}
		s.segs = append(s.segs, segment{first: first, path: n})
	}
	slices.SortFunc(s.segs, func(a, b segment) int { return cmpU64(a.first, b.first) })

	var prev uint64 // sequence numbers must increase through the files
	readFrom := -1  // index of the segment holding the first unacked record
	var readOff int64
	kept := s.segs[:0]
	for i, sg := range s.segs {
		b, err := os.ReadFile(sg.path)
		if err != nil {
			return err
		}
		off, n := 0, 0
		for off < len(b) {
			rec, err := decodeRecord(b[off:])
			if err == nil && rec.seq <= prev {
				err = errCorruptRecord
			}
			if err != nil {
				s.corruption++
				s.log.Warn("spool: cutting a damaged segment tail", "spool", s.dir, "segment", filepath.Base(sg.path),
					"offset", off, "lost_bytes", len(b)-off, "error", err)
				if err := os.Truncate(sg.path, int64(off)); err != nil {
					return err
				}
				b = b[:off]
				break
			}
			if rec.seq > s.acked {
				if readFrom < 0 {
					readFrom, readOff = len(kept), int64(off)
				}
				s.depth++
				s.pending += int64(rec.size)
			}
			prev = rec.seq
			off += rec.size
			n++
		}
		if n == 0 && i < len(s.segs)-1 {
			os.Remove(sg.path) // an empty segment left by a crash during a roll
			continue
		}
		kept = append(kept, sg)
		s.wSize = int64(len(b))
	}
	s.segs = kept
	// Never reuse an acked sequence number, even when every segment is gone.
	last := max(prev, s.acked)
	s.nextSeq, s.written, s.durable, s.lastRead = last+1, last, last, s.acked
	s.recovered = int(s.depth)
	if len(s.segs) == 0 || s.wSize >= s.segSize {
		if err := s.newSegment(); err != nil {
			return err
		}
	} else {
		s.w, err = os.OpenFile(s.segs[len(s.segs)-1].path, os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
	}
	if readFrom < 0 {
		readFrom, readOff = len(s.segs)-1, s.wSize
	}
	return s.openReader(s.segs[readFrom], readOff)
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// newSegment starts a segment at nextSeq; the caller holds mu (or is opening the spool).
func (s *spool) newSegment() error {
	sg := segment{first: s.nextSeq, path: filepath.Join(s.dir, fmt.Sprintf("%020d%s", s.nextSeq, segSuffix))}
	f, err := os.OpenFile(sg.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		return err
	}
	if s.w != nil {
		s.unsynced = append(s.unsynced, s.w)
	}
	s.segs = append(s.segs, sg)
	s.w, s.wSize = f, 0
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// append makes msgs durable and returns once they are on disk.
func (s *spool) append(msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	first := s.nextSeq
	var buf []byte
	for i, m := range msgs {
		start := len(buf)
		buf = appendRecord(buf, first+uint64(i), m)
		if n := len(buf) - start - recordHeader; n > maxRecordSize {
			// The reader and recovery would take its length for damage and drop it.
			s.mu.Unlock()
			return fmt.Errorf("spool %s: message %d (key %q): record of %d bytes is over the limit of %d", s.dir, i, m.Key, n, maxRecordSize)
		}
	}
	if s.maxBytes > 0 && s.pending+int64(len(buf)) > s.maxBytes {
		s.mu.Unlock()
		return fmt.Errorf("spool %s: %w: %d bytes pending + %d new > max_bytes %d (the target has been down too long or is too slow)",
			s.dir, ErrSpoolFull, s.pending, len(buf), s.maxBytes)
	}
	if s.wSize > 0 && s.wSize+int64(len(buf)) > s.segSize {
		if err := s.newSegment(); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("spool %s: %w", s.dir, err)
		}
	}
	if _, err := s.w.Write(buf); err != nil {
		s.cutFailedWrite()
		s.mu.Unlock()
		return fmt.Errorf("spool %s: %w", s.dir, err)
	}
	s.wSize += int64(len(buf))
	s.nextSeq += uint64(len(msgs))
	s.written = s.nextSeq - 1
	s.depth += int64(len(msgs))
	s.pending += int64(len(buf))
	s.mu.Unlock()
	return s.syncTo(first + uint64(len(msgs)) - 1)
}

// cutFailedWrite cuts what part of a failed write landed, so the segment stays a sequence
// of records, and has the reader drop what it may have read ahead of them. The caller holds mu.
func (s *spool) cutFailedWrite() {
	s.w.Truncate(s.wSize)
	s.rewind = true
}

// syncTo returns once every record up to seq is fsynced. The first caller to find no fsync
// running leads: it fsyncs everything written so far, then wakes every waiter at once; the
// appends that came during its fsync find theirs done, or elect the next leader among
// themselves. One fsync covers a whole group of appends.
func (s *spool) syncTo(seq uint64) error {
	s.mu.Lock()
	for s.durable < seq && s.syncing {
		s.synced.Wait()
	}
	if seq <= s.syncFailed {
		// An fsync covering these records failed; a later fsync of the same file can report
		// success without writing them, so they are never confirmed.
		s.mu.Unlock()
		return fmt.Errorf("spool %s: fsync failed for records up to %d", s.dir, seq)
	}
	if s.durable >= seq {
		s.mu.Unlock()
		return nil
	}
	s.syncing = true
	s.mu.Unlock()
	err := s.syncWritten()
	s.mu.Lock()
	s.syncing = false
	s.synced.Broadcast()
	s.mu.Unlock()
	return err
}

// syncWritten fsyncs every record written so far (and the segments rolled since the last
// fsync) and raises durable to match.
func (s *spool) syncWritten() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	upto, w, old := s.written, s.w, s.unsynced
	s.unsynced = nil
	s.mu.Unlock()
	if w == nil {
		return fmt.Errorf("spool %s: %w", s.dir, ErrClosed)
	}
	var errs []error
	for _, f := range old {
		errs = append(errs, f.Sync(), f.Close())
	}
	errs = append(errs, w.Sync())
	if err := errors.Join(errs...); err != nil {
		s.mu.Lock()
		s.syncFailed = max(s.syncFailed, upto)
		s.mu.Unlock()
		return fmt.Errorf("spool %s: fsync: %w", s.dir, err)
	}
	s.mu.Lock()
	s.durable = max(s.durable, upto)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
	return nil
}

// openReader positions the reader at off in sg.
func (s *spool) openReader(sg segment, off int64) error {
	f, err := os.Open(sg.path)
	if err != nil {
		return err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return err
	}
	if s.r != nil {
		s.r.Close()
	}
	s.r, s.rFirst, s.rOff = f, sg.first, off
	if s.rb == nil {
		s.rb = bufio.NewReaderSize(f, 256<<10)
	} else {
		s.rb.Reset(f)
	}
	return nil
}

// read returns up to max durable records not yet read, without blocking; none when the
// reader has caught up (wait on s.ready then). Only the delivery goroutine calls it.
func (s *spool) read(max int) ([]record, error) {
	var out []record
	hdr := make([]byte, recordHeader)
	for len(out) < max {
		s.mu.Lock()
		durable, rewind := s.durable, s.rewind
		s.rewind = false
		s.mu.Unlock()
		if rewind && s.r != nil {
			if _, err := s.r.Seek(s.rOff, io.SeekStart); err != nil {
				return out, err
			}
			s.rb.Reset(s.r)
		}
		if s.lastRead >= durable {
			break
		}
		// lastRead < durable: the next record in file order is complete on disk.
		_, err := io.ReadFull(s.rb, hdr)
		if err == io.EOF {
			if err := s.nextReadSegment(); err != nil {
				return out, err
			}
			continue
		}
		if err == nil {
			n := binary.LittleEndian.Uint32(hdr)
			if n < minPayload || n > maxRecordSize {
				err = errCorruptRecord
			} else {
				buf := make([]byte, recordHeader+int(n))
				copy(buf, hdr)
				if _, err = io.ReadFull(s.rb, buf[recordHeader:]); err == nil {
					var rec record
					if rec, err = decodeRecord(buf); err == nil {
						s.lastRead = rec.seq
						s.rOff += int64(len(buf))
						out = append(out, rec)
						continue
					}
				}
			}
		}
		// Damage that appeared after open: skip the rest of this segment, loudly.
		s.log.Error("spool: unreadable record, skipping the rest of the segment", "spool", s.dir,
			"segment", s.rFirst, "after_seq", s.lastRead, "error", err)
		if err := s.nextReadSegment(); err != nil {
			return out, err
		}
	}
	return out, nil
}

func (s *spool) nextReadSegment() error {
	s.mu.Lock()
	i, _ := slices.BinarySearchFunc(s.segs, s.rFirst+1, func(a segment, t uint64) int { return cmpU64(a.first, t) })
	if i >= len(s.segs) {
		// Only possible after skipping damage in the last segment: wait for writes to roll.
		s.lastRead = s.durable
		s.mu.Unlock()
		return nil
	}
	sg := s.segs[i]
	if s.lastRead < sg.first-1 {
		s.lastRead = sg.first - 1 // records lost to damage
	}
	s.mu.Unlock()
	return s.openReader(sg, 0)
}

// ack records that every record up to seq (n records of size bytes) is delivered and
// deletes the segments that hold nothing else. The ack write reaches the page cache at once
// (a process crash keeps it) and the disk at most ackSyncEvery later: an OS crash can
// re-deliver up to that much, never lose it.
func (s *spool) ack(seq uint64, n int, size int64) error {
	s.mu.Lock()
	s.acked = seq
	s.depth -= int64(n)
	s.pending -= size
	var drop []segment
	for len(s.segs) > 1 && s.segs[1].first <= s.acked+1 && s.segs[0].first != s.rFirst {
		drop = append(drop, s.segs[0])
		s.segs = s.segs[1:]
	}
	close(s.ackedCh)
	s.ackedCh = make(chan struct{})
	s.mu.Unlock()

	err := s.writeAck(seq, false)
	for _, sg := range drop {
		if e := os.Remove(sg.path); e != nil && !errors.Is(e, os.ErrNotExist) {
			err = errors.Join(err, e)
		}
	}
	return err
}

// writeAck writes seq into the slot not holding the newest ack, so a torn write leaves the
// previous ack readable. Only the delivery goroutine and close call it.
func (s *spool) writeAck(seq uint64, forceSync bool) error {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], seq)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[:8], castagnoli))
	s.ackSlot ^= 1
	if _, err := s.ackFile.WriteAt(b[:], int64(16*s.ackSlot)); err != nil {
		return fmt.Errorf("spool %s: ack: %w", s.dir, err)
	}
	s.ackDirty = true
	if forceSync || time.Since(s.ackSynced) >= ackSyncEvery {
		s.ackSynced = time.Now()
		s.ackDirty = false
		if err := s.ackFile.Sync(); err != nil {
			return fmt.Errorf("spool %s: ack: %w", s.dir, err)
		}
	}
	return nil
}

// readAck returns the newest valid ack and the slot holding it (0 and slot 1 when none is
// valid, so the next write goes to slot 0).
func readAck(f *os.File) (uint64, int) {
	var b [32]byte
	n, _ := f.ReadAt(b[:], 0)
	best, slot := uint64(0), 1
	for i := 0; i < 2 && 16*(i+1) <= n; i++ {
		p := b[16*i : 16*i+16]
		if crc32.Checksum(p[:8], castagnoli) != binary.LittleEndian.Uint32(p[8:]) {
			continue
		}
		if v := binary.LittleEndian.Uint64(p); v >= best {
			best, slot = v, i
		}
	}
	return best, slot
}

// stats returns the unacked record count and bytes.
func (s *spool) stats() (depth, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.depth, s.pending
}

// waitAcked waits until every record written so far is acked, or ctx ends.
func (s *spool) waitAcked(ctx context.Context) error {
	s.mu.Lock()
	target := s.written
	s.mu.Unlock()
	for {
		s.mu.Lock()
		done, ch := s.acked >= target, s.ackedCh
		s.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stopWrites makes later appends fail with ErrClosed.
func (s *spool) stopWrites() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// close syncs and closes everything. The delivery goroutine must have stopped.
func (s *spool) close() error {
	s.stopWrites()
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	var errs []error
	if s.ackDirty {
		errs = append(errs, s.ackFile.Sync())
	}
	for _, f := range append(s.unsynced, s.w) {
		errs = append(errs, f.Sync())
	}
	if errors.Join(errs...) == nil {
		s.mu.Lock()
		s.durable = s.written // appends still waiting for an fsync find theirs done
		s.synced.Broadcast()
		s.mu.Unlock()
	}
	errs = append(errs, s.closeFiles())
	return errors.Join(errs...)
}

// closeFiles closes every file without syncing (close after a sync, or a simulated crash).
func (s *spool) closeFiles() error {
	var errs []error
	for _, f := range append(s.unsynced, s.w, s.r, s.ackFile) {
		if f != nil {
			errs = append(errs, f.Close())
		}
	}
	s.unsynced, s.w, s.r, s.ackFile = nil, nil, nil, nil
	if s.lock != nil {
		errs = append(errs, s.lock.Close()) // closing the descriptor releases the flock
		s.lock = nil
	}
	return errors.Join(errs...)
}
