package server

import (
	"net/http"
	"slices"
)

// corsPolicy is the reference's CORS set-up: wildcard mode (credentials off) when the origin
// list holds "*", else the listed origins with credentials allowed.
type corsPolicy struct {
	origins  []string
	wildcard bool
}

const (
	corsMethods = "GET, POST, OPTIONS"
	corsExpose  = "X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
	corsMaxAge  = "600"
)

// withCORS answers preflights itself, before authentication (browsers never send X-API-Key
// on a preflight), and adds the CORS headers to every other response, 401 and 429 included.
// With no origins configured it is absent, as in the reference's production set-up.
func withCORS(origins []string) func(http.Handler) http.Handler {
	if len(origins) == 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	p := corsPolicy{origins: origins, wildcard: slices.Contains(origins, "*")}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := header(r.Header, "Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			if r.Method == http.MethodOptions && header(r.Header, "Access-Control-Request-Method") != "" {
				p.preflight(w, r, origin)
				return
			}
			if p.allowed(origin) {
				if p.wildcard && header(r.Header, "Cookie") == "" {
					h.Set("Access-Control-Allow-Origin", "*")
				} else {
					h.Set("Access-Control-Allow-Origin", origin)
					h.Add("Vary", "Origin")
					if !p.wildcard {
						h.Set("Access-Control-Allow-Credentials", "true")
					}
				}
				h.Set("Access-Control-Expose-Headers", corsExpose)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func (p corsPolicy) allowed(origin string) bool {
	return p.wildcard || slices.Contains(p.origins, origin)
}

func (p corsPolicy) preflight(w http.ResponseWriter, r *http.Request, origin string) {
	h := w.Header()
	method := header(r.Header, "Access-Control-Request-Method")
	switch {
	case !p.allowed(origin):
		writeError(w, r, errorf(KindBadRequest, "Disallowed CORS origin"))
		return
	case method != http.MethodGet && method != http.MethodPost && method != http.MethodOptions:
		writeError(w, r, errorf(KindBadRequest, "Disallowed CORS method %q: allowed are %s", method, corsMethods))
		return
	}
	if p.wildcard {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Max-Age", corsMaxAge)
	if req := header(r.Header, "Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("OK"))
}
