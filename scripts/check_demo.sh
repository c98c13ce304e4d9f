#!/usr/bin/env bash
# Issue 9 and 17 acceptance on an ERPNext site of a bench: install the app (if needed), run
# `ims-demo` twice (the second run must create nothing), then, with `bench serve` + `bench worker`
# and NO socket.io, walk the page in headless Chromium: GSTN > Download from GSTN with the sandbox
# OTP (a wrong one first), and the page must refresh by itself when the download job is done
# (tests/browser/polling.test.mjs); reconcile (unless IMS Settings does it after the download),
# then the three tabs must show non-zero numbers (tests/browser/demo.test.mjs).
# Usage: scripts/check_demo.sh <site> [bench dir]   (web port: IMS_DEMO_PORT, default 8012; the
# sandbox's: IMS_SANDBOX_PORT, default 8765)
# It ends only the processes it started (their process groups, by pid).
set -euo pipefail
site="$1"
bench_dir="${2:-${IMS_BENCH:-/opt/ims-bench}}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${IMS_DEMO_PORT:-8012}"
sandbox_port="${IMS_SANDBOX_PORT:-8765}"
cd "$bench_dir"
fail() { echo "FAIL: $*"; exit 1; }
started=()
stop_started() {
	local pid
	for pid in "${started[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
	sleep 2
	for pid in "${started[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
}
trap stop_started EXIT
# start CMD...: in a session of its own, so its pid is its process group id (ended above)
start() {
	(exec setsid "$@" >>"$bench_dir/logs/ims-check-demo.log" 2>&1) &
	started+=("$!")
}

if ! bench --site "$site" list-apps 2>/dev/null | grep -q '^ims_compliance'; then
	bench --site "$site" install-app ims_compliance >/dev/null
fi
start_time=$(date +%s)
bench --site "$site" ims-demo --port "$sandbox_port" | tee /tmp/ims-demo-first.log
echo "first ims-demo: $(($(date +%s) - start_time)) s"
start_time=$(date +%s)
bench --site "$site" ims-demo --port "$sandbox_port" >/tmp/ims-demo-second.log
echo "second ims-demo: $(($(date +%s) - start_time)) s"
grep -q "nothing" /tmp/ims-demo-second.log || { cat /tmp/ims-demo-second.log; fail "the second ims-demo created something"; }
gstin="$(bench --site "$site" execute ims_compliance.services.demo.demo_gstin | tail -n 1 | tr -d '"')"
echo "demo GSTIN of $site: $gstin"

# bench build flushes Redis (every site's cache, GSTN sessions included): build before logging in
[ "${IMS_SKIP_BUILD:-0}" = 1 ] || bench build --app ims_compliance >/dev/null 2>&1 || true

# the walk logs in with the OTP itself (a wrong one first): start without a GSTN session
bench --site "$site" execute ims_compliance.services.demo.forget_gstn_session >/dev/null
bench --site "$site" execute frappe.db.commit >/dev/null
start bench serve --port "$port" --noreload
start bench worker --queue short,default,long
for _ in $(seq 1 60); do curl -sf -o /dev/null -H "Host: $site" "http://127.0.0.1:$port/login" && break; sleep 1; done
export IMS_URL="http://$site:$port" IMS_DEMO_GSTIN="$gstin"
export IMS_SCREENSHOTS="${IMS_SCREENSHOTS:-$repo/benchmarks/out/screenshots}"
export PLAYWRIGHT_CORE="${PLAYWRIGHT_CORE:-$repo/tests/browser/node_modules/playwright-core}"
node "$repo/tests/browser/polling.test.mjs" || fail "the walk without socket.io (tests/browser/polling.test.mjs) failed"

if [ "$(bench --site "$site" execute frappe.db.get_single_value --args "['IMS Settings', 'reconcile_after_download']" | tail -n 1)" != "1" ]; then
	period="$(date -d "$(date +%Y-%m-01) -1 month" +%m%Y)"
	bench --site "$site" execute ims_compliance.services.reconcile.reconcile --args "['$gstin', '$period']" >/dev/null
fi
node "$repo/tests/browser/demo.test.mjs"
