package server

import (
	"math"

	"github.com/prometheus/client_golang/prometheus"
)

// keyCollector exports when each API key expires (+Inf: never), so that an alert can fire
// before the last valid key runs out (deploy/prometheus/mfn-alerts.yaml, MFNAPIKeysExpiring).
// Keys are labelled by fingerprint and the file's id label, never by the key.
type keyCollector struct {
	keys *APIKeys
	desc *prometheus.Desc
}

func newKeyCollector(k *APIKeys) *keyCollector {
	return &keyCollector{keys: k, desc: prometheus.NewDesc("mfn_api_key_expiry_timestamp_seconds",
		"When each API key expires, as a Unix time (+Inf: no expiry)", []string{"key", "id"}, nil)}
}

func (c *keyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *keyCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.keys.set.Load()
	for i, e := range s.entries {
		v := math.Inf(1)
		if !e.Expires.IsZero() {
			v = float64(e.Expires.Unix())
		}
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, v, s.ids[i], e.ID)
	}
}
