#!/usr/bin/env bash
# Run inside the browser lock: flock /work/wt/browser.lock bash scripts/browser_settings_walk.sh
# Serves ims-h-wire with this worktree on port 8021, runs tests/browser/settings.test.mjs, restores.
set -u
WT=/work/wt/gstn-wire
SITE=ims-h-wire.localhost
PORT=8021
cleanup() {
	[ -n "${SERVE_PID:-}" ] && kill "$SERVE_PID" 2>/dev/null
	[ -n "${SB_PID:-}" ] && kill "$SB_PID" 2>/dev/null
	ln -sfn /work/main /opt/ims-bench/apps/ims_compliance
}
trap cleanup EXIT INT TERM
ln -sfn "$WT" /opt/ims-bench/apps/ims_compliance
# background children must not inherit flock's descriptor (3): a leftover child would hold the
# browser lock for everyone after this script ends
cd "$WT" && python3 -m ims_compliance.gstn.sandbox --port 8795 --state /tmp/gstn-wire-walk.json \
	--seed-gstin 29AAACI1234K1ZN --seed-records 20 >/tmp/gstn-wire-walk-sandbox.log 2>&1 3>&- &
SB_PID=$!
cd /opt/ims-bench
PYTHONPATH=$WT bench --site $SITE execute frappe.db.set_single_value --args '["IMS Settings", "base_url", "http://127.0.0.1:8795"]' >/dev/null
# no GSTN session for the walk's GSTIN: the button must ask for an OTP
PYTHONPATH=$WT bench --site $SITE execute frappe.db.delete --args '["__Auth", {"fieldname": "gstn_session_29AAACI1234K1ZN"}]' >/dev/null
PYTHONPATH=$WT bench --site $SITE execute frappe.cache.delete_value --args '["ims_gstn_session::29AAACI1234K1ZN"]' >/dev/null
PYTHONPATH=$WT bench --site $SITE execute frappe.db.commit >/dev/null
PYTHONPATH=$WT bench --site $SITE execute frappe.clear_cache >/dev/null
PYTHONPATH=$WT bench --site $SITE serve --port $PORT >/tmp/gstn-wire-serve.log 2>&1 3>&- &
SERVE_PID=$!
for _ in $(seq 1 60); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 1; done
cd "$WT" && mkdir -p benchmarks/out/screenshots && IMS_URL=http://$SITE:$PORT node tests/browser/settings.test.mjs
