#!/bin/sh
# `make audit`: check requirements.lock against a public vulnerability database with pip-audit.
# Build machines may reach no vulnerability database (only the package registries): then this
# says so plainly and quickly instead of hanging or pretending the check passed.
#   AUDIT_STRICT=1   exit 2 when no database is reachable (CI that must audit)
#   AUDIT_TIMEOUT=n  seconds per network attempt (default 8)
set -u
VENV=.venv-audit
TIMEOUT=${AUDIT_TIMEOUT:-8}
PY=${PYTHON:-python3}

if [ ! -x "$VENV/bin/pip-audit" ]; then
    "$PY" -m venv "$VENV" >/dev/null 2>&1 || { echo "audit: cannot create $VENV"; exit 2; }
    if ! timeout 300 "$VENV/bin/pip" install -q --timeout "$TIMEOUT" \
            -r tools/audit-requirements.lock >/dev/null 2>&1; then
        echo "audit: NOT RUN. pip-audit could not be installed (no package index reachable)."
        [ "${AUDIT_STRICT:-0}" = 1 ] && exit 2
        exit 0
    fi
fi

# Which database answers? PyPI's JSON API carries PyPA advisories; OSV is the wider one.
reachable() {
    timeout "$((TIMEOUT + 2))" "$VENV/bin/python" - "$1" "$TIMEOUT" <<'PY' >/dev/null 2>&1
import json, sys, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
if "osv" in url:
    request = urllib.request.Request(url, data=json.dumps(
        {"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "3.1.3"}).encode(),
        headers={"Content-Type": "application/json"})
else:
    request = urllib.request.Request(url)
with urllib.request.urlopen(request, timeout=timeout) as response:
    data = json.load(response)
sys.exit(0 if ("vulnerabilities" in data or "vulns" in data or data == {}) else 1)
PY
}

services=""
reachable "https://api.osv.dev/v1/query" && services="$services osv"
reachable "https://pypi.org/pypi/flask/3.1.3/json" && services="$services pypi"

if [ -z "$services" ]; then
    echo "audit: NOT RUN. No vulnerability database is reachable from this machine"
    echo "audit: (tried api.osv.dev and pypi.org's JSON API, ${TIMEOUT}s each)."
    echo "audit: requirements.lock has NOT been checked for known vulnerabilities."
    [ "${AUDIT_STRICT:-0}" = 1 ] && exit 2
    exit 0
fi

status=0
for service in $services; do
    echo "audit: checking requirements.lock against $service"
    timeout 600 "$VENV/bin/pip-audit" -r requirements.lock --no-deps --disable-pip \
        -s "$service" --timeout "$TIMEOUT" --progress-spinner off || status=$?
done
exit $status
