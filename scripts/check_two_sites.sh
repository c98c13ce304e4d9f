#!/usr/bin/env bash
# Issue 17 acceptance: two sites of one bench run `ims-demo` against the same sandbox; each gets
# its own demo GSTIN (from its site name), so removing one site's demo leaves the other's sandbox
# records. Usage: scripts/check_two_sites.sh <site A> <site B> [bench dir]
# Env: IMS_SANDBOX_PORT (default 8795: its own sandbox, not the usual 8765), IMS_DEMO_SIZE (30).
# A sandbox this script's ims-demo started is stopped at the end (by the pid ims-demo printed).
set -euo pipefail
site_a="$1"
site_b="$2"
bench_dir="${3:-${IMS_BENCH:-/opt/ims-bench}}"
port="${IMS_SANDBOX_PORT:-8795}"
size="${IMS_DEMO_SIZE:-30}"
url="http://127.0.0.1:$port"
cd "$bench_dir"
fail() { echo "FAIL: $*"; exit 1; }
sandbox_pid=""
trap '[ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null || true' EXIT

# records the sandbox holds for a GSTIN, over every IMS section
count() {
	"$bench_dir/env/bin/python" - "$url" "$1" <<'PY'
import sys, requests
from ims_compliance.core.sections import DOWNLOAD_SECTIONS
url, gstin = sys.argv[1], sys.argv[2]
print(sum(len(requests.get(f"{url}/sandbox/records", params={"gstin": gstin, "section": s}, timeout=30).json()) for s in DOWNLOAD_SECTIONS))
PY
}

for site in "$site_a" "$site_b"; do
	if ! bench --site "$site" list-apps 2>/dev/null | grep -q '^ims_compliance'; then
		bench --site "$site" install-app ims_compliance >/dev/null
	fi
	bench --site "$site" ims-demo --size "$size" --port "$port" | tee "/tmp/ims-two-sites-$site.log"
	pid="$(grep -oE 'Started the GSTN sandbox on [^ ]+ \(process [0-9]+' "/tmp/ims-two-sites-$site.log" | grep -oE '[0-9]+$' || true)"
	[ -n "$pid" ] && sandbox_pid="$pid"
done
gstin_a="$(bench --site "$site_a" execute ims_compliance.services.demo.demo_gstin | tail -n 1 | tr -d '"')"
gstin_b="$(bench --site "$site_b" execute ims_compliance.services.demo.demo_gstin | tail -n 1 | tr -d '"')"
echo "demo GSTINs: $site_a $gstin_a, $site_b $gstin_b"
[ "$gstin_a" != "$gstin_b" ] || fail "both sites have the demo GSTIN $gstin_a"
a_before="$(count "$gstin_a")"
b_before="$(count "$gstin_b")"
echo "sandbox records before removal: $site_a $a_before, $site_b $b_before"
[ "$a_before" -gt 0 ] && [ "$b_before" -gt 0 ] || fail "a demo seeded no sandbox records"

bench --site "$site_a" ims-demo --remove --port "$port"
a_after="$(count "$gstin_a")"
b_after="$(count "$gstin_b")"
echo "sandbox records after removing $site_a's demo: $site_a $a_after, $site_b $b_after"
[ "$a_after" -eq 0 ] || fail "$site_a's records are still in the sandbox"
[ "$b_after" -eq "$b_before" ] || fail "removing $site_a's demo touched $site_b's sandbox records ($b_before -> $b_after)"
echo "two sites OK: removing one site's demo left the other's $b_after sandbox records"
