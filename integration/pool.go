package integration

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// PoolOptions are an HTTP target's connection pool (webhooks, the REST poller): connections
// in total and per host, idle connections kept for reuse, and for how long.
type PoolOptions struct {
	MaxConns        int      `yaml:"max_conns" json:"max_conns"`
	MaxConnsPerHost int      `yaml:"max_conns_per_host" json:"max_conns_per_host"`
	MaxIdleConns    int      `yaml:"max_idle_conns" json:"max_idle_conns"`
	IdleTimeout     Duration `yaml:"idle_timeout" json:"idle_timeout"`
}

// withDefaults fills zero fields: 16 connections in total, perHost per host, idle kept,
// for 90 s.
func (p *PoolOptions) withDefaults(perHost, idle int) {
	for _, f := range []struct {
		v *int
		d int
	}{{&p.MaxConns, 16}, {&p.MaxConnsPerHost, perHost}, {&p.MaxIdleConns, idle}} {
		if *f.v == 0 {
			*f.v = f.d
		}
	}
	if p.IdleTimeout == 0 {
		p.IdleTimeout = Duration(90 * time.Second)
	}
}

// check reports each bad field through bad.
func (p PoolOptions) check(bad func(field string, v any, want string)) {
	if p.IdleTimeout.D() < 0 || p.IdleTimeout.D() > time.Hour {
		bad("idle_timeout", p.IdleTimeout.D(), "0..1h")
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"max_conns", p.MaxConns}, {"max_conns_per_host", p.MaxConnsPerHost}, {"max_idle_conns", p.MaxIdleConns}} {
		if f.v < 1 || f.v > 10000 {
			bad(f.name, f.v, "1..10000")
		}
	}
}

// transport is a pooled transport with these limits; timeout bounds dialling, the TLS
// handshake and the wait for response headers.
func (p PoolOptions) transport(timeout time.Duration) *http.Transport {
	d := &limitedDialer{sem: make(chan struct{}, p.MaxConns), d: net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           d.DialContext,
		MaxConnsPerHost:       p.MaxConnsPerHost,
		MaxIdleConns:          p.MaxIdleConns,
		MaxIdleConnsPerHost:   min(p.MaxIdleConns, p.MaxConnsPerHost),
		IdleConnTimeout:       p.IdleTimeout.D(),
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// limitedDialer bounds open connections in total (http.Transport bounds them only per host).
type limitedDialer struct {
	sem chan struct{}
	d   net.Dialer
}

func (l *limitedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := l.d.DialContext(ctx, network, addr)
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &countedConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

type countedConn struct {
	net.Conn
	release func()
}

func (c *countedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
