//go:build !nogrpc

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// rawGRPCRequester makes unary gRPC calls over one plaintext HTTP/2 connection (h2c), one call
// at a time, with the call's frames prepared once: the gRPC counterpart of rawRequester. A
// load generator must cost the machine far less than the server it measures; grpc-go's
// client spends about as much CPU per call as the server (reader and writer goroutines, a
// stream object, header encoding and metadata maps per call), which on a small machine is CPU
// the server loses. Framing and header compression are golang.org/x/net/http2's; what is
// written here is the gRPC call itself: HEADERS and a length-prefixed DATA message out,
// HEADERS, DATA and trailers back, grpc-status read from the trailers. Flow control is
// honoured both ways (a request larger than the peer's window waits for WINDOW_UPDATEs).
// --grpc-client grpc-go uses grpc-go instead (TLS and streams always do).
type rawGRPCRequester struct {
	addr    string
	timeout time.Duration
	// first and headers are the HPACK blocks of the request's headers: first adds them to
	// the peer's decoding table (a connection's first call), headers refers to them there (the
	// table then never changes, so the same block serves every later call), as grpc-go's
	// client compresses them.
	first, headers []byte
	msg            []byte // the length-prefixed request message

	conn   net.Conn
	br     *bufio.Reader
	fr     *http2.Framer
	wbuf   bytes.Buffer // the frames of one call, written at once
	stream uint32       // the last stream ID used
	// sendConn and sendInit are the peer's connection window and initial stream window for
	// what we send; recvUsed counts received DATA bytes not yet given back.
	sendConn, sendInit int64
	recvUsed           int64
	goaway             bool // the server is closing the connection
}

// rawRecvWindow is the receive window the requester grants (per stream and per connection):
// no response the server may send (64 MiB at most) waits for a window update.
const rawRecvWindow = 1 << 30

// maxFrameSize is the largest DATA frame sent: HTTP/2's initial SETTINGS_MAX_FRAME_SIZE,
// which every peer accepts (grpc-go's server does not raise it).
const maxFrameSize = 16 << 10

func newRawGRPCRequester(t *grpcTarget, f loadtestFlags) (*rawGRPCRequester, error) {
	m, err := proto.Marshal(t.request)
	if err != nil {
		return nil, err
	}
	msg := make([]byte, 5, 5+len(m))
	binary.BigEndian.PutUint32(msg[1:], uint32(len(m)))
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb) // its table: 4096 bytes, the peer's initial one
	fields := []hpack.HeaderField{{Name: ":method", Value: "POST"}, {Name: ":scheme", Value: "http"},
		{Name: ":path", Value: t.fullName}, {Name: ":authority", Value: t.addr},
		{Name: "content-type", Value: "application/grpc"}, {Name: "te", Value: "trailers"},
		{Name: "user-agent", Value: "mfn-loadtest"}}
	if f.apiKey != "" {
		fields = append(fields, hpack.HeaderField{Name: "x-api-key", Value: f.apiKey})
	}
	var blocks [2][]byte
	for i := range blocks {
		for _, hf := range fields {
			if err := enc.WriteField(hf); err != nil {
				return nil, err
			}
		}
		blocks[i] = bytes.Clone(hb.Bytes())
		hb.Reset()
	}
	return &rawGRPCRequester{addr: t.addr, timeout: f.timeout, first: blocks[0], headers: blocks[1], msg: append(msg, m...)}, nil
}

// connect opens the connection: the client preface, our settings (a large receive window) and
// the peer's settings acknowledged.
func (c *rawGRPCRequester) connect(ctx context.Context, deadline time.Time) error {
	conn, err := (&net.Dialer{Deadline: deadline}).DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn, c.br = conn, bufio.NewReaderSize(conn, 32<<10)
	c.wbuf.Reset()
	c.fr = http2.NewFramer(&c.wbuf, c.br)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	c.fr.SetReuseFrames()
	c.stream, c.sendConn, c.sendInit, c.recvUsed, c.goaway = 0, 65535, 65535, 0, false
	c.wbuf.WriteString(http2.ClientPreface)
	if err := c.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: rawRecvWindow},
		http2.Setting{ID: http2.SettingEnablePush, Val: 0}); err != nil {
		return err
	}
	if err := c.fr.WriteWindowUpdate(0, rawRecvWindow-65535); err != nil {
		return err
	}
	_ = conn.SetDeadline(deadline)
	return c.flush()
}

func (c *rawGRPCRequester) flush() error {
	_, err := c.conn.Write(c.wbuf.Bytes())
	c.wbuf.Reset()
	return err
}

// do makes one call and returns the HTTP status equivalent of its gRPC status (200 for OK).
func (c *rawGRPCRequester) do(ctx context.Context) (int, error) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if c.conn == nil || c.goaway || c.stream >= 1<<31-2 {
		c.close()
		if err := c.connect(ctx, deadline); err != nil {
			c.close()
			return 0, err
		}
	}
	_ = c.conn.SetDeadline(deadline)
	code, err := c.call()
	if err != nil {
		c.close()
		return 0, err
	}
	if code == codes.OK {
		return http.StatusOK, nil
	}
	return httpStatusOf(code), nil
}

// call sends the request on a new stream and reads until the stream ends.
func (c *rawGRPCRequester) call() (codes.Code, error) {
	c.stream += 2
	if c.stream == 2 {
		c.stream = 1
	}
	id := c.stream
	block := c.headers
	if id == 1 {
		block = c.first
	}
	if err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndHeaders: true}); err != nil {
		return 0, err
	}
	st := &rawStream{id: id, send: c.sendInit}
	rest := c.msg
	for {
		n := min(int64(len(rest)), c.sendConn, st.send, maxFrameSize)
		if n > 0 || len(rest) == 0 {
			if err := c.fr.WriteData(id, int(n) == len(rest), rest[:n]); err != nil {
				return 0, err
			}
			rest = rest[n:]
			c.sendConn -= n
			st.send -= n
		}
		if err := c.flush(); err != nil {
			return 0, err
		}
		if len(rest) == 0 {
			break
		}
		if n == 0 { // blocked by flow control: wait for the peer's window updates (or its answer)
			if err := c.readFrame(st); err != nil {
				return 0, err
			}
			if st.done {
				return st.result()
			}
		}
	}
	for !st.done {
		if err := c.readFrame(st); err != nil {
			return 0, err
		}
	}
	return st.result()
}

// rawStream is the state of the call in flight.
type rawStream struct {
	id    uint32
	send  int64 // the stream's send window
	done  bool
	code  codes.Code
	hasSt bool
	// reset is set when the server reset the stream (never a success, whatever the code).
	reset     bool
	resetCode http2.ErrCode
}

func (s *rawStream) result() (codes.Code, error) {
	switch {
	case s.reset:
		return 0, fmt.Errorf("stream reset by the server: %v", s.resetCode)
	case !s.hasSt:
		return 0, errors.New("the response carried no grpc-status")
	}
	return s.code, nil
}

// readFrame reads one frame and applies it to the connection and to st.
func (c *rawGRPCRequester) readFrame(st *rawStream) error {
	f, err := c.fr.ReadFrame()
	if err != nil {
		return err
	}
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		if f.StreamID != st.id {
			return nil
		}
		if f.Truncated {
			return errors.New("response headers too large")
		}
		if s := f.PseudoValue("status"); s != "" && s != "200" {
			return fmt.Errorf("HTTP status %s from a gRPC server", s)
		}
		for _, hf := range f.RegularFields() {
			if hf.Name == "grpc-status" {
				n, err := strconv.ParseUint(hf.Value, 10, 32)
				if err != nil {
					return fmt.Errorf("malformed grpc-status %q", hf.Value)
				}
				st.code, st.hasSt = codes.Code(n), true
			}
		}
		st.done = f.StreamEnded()
	case *http2.DataFrame:
		// Give the received bytes back to the connection window (the stream's is larger than
		// any response) once half of it is used.
		if c.recvUsed += int64(f.Length); c.recvUsed >= rawRecvWindow/2 {
			if err := c.fr.WriteWindowUpdate(0, uint32(c.recvUsed)); err != nil {
				return err
			}
			c.recvUsed = 0
			if err := c.flush(); err != nil {
				return err
			}
		}
		if f.StreamID == st.id && f.StreamEnded() {
			st.done = true
		}
	case *http2.RSTStreamFrame:
		if f.StreamID == st.id {
			st.done, st.reset, st.resetCode = true, true, f.ErrCode
		}
	case *http2.WindowUpdateFrame:
		if f.StreamID == 0 {
			c.sendConn += int64(f.Increment)
		} else if f.StreamID == st.id {
			st.send += int64(f.Increment)
		}
	case *http2.SettingsFrame:
		if f.IsAck() {
			return nil
		}
		if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
			st.send += int64(v) - c.sendInit
			c.sendInit = int64(v)
		}
		if err := c.fr.WriteSettingsAck(); err != nil {
			return err
		}
		return c.flush()
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		if err := c.fr.WritePing(true, f.Data); err != nil {
			return err
		}
		return c.flush()
	case *http2.GoAwayFrame:
		c.goaway = true // the next call opens a new connection
		if f.LastStreamID < st.id {
			return fmt.Errorf("the server closed the connection (GOAWAY %v)", f.ErrCode)
		}
	}
	return nil
}

func (c *rawGRPCRequester) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
