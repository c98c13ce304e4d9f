#!/usr/bin/env bash
# Acceptance of issue 16 (README "With India Compliance"): this app and India Compliance (IC) on
# one site, in both install orders. Usage:
#   scripts/check_coexist.sh ic-first <site> [bench dir]
#       <site> has ERPNext + IC installed and not ours. Seeds IC rows through IC's own GSTR-2B
#       import, snapshots IC (DocType rows, DocFields, SHOW CREATE TABLE, custom fields, row
#       dumps, Purchase Invoice schema), installs ours (must name its DocType "IMS GST Inward
#       Supply"), migrates, runs our monthly cycle test and IC's GSTR-2A/2B import tests,
#       uninstalls ours: every snapshot must be exactly as before.
#   scripts/check_coexist.sh ours-first <site> [bench dir]
#       <site> has ERPNext + ours installed and not IC (IC's app in the bench). Builds our test
#       fixtures, seeds 200 of our records, dumps our rows, installs IC (must succeed), checks our
#       DocType moved to "IMS GST Inward Supply" with every row byte-identical, IC owns "GST
#       Inward Supply" and the shared Purchase Invoice fields, then runs our monthly cycle test
#       and IC's GSTR-2A/2B import tests.
# Run bench with this checkout's code as BENCH.md says (e.g. PYTHONPATH=<this checkout>).
# IC's own test set-up needs a leaf Customer Group as the default (ERPNext 15.104) and its GSTR-2B
# tests India's time zone: prepare_ic_tests sets both (IC's test environment, not our app).
set -euo pipefail
mode="$1"
site="$2"
bench_dir="${3:-${IMS_BENCH:-/opt/ims-bench}}"
cd "$bench_dir"
db="$(python3 -c "import json;print(json.load(open('sites/$site/site_config.json'))['db_name'])")"
db_pass="$(python3 -c "import json;print(json.load(open('sites/$site/site_config.json'))['db_password'])")"
q() { mysql -N -B -u"$db" -p"$db_pass" -h127.0.0.1 "$db" -e "$1"; }
fail() {
	echo "FAIL: $*"
	exit 1
}
installed() { q "select count(*) from \`tabInstalled Application\` where app_name='$1'"; }
execute() { bench --site "$site" execute "$@" 2>/dev/null | tail -n 1 | tr -d '"'; }
IC_2B_TESTS=(
	india_compliance.gst_india.utils.gstr_2.test_gstr_2b
	india_compliance.gst_india.utils.gstr_2.test_gstr_2a
)
SEED_GSTIN="24AAQCA8719H1ZC"     # IC's rows seeded under a GSTIN its tests do not delete
OUR_SEED_GSTIN="27AAACC9999C1ZA" # ours (ours-first), removed at the end

ic_snapshot() {
	q "select name, module, custom, autoname, migration_hash from tabDocType
	     where name like 'GST Inward Supply%' and module <> 'IMS Compliance' order by name;
	   select parent, idx, fieldname, fieldtype, options, fetch_from from tabDocField
	     where parent like 'GST Inward Supply%' and parenttype='DocType' order by parent, idx;
	   select dt, fieldname, fieldtype, options, fetch_from, fetch_if_empty, insert_after, ifnull(module, '')
	     from \`tabCustom Field\` where ifnull(module, '') <> 'IMS Compliance' order by dt, fieldname;
	   select doc_type, field_name, property, value from \`tabProperty Setter\`
	     where ifnull(module, '') <> 'IMS Compliance' order by 1, 2, 3;"
	for table in "GST Inward Supply" "GST Inward Supply Item" "Purchase Invoice"; do
		q "show create table \`tab$table\`" | sed -e 's/AUTO_INCREMENT=[0-9]* //'
	done
	q "select * from \`tabGST Inward Supply\` order by name" | md5sum
	# items of live IC records (IC's tests delete their records with frappe.db.delete, which leaves
	# their items behind: IC's own leftovers, not a change of ours)
	q "select i.* from \`tabGST Inward Supply Item\` i join \`tabGST Inward Supply\` s on s.name = i.parent order by i.name" | md5sum
	q "select count(*) from \`tabGST Inward Supply\`"
}

prepare_ic_tests() {
	# IC's test set-up, not ours: its before_tests makes the root Customer Group the default, which
	# ERPNext 15.104 refuses on a Customer (a user default of a leaf group wins over it); its GSTR-2B
	# dates are converted to the site's time zone, and its expected values are India's dates.
	bench --site "$site" execute frappe.defaults.set_user_default \
		--kwargs '{"key": "customer_group", "value": "Commercial", "user": "Administrator"}' >/dev/null
	bench --site "$site" execute frappe.db.set_single_value --args '["System Settings", "time_zone", "Asia/Kolkata"]' >/dev/null
}

run_ic_tests() {
	for module in "${IC_2B_TESTS[@]}"; do
		log="$(mktemp)"
		# bench does not always pass the runner's exit code through: read its summary
		bench --site "$site" run-tests --app india_compliance --module "$module" >"$log" 2>&1 || true
		if ! grep -qE '^OK( \(|$)' "$log"; then
			tail -n 40 "$log"
			fail "IC's $module"
		fi
		echo "IC $module: $(grep -E '^Ran [0-9]+ test' "$log" | tail -n 1), $(tail -n 3 "$log" | grep -E '^(OK|FAILED)' || echo '?')"
	done
}

run_our_cycle() {
	log="$(mktemp)"
	bench --site "$site" run-tests --app ims_compliance --module ims_compliance.tests.test_monthly_cycle >"$log" 2>&1 || true
	if ! grep -qE '^OK( \(|$)' "$log"; then
		tail -n 40 "$log"
		fail "our monthly cycle"
	fi
	echo "ours: monthly cycle $(grep -E '^Ran [0-9]+ test' "$log" | tail -n 1), $(grep -E '^(OK|FAILED)' "$log" | tail -n 1)"
}

case "$mode" in
ic-first)
	[ "$(installed india_compliance)" = 1 ] || fail "IC is not installed on $site"
	[ "$(installed ims_compliance)" = 0 ] || fail "ours is already installed on $site"
	# IC's own import (save_gstr_2b) of IC's own GSTR-2B test file, as the bench user (once: IC's
	# re-import of the same rows fails on its own links)
	[ "$(q "select count(*) from \`tabGST Inward Supply\` where company_gstin='$SEED_GSTIN'")" != 0 ] ||
	(cd sites && runuser -u "$(stat -c %U .)" -- env PYTHONPATH="${PYTHONPATH:-}" ../env/bin/python - "$site" "$SEED_GSTIN" <<'PY'
import sys

import frappe

frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from india_compliance.gst_india.utils.gstr_2 import save_gstr_2b

path = frappe.get_app_path("india_compliance", "gst_india", "data", "test_gstr_2b.json")
data = frappe.parse_json(frappe.read_file(path))
data["data"]["gstin"] = sys.argv[2]


def renumber(node):
	"""IC matches its rows by supplier GSTIN and document number, whatever the company GSTIN:
	our seed must share neither suppliers nor numbers with IC's tests (which import the same
	file), or IC's tests take the seed rows over (and fail on them)."""
	if isinstance(node, dict):
		for key, value in node.items():
			if key in ("inum", "ntnum", "boenum", "docnum", "oinum", "ontnum", "odocnum", "oinvnum"):
				node[key] = value + 9000000 if isinstance(value, int) else "SEED" + str(value)[-12:]
			elif key == "ctin":
				node[key] = "27AABCS1234A1Z1"  # a supplier of the seed alone
			else:
				renumber(value)
	elif isinstance(node, list):
		for item in node:
			renumber(item)


renumber(data)
save_gstr_2b(sys.argv[2], "032020", data)
frappe.db.commit()
PY
	)
	before="$(ic_snapshot)"
	echo "IC before: $(echo "$before" | tail -n 1) rows in tabGST Inward Supply, $(echo "$before" | wc -l) snapshot lines"
	bench --site "$site" install-app ims_compliance >/dev/null
	name="$(execute ims_compliance.doctype_names.supply_doctype)"
	echo "ours installed: supply DocType '$name'"
	[ "$name" = "IMS GST Inward Supply" ] || fail "ours should be IMS GST Inward Supply"
	bench --site "$site" migrate >/dev/null 2>&1
	# Purchase Invoice has our ims_ columns now: its schema is compared after the uninstall
	strip() { grep -v '^tabPurchase Invoice' | grep -v 'IMS Compliance'; }
	if ! diff <(echo "$before" | strip) <(ic_snapshot | strip) >/dev/null; then
		diff <(echo "$before" | strip) <(ic_snapshot | strip) | head -40
		fail "installing ours and migrating changed IC"
	fi
	echo "after install + migrate: IC unchanged (all but Purchase Invoice's schema, which has our ims_ columns)"
	prepare_ic_tests
	run_our_cycle
	run_ic_tests
	bench --site "$site" uninstall-app ims_compliance --yes --no-backup >/dev/null
	after="$(ic_snapshot)"
	if [ "$before" != "$after" ]; then
		diff <(echo "$before") <(echo "$after") | head -40
		fail "IC is not exactly as before after uninstalling ours"
	fi
	left="$(q "select count(*) from tabDocType where module='IMS Compliance'")"
	[ "$left" = 0 ] || fail "our DocTypes left behind"
	echo "after uninstall: IC exactly as before ($(echo "$after" | wc -l) snapshot lines, $(echo "$after" | tail -n 1) rows), none of ours left"
	echo "ic-first OK on $site"
	;;
ours-first)
	[ "$(installed ims_compliance)" = 1 ] || fail "ours is not installed on $site"
	[ "$(installed india_compliance)" = 0 ] || fail "IC is already installed on $site"
	log="$(mktemp)"
	bench --site "$site" run-tests --app ims_compliance --module ims_compliance.tests.test_install >"$log" 2>&1 || {
		tail -n 30 "$log"
		fail "our tests (fixtures) on $site"
	}
	# 200 records of a company GSTIN of their own (the tests' GSTINs must stay theirs)
	execute ims_compliance.tests.factories.bulk_inward_supplies \
		--kwargs "{\"count\": 200, \"prefix\": \"COEX\", \"company_gstin\": \"$OUR_SEED_GSTIN\"}" >/dev/null
	ours_before="$(q "select * from \`tabGST Inward Supply\` order by name" | md5sum)"
	logs_before="$(q "select * from \`tabIMS Action Log\` order by name; select * from \`tabIMS Upload Request\` order by name" | md5sum)"
	count="$(q "select count(*) from \`tabGST Inward Supply\`")"
	pi_before="$(q "select name, ims_inward_supply, ims_match_status, ims_action from \`tabPurchase Invoice\` order by name" | md5sum)"
	echo "ours before: $count records in tabGST Inward Supply"
	log="$(mktemp)"
	bench --site "$site" install-app india_compliance >"$log" 2>&1 || {
		tail -n 40 "$log"
		fail "installing IC after ours"
	}
	grep -E "IMS Compliance:" "$log" || true
	name="$(execute ims_compliance.doctype_names.supply_doctype)"
	[ "$name" = "IMS GST Inward Supply" ] || fail "ours should have moved to IMS GST Inward Supply, is '$name'"
	[ "$(q "select module from tabDocType where name='GST Inward Supply'")" = "GST India" ] || fail "IC does not own GST Inward Supply"
	[ "$(q "select * from \`tabIMS GST Inward Supply\` order by name" | md5sum)" = "$ours_before" ] || fail "our records changed"
	[ "$(q "select * from \`tabIMS Action Log\` order by name; select * from \`tabIMS Upload Request\` order by name" | md5sum)" = "$logs_before" ] || fail "our action log / upload requests changed"
	[ "$(q "select name, ims_inward_supply, ims_match_status, ims_action from \`tabPurchase Invoice\` order by name" | md5sum)" = "$pi_before" ] || fail "our Purchase Invoice fields changed"
	q "select fieldname, fetch_from, ifnull(module, '') from \`tabCustom Field\` where dt='Purchase Invoice' and fieldname in ('supplier_gstin', 'company_gstin')" |
		grep -q "IMS Compliance" && fail "shared Purchase Invoice fields still ours"
	echo "IC installed: ours moved to '$name' with $count records byte-identical; IC owns GST Inward Supply and the shared fields"
	bench --site "$site" migrate >/dev/null 2>&1
	[ "$(q "select * from \`tabIMS GST Inward Supply\` order by name" | md5sum)" = "$ours_before" ] || fail "our records changed on migrate"
	prepare_ic_tests
	run_our_cycle
	run_ic_tests
	q "delete from \`tabIMS GST Inward Supply\` where company_gstin='$OUR_SEED_GSTIN'"
	echo "ours-first OK on $site"
	;;
*)
	echo "usage: $0 ic-first|ours-first <site> [bench dir]"
	exit 2
	;;
esac
