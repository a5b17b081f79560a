package server

import (
	"net/http"
	"strings"

	"mfn/stream"
)

// route describes one endpoint: the facts the middleware needs before the mux runs.
type route struct {
	method string
	path   string
	// public routes need no API key.
	public bool
	// rateLimit is the bucket capacity per window when MFN_RATE_LIMIT_ROUTES does not say
	// otherwise (0: MFN_RATE_LIMIT_REQUESTS). The numbers are the reference's per-path limits.
	rateLimit int
	// heavy routes wait for CPU-bound work on the pool, under the handler timeout.
	heavy bool
	// index is the route's position in routeTable (otherRouteIndex for non-routes), for
	// per-route tables such as the metrics' cached children.
	index int
}

// routeTable lists every endpoint. The OpenAPI test checks it against api/openapi.yaml.
var routeTable = []route{
	{method: http.MethodGet, path: "/health", public: true, rateLimit: 1000},
	{method: http.MethodGet, path: "/ready", public: true, rateLimit: 1000},
	{method: http.MethodGet, path: "/metrics", public: true},
	{method: http.MethodGet, path: "/openapi.json", public: true},
	{method: http.MethodGet, path: "/docs", public: true},
	{method: http.MethodGet, path: "/redoc", public: true},
	{method: http.MethodGet, path: "/redoc/redoc.js", public: true},
	{method: http.MethodPost, path: "/nernst", rateLimit: 200},
	{method: http.MethodPost, path: "/simulate", rateLimit: 50, heavy: true},
	{method: http.MethodPost, path: "/validate", rateLimit: 50, heavy: true},
	{method: http.MethodPost, path: "/federated/aggregate", rateLimit: 50, heavy: true},
	{method: http.MethodPost, path: "/api/encrypt"},
	{method: http.MethodPost, path: "/api/decrypt"},
	{method: http.MethodPost, path: "/api/sign"},
	{method: http.MethodPost, path: "/api/verify"},
	{method: http.MethodPost, path: "/api/keypair"},
	{method: http.MethodPost, path: "/api/derive"},
	// Live streams (stream package): WebSocket authenticates in-band, SSE with X-API-Key.
	{method: http.MethodGet, path: "/ws/stream_features", public: true},
	{method: http.MethodGet, path: "/ws/simulation_live", public: true},
	{method: http.MethodGet, path: "/sse/stream_features"},
	{method: http.MethodGet, path: "/sse/simulation_live"},
	{method: http.MethodGet, path: "/ui", public: true},
	{method: http.MethodGet, path: "/health/connectors", rateLimit: 1000},
}

// otherRoute labels requests to paths that are not routes (metrics, rate-limit buckets, spans).
const otherRoute = "/other"

var routesByPath = func() map[string]*route {
	m := make(map[string]*route, len(routeTable))
	for i := range routeTable {
		routeTable[i].index = i
		m[routeTable[i].path] = &routeTable[i]
	}
	return m
}()

// otherRouteIndex is the route index of paths that are not routes.
var otherRouteIndex = len(routeTable)

// lookupRoute returns the route of a path, or nil.
func lookupRoute(path string) *route { return routesByPath[path] }

// addRoutes binds every route of routeTable to its handler, plus the JSON 404/405/307
// fallback for everything else.
func addRoutes(mux *http.ServeMux, s *Server) {
	handlers := map[string]http.Handler{
		"/health":              handleHealth(),
		"/ready":               handleReady(s.readiness),
		"/metrics":             s.metrics.handler(),
		"/openapi.json":        handleOpenAPI(),
		"/docs":                handleDocs(),
		"/redoc":               handleRedoc(),
		"/redoc/redoc.js":      handleRedocBundle(),
		"/nernst":              handleNernst(),
		"/simulate":            handleSimulate(s.pool, s.metrics, s.tracer, s.hub),
		"/validate":            handleValidate(s.pool, s.metrics, s.tracer),
		"/federated/aggregate": handleAggregate(s.pool, s.memory, s.metrics, s.tracer),
		"/api/encrypt":         handleEncrypt(s.crypto),
		"/api/decrypt":         handleDecrypt(s.crypto),
		"/api/sign":            handleSign(s.crypto),
		"/api/verify":          handleVerify(s.crypto),
		"/api/keypair":         handleKeypair(s.crypto),
		"/api/derive":          handleDerive(s.crypto),
		"/ws/stream_features":  s.streams.ServeWS(stream.KindFeatures),
		"/ws/simulation_live":  s.streams.ServeWS(stream.KindSimulation),
		"/sse/stream_features": s.streams.ServeSSE(stream.KindFeatures),
		"/sse/simulation_live": s.streams.ServeSSE(stream.KindSimulation),
		"/ui":                  stream.UI(),
		"/health/connectors":   handleConnectorHealth(s.hub),
	}
	for _, rt := range routeTable {
		h, ok := handlers[rt.path]
		if !ok {
			panic("server: no handler for route " + rt.path)
		}
		mux.Handle(rt.method+" "+rt.path, h)
	}
	mux.Handle("/", handleFallback())
}

// handleFallback answers paths and methods no route takes: 405 with Allow for a known path,
// a 307 to the path without its trailing slash (as the reference does), else 404.
func handleFallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt := lookupRoute(r.URL.Path); rt != nil {
			allow := rt.method
			if rt.method == http.MethodGet {
				allow += ", HEAD"
			}
			writeError(w, r, &Error{Kind: KindMethodNotAllowed, Detail: "Method Not Allowed", Header: http.Header{"Allow": {allow}}})
			return
		}
		if trimmed := strings.TrimSuffix(r.URL.Path, "/"); trimmed != r.URL.Path && lookupRoute(trimmed) != nil {
			u := *r.URL
			u.Path = trimmed
			http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
			return
		}
		writeError(w, r, &Error{Kind: KindNotFound, Detail: "Not Found"})
	})
}
