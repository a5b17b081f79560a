package server

import (
	"strings"
	"testing"
)

// TestTracingEnvChecked: the OTEL_* variables the SDK reads itself are validated at start-up
// (the SDK would ignore a bad value and export something else), and service.name in
// OTEL_RESOURCE_ATTRIBUTES names the service when OTEL_SERVICE_NAME is unset.
func TestTracingEnvChecked(t *testing.T) {
	load := func(env map[string]string) (Config, error) {
		return LoadConfig(func(k string) string { return env[k] })
	}
	for _, c := range []struct {
		env  map[string]string
		want string // "" for no error, else a part of the message
	}{
		{map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"}, ""},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio"}, ""},
		{map[string]string{"OTEL_TRACES_SAMPLER": "ratio"}, `OTEL_TRACES_SAMPLER="ratio"`},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "10%"}, `OTEL_TRACES_SAMPLER_ARG="10%"`},
		{map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, "[0, 1]"},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=prod,service.namespace=mfn"}, ""},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment"}, `OTEL_RESOURCE_ATTRIBUTES: "deployment.environment" is not key=value`},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "team=a%zz"}, "OTEL_RESOURCE_ATTRIBUTES: team="},
	} {
		_, err := load(c.env)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v", c.env, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one containing %q", c.env, err, c.want)
		}
	}
	cfg, err := load(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=mfn-eu,deployment.environment=prod"})
	if err != nil || cfg.Tracing.ServiceName != "mfn-eu" {
		t.Errorf("service.name from OTEL_RESOURCE_ATTRIBUTES: %q, %v", cfg.Tracing.ServiceName, err)
	}
	cfg, _ = load(map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=mfn-eu", "OTEL_SERVICE_NAME": "mfn-api"})
	if cfg.Tracing.ServiceName != "mfn-api" {
		t.Errorf("OTEL_SERVICE_NAME comes first: %q", cfg.Tracing.ServiceName)
	}
	for env, want := range map[string]string{"": "mfn-worker", "service.name=w1": "w1"} {
		c, err := TracingFromEnv(func(k string) string {
			return map[string]string{"OTEL_RESOURCE_ATTRIBUTES": env}[k]
		}, "mfn-worker")
		if err != nil || c.ServiceName != want {
			t.Errorf("worker with OTEL_RESOURCE_ATTRIBUTES=%q: service %q (%v), want %q", env, c.ServiceName, err, want)
		}
	}
}
