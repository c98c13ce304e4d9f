#!/usr/bin/env bash
# The one test command (README). Runs the pure tier always and the bench tier whenever a
# Frappe bench is found at $IMS_BENCH (default /opt/ims-bench). The bench tier tests THIS
# checkout: the bench's apps/ims_compliance is pointed here for the run and restored after.
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${IMS_BENCH:-/opt/ims-bench}"
test_site="${IMS_TEST_SITE:-ims-test.localhost}"
python_bin="${PYTHON:-python3}"
cd "$repo"

pure_status=0
bench_status=0
bench_ran=no
pure_summary=""
bench_summary=""

echo "== pure tier (pytest, no Frappe) =="
if ! "$python_bin" -c "import pandas, openpyxl, python_calamine, rapidfuzz, cryptography, werkzeug, pytest, hypothesis" 2>/dev/null; then
	"$python_bin" -m pip install -q -r requirements-dev.txt || true
fi
pure_log="$(mktemp)"
"$python_bin" -m pytest tests 2>&1 | tee "$pure_log"
pure_status=${PIPESTATUS[0]}
pure_summary="$(grep -E '^(=+ )?[0-9]+ (passed|failed)' "$pure_log" | tail -n 1 | tr -d '=' | xargs)"
pure_passed="$(grep -oE '[0-9]+ passed' <<<"$pure_summary" | grep -oE '[0-9]+' || echo 0)"
pure_failed="$(grep -oE '[0-9]+ (failed|error|errors)' <<<"$pure_summary" | grep -oE '^[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)"
[ -n "$pure_failed" ] || pure_failed=0
if [ "$pure_status" -ne 0 ] && [ "$pure_failed" -eq 0 ]; then pure_failed=1; fi

bench_passed=0
bench_failed=0
if [ -d "$bench_dir/apps/frappe" ] && [ -d "$bench_dir/apps/erpnext" ] && [ -d "$bench_dir/sites/$test_site" ]; then
	bench_ran=yes
	echo
	echo "== bench tier ($bench_dir, site $test_site) =="
	bench_cmd="$(command -v bench || true)"
	[ -n "$bench_cmd" ] || bench_cmd="/usr/local/bin/bench"
	bench_user="$(stat -c %U "$bench_dir/sites")"
	link="$bench_dir/apps/ims_compliance"
	previous="$(readlink "$link" 2>/dev/null || true)"
	source_dir="$repo"
	# The bench drops root to its own user: that user must be able to read this checkout.
	if [ "$(id -u)" -eq 0 ] && ! runuser -u "$bench_user" -- test -r "$repo/setup.py" 2>/dev/null; then
		source_dir="$bench_dir/.ci-src/ims_compliance"
		rm -rf "$source_dir" && mkdir -p "$source_dir"
		cp -a "$repo/." "$source_dir/"
		chown -R "$bench_user": "$bench_dir/.ci-src"
	fi
	restore() {
		if [ -n "$previous" ] && [ "$previous" != "$source_dir" ]; then
			ln -sfn "$previous" "$link"
		fi
	}
	trap restore EXIT
	ln -sfn "$source_dir" "$link"
	bench_log="$(mktemp)"
	chmod 644 "$bench_log"
	# the app's Python requirements in the bench's env (bench get-app would install them)
	"$bench_dir/env/bin/python" -c "import python_calamine" 2>/dev/null ||
		"$bench_dir/env/bin/pip" install -q -r "$repo/requirements.txt" >/dev/null 2>&1 || true
	(
		cd "$bench_dir" &&
			"$bench_cmd" --site "$test_site" migrate --skip-search-index >/dev/null 2>"$bench_log.migrate" &&
			"$bench_cmd" --site "$test_site" run-tests --app ims_compliance
	) 2>&1 | tee "$bench_log"
	bench_status=${PIPESTATUS[0]}
	if [ -s "$bench_log.migrate" ] && [ "$bench_status" -ne 0 ]; then
		echo "-- migrate said:"
		tail -n 30 "$bench_log.migrate"
	fi
	ran="$(grep -oE '^Ran [0-9]+ tests?' "$bench_log" | tail -n 1 | grep -oE '[0-9]+' || echo 0)"
	failures="$(grep -oE 'FAILED \((failures|errors)=[0-9]+(, (failures|errors)=[0-9]+)?' "$bench_log" | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)"
	[ -n "$failures" ] || failures=0
	if [ "$bench_status" -ne 0 ] && [ "$failures" -eq 0 ]; then failures=1; fi
	# bench does not always pass the runner's exit code through: trust the runner's own summary too.
	if [ "$failures" -gt 0 ] || ! grep -qE '^OK( \(|$)' "$bench_log"; then
		[ "$bench_status" -ne 0 ] || bench_status=1
		[ "$failures" -gt 0 ] || failures=1
	fi
	bench_failed=$failures
	bench_passed=$((ran - failures < 0 ? 0 : ran - failures))
	bench_summary="ran $ran, failed $failures (exit $bench_status)"
	# Browser tier (opt-in: IMS_BROWSER=1): the page walked in headless Chromium against the test site.
	if [ "${IMS_BROWSER:-0}" = 1 ] && [ "$bench_status" -eq 0 ] && [ -x /usr/bin/chromium ]; then
		echo
		echo "== browser tier (headless chromium, $test_site) =="
		(cd "$repo/tests/browser" && [ -d node_modules/playwright-core ] || npm install --no-audit --no-fund >/dev/null 2>&1)
		(cd "$bench_dir" && "$bench_cmd" build --app ims_compliance >/dev/null 2>&1)
		port="${IMS_BROWSER_PORT:-8011}"
		(cd "$bench_dir" && exec "$bench_cmd" serve --port "$port" >/dev/null 2>&1) &
		serve_pid=$!
		for _ in $(seq 1 30); do curl -sf -o /dev/null "http://127.0.0.1:$port/login" && break; sleep 1; done
		IMS_URL="http://$test_site:$port" IMS_SCREENSHOTS="$repo/benchmarks/out/screenshots" \
			bash -c 'node "$1/tests/browser/page.test.mjs"; a=$?; node "$1/tests/browser/xss.test.mjs"; exit $((a || $?))' _ "$repo" \
			| tee "$bench_log.browser"
		browser_status=${PIPESTATUS[0]}
		pkill -P "$serve_pid" 2>/dev/null; kill "$serve_pid" 2>/dev/null
		pkill -f "serve --port $port" 2>/dev/null || true
		b_passed="$(grep -c '^ok - ' "$bench_log.browser" || true)"
		b_failed="$(grep -c '^not ok - ' "$bench_log.browser" || true)"
		bench_passed=$((bench_passed + b_passed))
		bench_failed=$((bench_failed + b_failed))
		bench_summary="$bench_summary; browser $b_passed passed, $b_failed failed"
		[ "$browser_status" -eq 0 ] || bench_status=1
	fi
	restore
	trap - EXIT
fi

echo
echo "== tiers =="
echo "pure tier:  ran ($pure_summary)"
if [ "$bench_ran" = yes ]; then
	echo "bench tier: ran ($bench_summary)"
else
	echo "bench tier: skipped (no bench with site $test_site at $bench_dir)"
fi
total_passed=$((pure_passed + bench_passed))
total_failed=$((pure_failed + bench_failed))
echo "$total_passed passed, $total_failed failed"
[ "$pure_status" -eq 0 ] && [ "$bench_status" -eq 0 ]
