package stream

import (
	_ "embed"
	"net/http"
)

//go:embed ui.html
var uiPage []byte

// UI is the handler of /ui: a self-contained page (no external resources) that runs a
// simulation_live stream over WebSocket and paints it.
func UI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'")
		_, _ = w.Write(uiPage)
	})
}
