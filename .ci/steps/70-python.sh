#!/usr/bin/env bash
# The Python package (python/): install it offline into a venv (building libmfn with Go), then
# pytest: the goldens, the generator-state round trip, errors, threads, transfer, the examples,
# the notebooks (executed with nbclient) and the tutorials' runnable blocks. Debian's packages
# only; a failed install fails the step.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive CI=${CI:-true}

pkgs=(python3 python3-venv python3-pip python3-setuptools python3-wheel python3-numpy python3-pandas
  python3-pytest python3-matplotlib python3-sklearn python3-nbclient python3-nbformat python3-ipykernel gcc libc6-dev)
installed() {
  [ "$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -c '^install ok installed$')" -eq "${#pkgs[@]}" ]
}
if installed; then
  echo "70-python: Debian packages present"
else
  echo "70-python: installing ${pkgs[*]}"
  if ! { apt-get update && apt-get install -y --no-install-recommends "${pkgs[@]}"; } >/tmp/70-python-apt.log 2>&1; then
    cat /tmp/70-python-apt.log >&2
    echo "70-python: FAILED to install the Debian packages the Python tests need" >&2
    exit 1
  fi
fi

py=/usr/bin/python3 # Debian's, with python3-numpy (a pyenv shim on PATH may lack it)
venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
"$py" -m venv --system-site-packages "$venv"
"$venv/bin/pip" install --quiet --no-build-isolation --no-index ./python
echo "70-python: installed in $(( $(date +%s) - start )) s"

# From the repository root, so `import mfn` is the installed package, not python/mfn.
rc=0
"$venv/bin/python" -m pytest -q -p no:cacheprovider python/tests || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "70-python: pytest collected no tests" >&2
  exit 1
fi
echo "70-python: done in $(( $(date +%s) - start )) s (pytest exit $rc)"
exit "$rc"
