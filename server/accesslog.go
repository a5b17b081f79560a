package server

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// AccessLogMode selects which exchanges the access log records (MFN_ACCESS_LOG). A busy site
// does not need a line per successful health check: at 30 000 req/s "all" writes ~2 MB/s.
type AccessLogMode struct {
	// Kind is "all" (every exchange), "errors" (status >= 400 only) or "sampled".
	Kind string
	// Every: with "sampled", one successful exchange in Every is logged; errors always are.
	Every uint64
}

// maxAccessLogSample bounds N in sampled:N.
const maxAccessLogSample = 1_000_000

// parseAccessLog reads MFN_ACCESS_LOG: all (default), errors, or sampled:N with N in
// 1..1 000 000.
func parseAccessLog(p *problems, v string) AccessLogMode {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "" || v == "all":
		return AccessLogMode{Kind: "all"}
	case v == "errors":
		return AccessLogMode{Kind: "errors"}
	case strings.HasPrefix(v, "sampled:"):
		n, err := strconv.ParseUint(strings.TrimPrefix(v, "sampled:"), 10, 64)
		if err == nil && n >= 1 && n <= maxAccessLogSample {
			return AccessLogMode{Kind: "sampled", Every: n}
		}
	}
	p.addf("MFN_ACCESS_LOG=%q: must be all, errors or sampled:N with N in 1..%d", v, maxAccessLogSample)
	return AccessLogMode{Kind: "all"}
}

func (m AccessLogMode) String() string {
	if m.Kind == "sampled" {
		return fmt.Sprintf("sampled:%d", m.Every)
	}
	if m.Kind == "" {
		return "all"
	}
	return m.Kind
}

// accessSampler decides, per exchange, whether the access log writes a line. Errors (status
// >= 400) are always written; "sampled" keeps one success in Every, counted across
// goroutines, so the log's volume is predictable.
type accessSampler struct {
	mode AccessLogMode
	n    atomic.Uint64
}

func (s *accessSampler) keep(status int) bool {
	switch {
	case status >= 400 || s.mode.Kind == "all" || s.mode.Kind == "":
		return true
	case s.mode.Kind == "errors":
		return false
	}
	return s.n.Add(1)%s.mode.Every == 1%s.mode.Every
}
