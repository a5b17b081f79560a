package server

import (
	"net/url"
	"strconv"
	"strings"
)

// checkTracingEnv validates the OTEL_* variables the OpenTelemetry SDK itself reads
// (OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG): the SDK ignores a
// bad value with a log line, so a typo would silently change what is exported (every span
// instead of a tenth, a missing deployment.environment); here it stops the start with a
// message naming the variable. It returns service.name from OTEL_RESOURCE_ATTRIBUTES, which
// names the service when OTEL_SERVICE_NAME is unset (the OpenTelemetry specification's order).
func checkTracingEnv(getenv func(string) string, p *problems) (serviceFromAttrs string) {
	if attrs := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); attrs != "" {
		for pair := range strings.SplitSeq(attrs, ",") {
			k, v, ok := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			if !ok || k == "" {
				p.addf("OTEL_RESOURCE_ATTRIBUTES: %q is not key=value (a comma-separated list of key=value, values percent-encoded)", pair)
				continue
			}
			dv, err := url.PathUnescape(strings.TrimSpace(v))
			if err != nil {
				p.addf("OTEL_RESOURCE_ATTRIBUTES: %s=%q: %v (percent-encode ',', '=' and '%%' in values)", k, v, err)
				continue
			}
			if k == "service.name" {
				serviceFromAttrs = dv
			}
		}
	}
	sampler := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
	switch sampler {
	case "", "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
	case "traceidratio", "parentbased_traceidratio":
		if arg == "" {
			break // the SDK's default ratio, 1.0
		}
		if r, err := strconv.ParseFloat(arg, 64); err != nil || r < 0 || r > 1 {
			p.addf("OTEL_TRACES_SAMPLER_ARG=%q: must be a ratio in [0, 1] for OTEL_TRACES_SAMPLER=%s", arg, sampler)
		}
	default:
		p.addf("OTEL_TRACES_SAMPLER=%q: must be always_on, always_off, traceidratio, parentbased_always_on, "+
			"parentbased_always_off or parentbased_traceidratio", sampler)
	}
	return serviceFromAttrs
}
