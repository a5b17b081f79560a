#!/usr/bin/env bash
# Helm from the Go module proxy (a cold build takes minutes), then lint the chart with every
# values file. The Go tests in deploy/ (step 20) render it with `helm template` and check the
# objects; with CI=true they fail when helm is missing.
set -euo pipefail
gobin=$(go env GOPATH)/bin
if ! "$gobin/helm" version --short 2>/dev/null | grep -q '^v3.22.0'; then
  go install helm.sh/helm/v3/cmd/helm@v3.22.0
fi
"$gobin/helm" version --short
for values in "" deploy/helm/ci/*.yaml; do
  "$gobin/helm" lint --strict deploy/helm/mfn ${values:+-f "$values"}
  "$gobin/helm" template mfn deploy/helm/mfn ${values:+-f "$values"} >/dev/null
done
