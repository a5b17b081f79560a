package integration

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"
)

// A spool record on disk is framed as
//
//	len    uint32 LE   length of the payload
//	crc    uint32 LE   CRC-32C (Castagnoli) of the payload
//	payload:
//	  seq  uint64 LE   the record's sequence number, increasing through the spool
//	  time int64  LE   Message.Time in Unix nanoseconds
//	  klen uvarint     length of Message.Key
//	  key
//	  [tlen uvarint, trace]  only when seq has its top bit (traceFlag) set: Message.Trace
//	  value (the rest of the payload)
//
// Records without a trace are framed as before the trace existed, so older spools read as
// they were written.
// The frame lets recovery tell a complete record from a torn one (short read) or a damaged
// one (CRC mismatch) without trusting anything after the first bad byte.
const (
	recordHeader  = 8
	minPayload    = 8 + 8 + 1
	maxRecordSize = 64 << 20 // a bound on len, so a damaged length cannot make us allocate 4 GiB
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// traceFlag marks, in a record's seq, that the record holds a trace context (sequence numbers
// never reach 2⁶³).
const traceFlag = 1 << 63

var (
	// errShortRecord means the bytes end inside a record: a write torn by a crash.
	errShortRecord = errors.New("truncated record")
	// errCorruptRecord means the bytes are not a record: bad length, CRC or layout.
	errCorruptRecord = errors.New("corrupt record")
)

// record is a message as the spool holds it.
type record struct {
	seq  uint64
	msg  Message
	size int // framed size on disk
}

// appendRecord appends the framed encoding of msg with sequence number seq to dst.
func appendRecord(dst []byte, seq uint64, msg Message) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recordHeader)...)
	flagged := seq
	if msg.Trace != "" {
		flagged |= traceFlag
	}
	dst = binary.LittleEndian.AppendUint64(dst, flagged)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(msg.Time.UnixNano()))
	dst = binary.AppendUvarint(dst, uint64(len(msg.Key)))
	dst = append(dst, msg.Key...)
	if msg.Trace != "" {
		dst = binary.AppendUvarint(dst, uint64(len(msg.Trace)))
		dst = append(dst, msg.Trace...)
	}
	dst = append(dst, msg.Value...)
	payload := dst[start+recordHeader:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

// decodeRecord decodes the record at the start of b and returns it with its framed size.
// It returns errShortRecord when b ends inside the record and errCorruptRecord when b does
// not start with a valid record. The message's Key and Value are copies, not views of b.
func decodeRecord(b []byte) (record, error) {
	if len(b) < recordHeader {
		return record{}, errShortRecord
	}
	n := binary.LittleEndian.Uint32(b)
	if n < minPayload || n > maxRecordSize {
		return record{}, errCorruptRecord
	}
	if uint64(len(b)-recordHeader) < uint64(n) {
		return record{}, errShortRecord
	}
	p := b[recordHeader : recordHeader+int(n)]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return record{}, errCorruptRecord
	}
	seq := binary.LittleEndian.Uint64(p)
	ts := int64(binary.LittleEndian.Uint64(p[8:]))
	klen, k := binary.Uvarint(p[16:])
	// Only the shortest varint is valid, so every record has one encoding.
	if k <= 0 || k != uvarintLen(klen) || klen > uint64(len(p)-16-k) {
		return record{}, errCorruptRecord
	}
	rest := p[16+k:]
	msg := Message{Key: string(rest[:klen]), Time: time.Unix(0, ts).UTC()}
	rest = rest[klen:]
	if seq&traceFlag != 0 {
		seq &^= traceFlag
		tlen, k := binary.Uvarint(rest)
		if k <= 0 || k != uvarintLen(tlen) || tlen > uint64(len(rest)-k) || tlen == 0 {
			return record{}, errCorruptRecord
		}
		msg.Trace, rest = string(rest[k:k+int(tlen)]), rest[k+int(tlen):]
	}
	msg.Value = append([]byte(nil), rest...)
	return record{seq: seq, msg: msg, size: recordHeader + int(n)}, nil
}

func uvarintLen(v uint64) int {
	n := 1
	for ; v >= 0x80; v >>= 7 {
		n++
	}
	return n
}
