#!/bin/bash
# The browser walks against ims-h-integrity.localhost on the shared bench, inside the browser lock
# (see /work/wt/BENCH.md): flock /work/wt/browser.lock bash scripts/browser_walk_integrity.sh
set -u
me=/work/wt/integrity
site=ims-h-integrity.localhost
port=8022
export PYTHONPATH=$me IMS_SITE=$site IMS_URL=http://$site:$port IMS_SCREENSHOTS=/tmp/integ/shots
restore() {
	[ -n "${serve_pid:-}" ] && kill -- "-$serve_pid" 2>/dev/null  # its process group (setsid): the server and its reloader
	ln -sfn /work/main /opt/ims-bench/apps/ims_compliance
}
trap restore EXIT
ln -sfn $me /opt/ims-bench/apps/ims_compliance
mkdir -p $me/ims_compliance/public/dist && chown -R frappe $me/ims_compliance/public/dist
cd /opt/ims-bench && bench build --app ims_compliance > /tmp/integ/build.log 2>&1 || { echo build failed; tail -20 /tmp/integ/build.log; exit 1; }
setsid bench serve --port $port > /tmp/integ/serve.log 2>&1 &
serve_pid=$!
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$port/login" -H "Host: $site" && break; sleep 1; done
cd $me/tests/browser
node xss.test.mjs; a=$?
node page.test.mjs; b=$?
exit $((a || b))
