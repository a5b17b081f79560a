package server

import (
	"path/filepath"
	"testing"
)

// The answers this branch adds (docs/adr/0022) match the contract.
func TestHardeningResponsesMatchContract(t *testing.T) {
	doc := loadContract(t)
	dev, _ := testApp(t, map[string]string{"MFN_AGGREGATE_MAX_BYTES": "1048576", "MFN_AGGREGATE_MEMORY": "1048576"})
	env := withStaging(map[string]string{"MFN_AUTH_FAILURE_BURST": "1",
		"MFN_CRYPTO_KEY_FILE": filepath.Join(t.TempDir(), "keys.json"), "MFN_CRYPTO_MAX_KEYS_PER_API_KEY": "1"})
	env["MFN_CRYPTO_ENABLED"] = "true"
	keyed, _ := testApp(t, env)
	for _, c := range []contractCase{
		{"POST", "/federated/aggregate", gradientsBody(1000, 4, `,"num_clusters":1`), nil, 422},
		{"POST", "/federated/aggregate", `{"gradients":[[]]}`, nil, 422},
		{"POST", "/nernst", `{"concentration_out_molar":1e308,"concentration_in_molar":1e-9}`, nil, 422},
		{"POST", "/api/keypair", `{"key_id":"\ud800"}`, nil, 422},
	} {
		checkAgainstContract(t, doc, dev.Handler(), c)
	}
	for _, c := range []contractCase{
		{"POST", "/api/keypair", `{}`, []string{"X-API-Key", "k-one"}, 200},
		{"POST", "/api/keypair", `{}`, []string{"X-API-Key", "k-one"}, 403},
		{"POST", "/nernst", `{}`, []string{"X-API-Key", "wrong"}, 401},
		{"POST", "/nernst", `{}`, []string{"X-API-Key", "wrong"}, 429},
	} {
		checkAgainstContract(t, doc, keyed.Handler(), c)
	}
}
