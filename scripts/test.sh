#!/usr/bin/env bash
# The one test command (README, and CI through .ci/run).
#
#   pure tier     always: pytest over tests/ (no Frappe).
#   bench tier    when a Frappe bench is at $IMS_BENCH (default /opt/ims-bench): migrate the test
#                 site $IMS_TEST_SITE (default ims-test.localhost) and run Frappe's test runner
#                 for ims_compliance, both importing THIS checkout.
#   browser tier  when asked (IMS_BROWSER=1): the page walked in headless Chromium (see below).
#
# How the bench tier tests this checkout whatever the bench's apps/ims_compliance is (a folder
# from `bench get-app`, a symlink to another checkout, or missing): it never touches that folder.
# Frappe runs from the bench's own Python with PYTHONPATH=<this checkout>, which Python searches
# before the bench's (editable) install, so `import ims_compliance`, frappe.get_app_path(), the
# DocType JSON migrate syncs, patches.txt and the tests run-tests finds all come from here. The
# folder's fingerprint (a checksum listing) is taken before and compared after: a change fails
# the run. Only the browser tier must build this checkout's JS into the bench's assets, which
# reads apps/ims_compliance: it does so under the bench's browser lock and puts the folder back
# exactly (see browser_tier).
#
# Env: IMS_BENCH, IMS_TEST_SITE; IMS_CREATE_SITE=1 creates the test site when missing (MariaDB
# root password from IMS_DB_ROOT_PASSWORD or the bench's common_site_config root_password; the
# Administrator password from IMS_ADMIN_PASSWORD, default "admin"; never on a command line);
# IMS_REQUIRE_BENCH=1 makes a missing bench or site a failure instead of a printed skip (CI
# on a machine that has the bench); IMS_BROWSER=1 adds the browser tier (a failure when chromium
# or node is missing); PYTHON (default python3) for the pure tier. To run a part only:
# IMS_PURE_ARGS (pytest arguments, default "tests"), IMS_BENCH_MODULE (one bench test module).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${IMS_BENCH:-/opt/ims-bench}"
test_site="${IMS_TEST_SITE:-ims-test.localhost}"
python_bin="${PYTHON:-python3}"
app=ims_compliance
cd "$repo" || exit 2

declare -A tier_status tier_note
failures=0
total_passed=0
total_failed=0
started_pids=()  # process groups this script started (bench serve, bench worker): ended by PID
cleanups=()

note() { printf '%s\n' "$*"; }
tier() { # tier NAME STATUS NOTE  (STATUS: passed | failed | skipped)
	tier_status[$1]=$2
	tier_note[$1]=$3
	[ "$2" = failed ] && failures=$((failures + 1))
	return 0
}
cleanup() {
	local pid i
	for pid in "${started_pids[@]}"; do
		# each was started with setsid: its process group id is its pid, so this ends it and
		# its children (gunicorn/werkzeug reloader, RQ work horses) and nothing else
		kill -TERM -- "-$pid" 2>/dev/null || true
	done
	for pid in "${started_pids[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
		kill -KILL -- "-$pid" 2>/dev/null || true
	done
	started_pids=()
	for ((i = ${#cleanups[@]} - 1; i >= 0; i--)); do eval "${cleanups[$i]}" || true; done
	cleanups=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- pure tier ----------------------------------------------------------------------------------
note "== pure tier (pytest, no Frappe) =="
if ! "$python_bin" -c "import pandas, openpyxl, python_calamine, rapidfuzz, cryptography, werkzeug, pytest, hypothesis" 2>/dev/null; then
	"$python_bin" -m pip install -q -r requirements-dev.txt || true
fi
pure_log="$(mktemp)"
cleanups+=("rm -f '$pure_log'")
# shellcheck disable=SC2086  # IMS_PURE_ARGS: pytest arguments, split on spaces (default: tests)
"$python_bin" -m pytest ${IMS_PURE_ARGS:-tests} 2>&1 | tee "$pure_log"
pure_exit=${PIPESTATUS[0]}
pure_summary="$(grep -E '[0-9]+ (passed|failed|errors?)( |,|$)' "$pure_log" | tail -n 1 | tr -d '=' | xargs)"
pure_passed="$(grep -oE '[0-9]+ passed' <<<"$pure_summary" | grep -oE '[0-9]+' || echo 0)"
pure_failed="$(grep -oE '[0-9]+ (failed|errors?)' <<<"$pure_summary" | grep -oE '^[0-9]+' | paste -sd+ | bc 2>/dev/null)"
pure_failed=${pure_failed:-0}
if [ "$pure_exit" -eq 5 ] || [ "${pure_passed:-0}" -eq 0 ]; then
	tier pure failed "0 tests ran (pytest exit $pure_exit): nothing was tested"
	pure_failed=$((pure_failed > 0 ? pure_failed : 1))
elif [ "$pure_exit" -ne 0 ]; then
	tier pure failed "$pure_summary (pytest exit $pure_exit)"
	pure_failed=$((pure_failed > 0 ? pure_failed : 1))
else
	tier pure passed "$pure_summary"
fi
total_passed=$((total_passed + pure_passed))
total_failed=$((total_failed + pure_failed))

# --- the bench: who runs Frappe, from where -------------------------------------------------
bench_python="$bench_dir/env/bin/python"
sites="$bench_dir/sites"
app_dir="$bench_dir/apps/$app"
bench_user=""
src="$repo" # what PYTHONPATH points at: this checkout, or a readable copy of it

# Run a frappe CLI command (what `bench --site S <cmd>` runs) as the bench's user, from its sites
# folder, with this checkout first on the import path. Secrets go through the environment of
# this call only (never argv): see create_site.
frappe_cli() {
	local cmd=(env "PYTHONPATH=$src" "$bench_python" -m frappe.utils.bench_helper frappe "$@")
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		(cd "$sites" && runuser -u "$bench_user" -- "${cmd[@]}")
	else
		(cd "$sites" && "${cmd[@]}")
	fi
}
frappe_py() { # frappe_py SITE CODE: run Python with frappe connected to SITE; prints its output
	local code="import frappe; frappe.init(site='$1', sites_path='.'); frappe.connect()
$2"
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		(cd "$sites" && runuser -u "$bench_user" -- env "PYTHONPATH=$src" "$bench_python" -c "$code")
	else
		(cd "$sites" && env "PYTHONPATH=$src" "$bench_python" -c "$code")
	fi
}

# The app folder as it is now: kind, target or a checksum of every file with its mode and owner.
fingerprint() {
	if [ -L "$app_dir" ]; then
		printf 'symlink -> %s\n' "$(readlink "$app_dir")"
	elif [ -d "$app_dir" ]; then
		printf 'directory\n'
		(cd "$app_dir" && find . -printf '%y %m %u:%g %p -> %l\n' | LC_ALL=C sort &&
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
	elif [ -e "$app_dir" ]; then
		printf 'other\n'
	else
		printf 'missing\n'
	fi
}

create_site() {
	local root_pw="${IMS_DB_ROOT_PASSWORD:-}"
	if [ -z "$root_pw" ]; then
		root_pw="$("$bench_python" -c "import json,sys; print(json.load(open(sys.argv[1])).get('root_password') or '')" "$sites/common_site_config.json" 2>/dev/null)"
	fi
	if [ -z "$root_pw" ]; then
		note "cannot create $test_site: no MariaDB root password (set IMS_DB_ROOT_PASSWORD)"
		return 1
	fi
	note "-- creating test site $test_site (frappe, erpnext)"
	# new-site asks for the passwords it was not given: answer through getpass, from this
	# call's environment, so neither password is ever on a command line (ps shows argv)
	local code="import getpass, os, sys
answers = {'root': os.environ['IMS_ROOT_PW'], 'admin': os.environ['IMS_ADMIN_PW']}
getpass.getpass = lambda prompt='', stream=None: answers['root' if 'root' in prompt.lower() or 'mysql' in prompt.lower() or 'mariadb' in prompt.lower() else 'admin']
sys.argv = ['frappe', 'new-site', '$test_site', '--install-app', 'erpnext']
from frappe.utils.bench_helper import main
main()"
	local run=(env "PYTHONPATH=$src" "IMS_ROOT_PW=$root_pw" "IMS_ADMIN_PW=${IMS_ADMIN_PASSWORD:-admin}" "$bench_python" -c "$code")
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		(cd "$sites" && runuser -u "$bench_user" -- "${run[@]}" </dev/null)
	else
		(cd "$sites" && "${run[@]}" </dev/null)
	fi || return 1
	frappe_cli --site "$test_site" set-config allow_tests true >/dev/null
}

bench_tier() {
	if [ ! -d "$bench_dir/apps/frappe" ] || [ ! -d "$bench_dir/apps/erpnext" ] || [ ! -x "$bench_python" ]; then
		local why="no Frappe bench with ERPNext at $bench_dir (set IMS_BENCH)"
		if [ "${IMS_REQUIRE_BENCH:-0}" = 1 ]; then tier bench failed "$why; IMS_REQUIRE_BENCH=1"; else tier bench skipped "$why"; fi
		return
	fi
	bench_user="$(stat -c %U "$sites")"
	note
	note "== bench tier ($bench_dir, site $test_site, user $bench_user) =="
	ensure_services || { tier bench failed "MariaDB or Redis is down and could not be started (see above)"; return; }
	# Frappe runs as the bench's user: it must read this checkout. A root-owned CI clone may be
	# unreadable to it: copy the checkout into a private temporary folder it can read (removed at
	# the end) and import from there instead.
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ] && ! runuser -u "$bench_user" -- test -r "$repo/$app/hooks.py" 2>/dev/null; then
		local tmp
		tmp="$(mktemp -d "$bench_dir/.ims-test-src.XXXXXX")"
		cleanups+=("rm -rf '$tmp'")
		cp -a "$repo/." "$tmp/"
		rm -rf "$tmp/.git" "$tmp/tests/browser/node_modules"
		chown -R "$bench_user": "$tmp"
		src="$tmp"
		note "-- $repo is not readable by $bench_user: testing a copy in $tmp"
	fi
	local before
	before="$(fingerprint)"
	note "-- apps/$app before: $(head -n 1 <<<"$before") ($(wc -l <<<"$before") fingerprint lines); left untouched"

	# Which code will Frappe run? It must be this checkout, whatever the bench's folder is.
	local resolved
	resolved="$(cd "$sites" && frappe_py_path)"
	if [ "$resolved" != "$src/$app" ]; then
		tier bench failed "frappe.get_app_path('$app') is '$resolved', not this checkout ($src/$app)"
		return
	fi
	note "-- frappe.get_app_path('$app') = $resolved"

	if [ ! -f "$sites/$test_site/site_config.json" ]; then
		if [ "${IMS_CREATE_SITE:-0}" = 1 ]; then
			create_site || { tier bench failed "could not create test site $test_site"; return; }
		else
			local why="no test site $test_site on $bench_dir (create one, or IMS_CREATE_SITE=1 to let this script do it)"
			if [ "${IMS_REQUIRE_BENCH:-0}" = 1 ]; then tier bench failed "$why"; else tier bench skipped "$why"; fi
			return
		fi
	fi
	# the app's Python requirements in the bench's env (bench get-app would have installed them)
	if ! "$bench_python" -c "import python_calamine" 2>/dev/null; then
		note "-- installing requirements.txt into the bench's env"
		run_as_bench "$bench_dir/env/bin/pip" install -q -r "$src/requirements.txt" >/dev/null 2>&1 || true
	fi
	local allow
	allow="$("$bench_python" -c "import json,sys; print(int(bool(json.load(open(sys.argv[1])).get('allow_tests'))))" "$sites/$test_site/site_config.json" 2>/dev/null)"
	if [ "$allow" != 1 ]; then
		note "-- $test_site has no allow_tests: setting it (run-tests needs it)"
		frappe_cli --site "$test_site" set-config allow_tests true >/dev/null || { tier bench failed "cannot set allow_tests on $test_site"; return; }
	fi
	local installed
	installed="$(frappe_py "$test_site" "print('$app' in frappe.get_installed_apps())" 2>/dev/null | tail -n 1)"
	if [ "$installed" != True ]; then
		note "-- $app is not installed on $test_site: installing it"
		frappe_cli --site "$test_site" install-app "$app" || { tier bench failed "install-app $app on $test_site failed"; return; }
	fi

	local log
	log="$(mktemp)"
	cleanups+=("rm -f '$log' '$log.migrate'")
	note "-- migrate $test_site"
	if ! frappe_cli --site "$test_site" migrate --skip-search-index >"$log.migrate" 2>&1; then
		tail -n 40 "$log.migrate"
		tier bench failed "migrate of $test_site failed"
		after_check "$before"
		return
	fi
	local select=(--app "$app")
	[ -n "${IMS_BENCH_MODULE:-}" ] && select=(--module "$IMS_BENCH_MODULE")
	note "-- run-tests ${select[*]}"
	frappe_cli --site "$test_site" run-tests "${select[@]}" 2>&1 | tee "$log"
	local exit_code=${PIPESTATUS[0]}
	local ran failed
	ran="$(grep -oE '^Ran [0-9]+ tests?' "$log" | tail -n 1 | grep -oE '[0-9]+')"
	ran=${ran:-0}
	failed="$(grep -oE '^FAILED \(.*\)' "$log" | tail -n 1 | grep -oE '(failures|errors)=[0-9]+' | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null)"
	failed=${failed:-0}
	if [ "$ran" -eq 0 ]; then
		tier bench failed "0 tests ran (run-tests exit $exit_code): nothing was tested"
		failed=1
	elif [ "$failed" -gt 0 ] || [ "$exit_code" -ne 0 ] || ! grep -qE '^OK( \(|$)' "$log"; then
		# the runner's own summary is trusted too: bench has not always passed its exit code on
		[ "$failed" -gt 0 ] || failed=1
		tier bench failed "ran $ran, failed $failed (exit $exit_code)"
	else
		tier bench passed "ran $ran, all passed"
	fi
	total_passed=$((total_passed + (ran - failed > 0 ? ran - failed : 0)))
	total_failed=$((total_failed + failed))
	after_check "$before"
	if [ "${IMS_BROWSER:-0}" = 1 ]; then
		if [ "${tier_status[bench]}" = passed ]; then browser_tier "$before"; else tier browser skipped "the bench tier failed"; fi
	fi
	return 0
}

# MariaDB and Redis are machine services. A server restarted from a working session (to load a
# config change, say) ends with that session, so the next run may find the port closed: start it
# again, as the machine does, rather than fail the tier on a connection refused. Only root can,
# and only a server that is down is started; one that answers is never touched.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
ensure_services() {
	local host="127.0.0.1" ok=0
	if ! port_open "$host" 3306; then
		note "-- MariaDB does not answer on $host:3306"
		if [ "$(id -u)" -eq 0 ] && [ -x /usr/sbin/mariadbd ]; then
			note "-- starting MariaDB (start-stop-daemon --exec /usr/sbin/mariadbd)"
			start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
			for _ in $(seq 1 120); do port_open "$host" 3306 && break; sleep 0.5; done
		fi
		port_open "$host" 3306 || { note "-- MariaDB is still down"; ok=1; }
	fi
	if ! port_open "$host" 6379; then
		note "-- Redis does not answer on $host:6379"
		if [ "$(id -u)" -eq 0 ] && command -v redis-server >/dev/null; then
			note "-- starting Redis"
			redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
			for _ in $(seq 1 40); do port_open "$host" 6379 && break; sleep 0.25; done
		fi
		port_open "$host" 6379 || { note "-- Redis is still down"; ok=1; }
	fi
	return "$ok"
}

# frappe.get_app_path as the bench's Python sees it with this checkout on PYTHONPATH (no site).
frappe_py_path() {
	local code="import frappe; print(frappe.get_app_path('$app'))"
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		runuser -u "$bench_user" -- env "PYTHONPATH=$src" "$bench_python" -c "$code" 2>/dev/null
	else
		env "PYTHONPATH=$src" "$bench_python" -c "$code" 2>/dev/null
	fi
}

after_check() { # the bench's app folder must be exactly as it was
	local after
	after="$(fingerprint)"
	if [ "$after" = "$1" ]; then
		note "-- apps/$app after: unchanged ($(head -n 1 <<<"$after"), $(wc -l <<<"$after") fingerprint lines identical)"
	else
		diff <(echo "$1") <(echo "$after") | head -n 20
		tier appfolder failed "apps/$app changed during the run"
	fi
}

# --- browser tier -------------------------------------------------------------------------------
# The page walked in headless Chromium against the test site. The JS bundle must be this
# checkout's, and `bench build` reads apps/ims_compliance: so, under the bench's browser lock
# ($IMS_BROWSER_LOCK, default <bench>/.ims-browser.lock; "none" when the caller already holds it), the folder is moved aside, a link
# to this checkout takes its place, the bundle is built and walked, then the link is removed, the
# folder moved back and the asset manifest restored. The fingerprint proves it came back byte for
# byte.
# (The walk without socket.io, where the page must refresh after a download by polling, needs the
# demo's sandbox and GSTIN: scripts/check_demo.sh runs it.)
browser_tier() {
	local before="$1"
	note
	note "== browser tier (headless chromium, $test_site) =="
	local chromium="${CHROMIUM:-/usr/bin/chromium}"
	if [ ! -x "$chromium" ] || ! command -v node >/dev/null; then
		tier browser failed "IMS_BROWSER=1 but no chromium at $chromium or no node: install them (apt-get install chromium nodejs) or unset IMS_BROWSER"
		return
	fi
	if [ ! -d "$repo/tests/browser/node_modules/playwright-core" ]; then
		(cd "$repo/tests/browser" && npm install --no-audit --no-fund >/dev/null 2>&1) ||
			{ tier browser failed "npm install in tests/browser failed (playwright-core)"; return; }
	fi
	local lock="${IMS_BROWSER_LOCK:-$bench_dir/.ims-browser.lock}"
	if [ "$lock" != none ]; then # none: the caller holds it (flock <lock> bash scripts/test.sh)
		exec 9>>"$lock"
		note "-- waiting for the browser lock $lock"
		flock 9
		cleanups+=("flock -u 9")
	fi
	local aside="" saved
	saved="$(mktemp -d)"
	cleanups+=("rm -rf '$saved'")
	cp -a "$sites/assets/assets.json" "$sites/assets/assets-rtl.json" "$saved/" 2>/dev/null || true
	if [ "$src" != "$(readlink -f "$app_dir" 2>/dev/null)" ]; then
		if [ -e "$app_dir" ] || [ -L "$app_dir" ]; then
			aside="$bench_dir/apps/.$app.aside.$$"
			mv -T "$app_dir" "$aside"
		fi
		ln -s "$src" "$app_dir"
		# back the way it was, whatever happens from here on (cleanup runs these in reverse)
		cleanups+=("restore_app_folder '$aside' '$before' '$saved'")
	fi
	# the build writes this checkout's bundle into its public/dist (gitignored), as the bench user
	mkdir -p "$src/$app/public/dist"
	[ "$(id -u)" -eq 0 ] && chown -R "$bench_user" "$src/$app/public/dist"
	note "-- bench build --app $app (this checkout's bundle)"
	(cd "$bench_dir" && run_as_bench bench build --app "$app") >/dev/null 2>&1 ||
		{ tier browser failed "bench build of this checkout's bundle failed"; return; }
	local port="${IMS_BROWSER_PORT:-8011}" b_passed=0 b_failed=0 out
	out="$(mktemp)"
	cleanups+=("rm -f '$out'")
	start_bg serve "$port"
	wait_http "http://127.0.0.1:$port/login" "$test_site" || { tier browser failed "bench serve did not answer on $port"; return; }
	IMS_URL="http://$test_site:$port" IMS_SCREENSHOTS="$repo/benchmarks/out/screenshots" \
		PLAYWRIGHT_CORE="$repo/tests/browser/node_modules/playwright-core" \
		node "$repo/tests/browser/page.test.mjs" | tee "$out"
	local status=${PIPESTATUS[0]}
	IMS_URL="http://$test_site:$port" IMS_SCREENSHOTS="$repo/benchmarks/out/screenshots" \
		PLAYWRIGHT_CORE="$repo/tests/browser/node_modules/playwright-core" \
		node "$repo/tests/browser/xss.test.mjs" | tee -a "$out"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	b_passed=$(grep -c '^ok - ' "$out")
	b_failed=$(grep -c '^not ok - ' "$out")
	total_passed=$((total_passed + b_passed))
	total_failed=$((total_failed + b_failed))
	if [ "$status" -ne 0 ] || [ "$b_passed" -eq 0 ]; then
		tier browser failed "$b_passed passed, $b_failed failed"
	else
		tier browser passed "$b_passed passed (screenshots in benchmarks/out/screenshots)"
	fi
}

run_as_bench() {
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		runuser -u "$bench_user" -- env "PYTHONPATH=$src" "$@"
	else
		env "PYTHONPATH=$src" "$@"
	fi
}

# Start `bench serve --port P` or `bench worker` in a session of its own (setsid): its pid is
# its process group id, which cleanup ends, and only that group.
start_bg() {
	local what=$1 port=${2:-}
	local log="$bench_dir/logs/ims-test-$what.log"
	local cmd=(bench serve --port "$port" --noreload)
	[ "$what" = worker ] && cmd=(bench worker --queue short,default,long)
	if [ "$(id -u)" -eq 0 ] && [ "$bench_user" != root ]; then
		(cd "$bench_dir" && exec setsid runuser -u "$bench_user" -- env "PYTHONPATH=$src" "${cmd[@]}" >"$log" 2>&1) &
	else
		(cd "$bench_dir" && exec setsid env "PYTHONPATH=$src" "${cmd[@]}" >"$log" 2>&1) &
	fi
	started_pids+=("$!")
}

wait_http() { # wait_http URL HOST: the site answers (Frappe picks the site by the Host header)
	for _ in $(seq 1 60); do curl -sf -o /dev/null -H "Host: $2" "$1" && return 0; sleep 1; done
	return 1
}

# Undo the link and put the folder back; the bench's asset manifest goes back to what it was, so
# the page loads the bench's own bundle again (its files never left its folder: the build wrote
# this checkout's into the checkout, through the link).
restore_app_folder() { # restore_app_folder ASIDE BEFORE SAVED_MANIFESTS
	local aside="$1" before="$2" saved="$3" name
	[ -L "$app_dir" ] && rm -f "$app_dir"
	[ -n "$aside" ] && mv -T "$aside" "$app_dir"
	for name in assets.json assets-rtl.json; do
		[ -f "$saved/$name" ] && cp -a "$saved/$name" "$sites/assets/$name"
	done
	frappe_py "$test_site" "frappe.cache.delete_value('assets_json', shared=True); frappe.cache.delete_value('assets_json')" >/dev/null 2>&1 || true
	after_check "$before"
}

bench_tier

# The bench tier again on a site with India Compliance (issue 16; README "With India
# Compliance"): IMS_IC_SITE names it (ERPNext + IC + this app, allow_tests). Same checkout, same
# runner; skipped with the reason when not asked or not there.
ic_tier() {
	local ic_site="${IMS_IC_SITE:-}"
	if [ -z "$ic_site" ]; then
		tier ic skipped "IMS_IC_SITE not set (a site with India Compliance to run the bench tier on)"
		return
	fi
	if [ "${tier_status[bench]:-}" != passed ] && [ "${tier_status[bench]:-}" != failed ]; then
		tier ic skipped "the bench tier did not run"
		return
	fi
	if [ ! -f "$sites/$ic_site/site_config.json" ]; then
		tier ic failed "no site $ic_site on $bench_dir (IMS_IC_SITE)"
		return
	fi
	local log
	log="$(mktemp)"
	cleanups+=("rm -f '$log' '$log.migrate'")
	note
	note "== bench tier on a site with India Compliance ($ic_site) =="
	if ! frappe_cli --site "$ic_site" migrate --skip-search-index >"$log.migrate" 2>&1; then
		tail -n 40 "$log.migrate"
		tier ic failed "migrate of $ic_site failed"
		return
	fi
	frappe_cli --site "$ic_site" run-tests --app "$app" 2>&1 | tee "$log"
	local exit_code=${PIPESTATUS[0]} ran failed
	ran="$(grep -oE '^Ran [0-9]+ tests?' "$log" | tail -n 1 | grep -oE '[0-9]+')"
	ran=${ran:-0}
	failed="$(grep -oE '^FAILED \(.*\)' "$log" | tail -n 1 | grep -oE '(failures|errors)=[0-9]+' | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null)"
	failed=${failed:-0}
	if [ "$ran" -eq 0 ]; then
		tier ic failed "0 tests ran (run-tests exit $exit_code)"
		failed=1
	elif [ "$failed" -gt 0 ] || ! grep -qE '^OK( \(|$)' "$log"; then
		[ "$failed" -gt 0 ] || failed=1
		tier ic failed "ran $ran, failed $failed (exit $exit_code)"
	else
		tier ic passed "ran $ran, all passed"
	fi
	total_passed=$((total_passed + (ran - failed > 0 ? ran - failed : 0)))
	total_failed=$((total_failed + failed))
}
ic_tier

# --- summary ------------------------------------------------------------------------------------
note
note "== tiers =="
for name in pure bench ic appfolder browser; do
	[ -n "${tier_status[$name]:-}" ] || continue
	printf '%-11s %-8s %s\n' "$name:" "${tier_status[$name]}" "${tier_note[$name]}"
done
if [ "${IMS_BROWSER:-0}" != 1 ]; then
	printf '%-11s %-8s %s\n' "browser:" skipped "not asked (IMS_BROWSER=1 runs it)"
elif [ -z "${tier_status[browser]:-}" ]; then
	printf '%-11s %-8s %s\n' "browser:" skipped "the bench tier did not run"
	[ "${IMS_REQUIRE_BENCH:-0}" = 1 ] && failures=$((failures + 1))
fi
note "$total_passed passed, $total_failed failed"
cleanup
trap - EXIT
[ "$failures" -eq 0 ]
