package server

import (
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// net/http answers requests it cannot parse (a malformed request line or header, a header
// over MaxHeaderBytes, an unsupported transfer encoding) itself, in plain text, before any
// handler runs, writing straight to the connection. jsonErrorListener's connections rewrite
// exactly those answers into the service's {"detail": …} form, so that every error a client
// gets is JSON. It can only do so on plain-HTTP listeners: under TLS the server must see the
// *tls.Conn itself (docs/adr/0022).
type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

type jsonErrorConn struct{ net.Conn }

// goPlainError matches net/http's own error answers (server.go: "HTTP/1.1 " + status +
// errorHeaders + text). Handler responses never match: their headers are written sorted, so
// Connection never follows Content-Type, and they always carry a Date.
var goPlainError = regexp.MustCompile(`^HTTP/1\.1 (\d{3})[^\r\n]*\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n([^\x00]*)$`)

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if len(p) < 12 || string(p[:10]) != "HTTP/1.1 4" && string(p[:10]) != "HTTP/1.1 5" {
		return c.Conn.Write(p)
	}
	m := goPlainError.FindSubmatch(p)
	if m == nil {
		return c.Conn.Write(p)
	}
	code, _ := strconv.Atoi(string(m[1]))
	body, _ := json.Marshal(errorBody{Detail: string(m[2])})
	out := "HTTP/1.1 " + string(m[1]) + " " + http.StatusText(code) + "\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	if _, err := c.Conn.Write([]byte(out)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close the connection as it does for a plain TCP connection.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// serverTimeouts are the http.Server's read and write timeouts. ReadTimeout bounds reading a
// request, body included (a slow upload), HandlerTimeout the work after the handler starts,
// and the write deadline runs from the end of the request's headers, so it must cover both:
// a body read until the read deadline must still get its answer (issue 18: the write timeout
// was 40 s against a 60 s read timeout, so a slow upload lost its 413 or its result).
func serverTimeouts(handler time.Duration) (read, write time.Duration) {
	read = handler + 30*time.Second
	write = read + handler + 10*time.Second
	return read, write
}
