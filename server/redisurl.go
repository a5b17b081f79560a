package server

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// redisEndpoint is where and how to reach Redis, read from MFN_RATE_LIMIT_REDIS_URL.
type redisEndpoint struct {
	network, address   string // "tcp" and host:port, or "unix" and the socket's path
	username, password string // AUTH is sent only with a password (a user alone is ignored)
	db                 int
	tls                bool   // rediss://
	serverName         string // the certificate's expected name (the host) with tls
}

// redisURLForms is what MFN_RATE_LIMIT_REDIS_URL accepts, for error messages.
const redisURLForms = "redis://[[user]:password@]host[:port][/db], rediss://… for TLS, or unix://[[user]:password@]/path.sock[?db=N]"

// parseRedisURL reads the three forms of redisURLForms (the host defaults to localhost and
// the port to 6379, as in the IANA redis URI scheme and go-redis). Its errors never contain
// the URL, which may hold a password.
func parseRedisURL(s string) (redisEndpoint, error) {
	var e redisEndpoint
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return e, fmt.Errorf("not a URL (%v); want %s", err, redisURLForms)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix" {
		return e, fmt.Errorf("scheme %q is not allowed; want %s", u.Scheme, redisURLForms)
	}
	if u.Opaque != "" {
		return e, fmt.Errorf("want %s", redisURLForms)
	}
	if u.User != nil {
		e.username = u.User.Username()
		e.password, _ = u.User.Password()
	}
	if u.Fragment != "" {
		return e, fmt.Errorf("a #fragment is not allowed; want %s", redisURLForms)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return e, fmt.Errorf("query: %v", err)
	}
	switch u.Scheme {
	case "redis", "rediss":
		e.network, e.tls = "tcp", u.Scheme == "rediss"
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			if strings.HasSuffix(u.Host, ":") {
				return e, fmt.Errorf("empty port; want %s", redisURLForms)
			}
			port = "6379"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return e, fmt.Errorf("port %q is not a number from 1 to 65535", port)
		}
		e.address, e.serverName = net.JoinHostPort(host, port), host
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if e.db, err = parseRedisDB(db); err != nil {
				return e, err
			}
		}
		if len(q) > 0 {
			return e, fmt.Errorf("query parameters (%s) are not supported with %s://; the database is the path (/N)", queryNames(q), u.Scheme)
		}
	default: // unix
		if u.Host != "" || u.Path == "" {
			return e, fmt.Errorf("unix:// needs an absolute socket path and no host: unix://[[user]:password@]/path.sock[?db=N]")
		}
		e.network, e.address = "unix", u.Path
		for name, v := range q {
			if name != "db" || len(v) != 1 {
				return e, fmt.Errorf("query parameter %q is not supported with unix:// (only one db=N)", name)
			}
			if e.db, err = parseRedisDB(v[0]); err != nil {
				return e, err
			}
		}
	}
	return e, nil
}

func parseRedisDB(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("database %q is not a non-negative integer", s)
	}
	return n, nil
}

func queryNames(q url.Values) string {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, strconv.Quote(k))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
