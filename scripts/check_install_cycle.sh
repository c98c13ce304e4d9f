#!/usr/bin/env bash
# Acceptance check of the app's life cycle on an existing ERPNext site of a bench:
# install-app, migrate twice (the second must change nothing), uninstall-app (must remove our
# DocTypes, tables and custom fields). Usage: scripts/check_install_cycle.sh <site> [bench dir]
set -euo pipefail
site="$1"
bench_dir="${2:-${IMS_BENCH:-/opt/ims-bench}}"
cd "$bench_dir"
db="$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['db_name'])" "sites/$site/site_config.json")"
# the password goes to mysql in a private option file, never on its command line (ps shows argv)
mysql_defaults="$(mktemp)"
trap 'rm -f "$mysql_defaults"' EXIT
chmod 600 "$mysql_defaults"
python3 -c "
import json, sys
config = json.load(open(sys.argv[1]))
print('[client]')
print('user=' + config['db_name'])
print('password=' + config['db_password'])
print('host=' + (config.get('db_host') or '127.0.0.1'))
" "sites/$site/site_config.json" >"$mysql_defaults"
q() { mysql --defaults-extra-file="$mysql_defaults" -N "$db" -e "$1"; }
snapshot() {
	q "select name, modified from tabDocType where module='IMS Compliance' order by name;
	   select name, modified from \`tabCustom Field\` where module='IMS Compliance' order by name;
	   select table_name, column_name, column_type from information_schema.columns
	     where table_schema=database() and table_name like 'tabGST Inward%' or (table_schema=database() and table_name like 'tabIMS%') order by 1, 2;
	   select name, modified from tabPage where module='IMS Compliance';
	   select name, modified from tabWorkspace where module='IMS Compliance';"
}
fail() { echo "FAIL: $*"; exit 1; }

bench --site "$site" install-app ims_compliance >/dev/null
doctypes="$(q "select count(*) from tabDocType where module='IMS Compliance'")"
fields="$(q "select count(*) from \`tabCustom Field\` where dt='Purchase Invoice' and module='IMS Compliance'")"
echo "after install: doctypes=$doctypes custom_fields=$fields"
[ "$doctypes" -ge 5 ] || fail "DocTypes missing after install"
[ "$fields" -ge 5 ] || fail "custom fields missing after install"

bench --site "$site" migrate >/dev/null 2>&1
first="$(snapshot)"
bench --site "$site" migrate >/dev/null 2>&1
second="$(snapshot)"
if [ "$first" != "$second" ]; then
	diff <(echo "$first") <(echo "$second") || true
	fail "the second migrate changed something"
fi
echo "second migrate: no change ($(echo "$second" | wc -l) schema/meta lines compared)"

bench --site "$site" uninstall-app ims_compliance --yes --no-backup >/dev/null
left_doctypes="$(q "select count(*) from tabDocType where module='IMS Compliance'")"
left_fields="$(q "select count(*) from \`tabCustom Field\` where dt='Purchase Invoice' and (module='IMS Compliance' or fieldname like 'ims\\_%')")"
left_tables="$(q "select count(*) from information_schema.tables where table_schema=database() and (table_name like 'tabGST Inward%' or table_name like 'tabIMS %')")"
left_columns="$(q "select count(*) from information_schema.columns where table_schema=database() and table_name='tabPurchase Invoice' and column_name like 'ims\\_%'")"
echo "after uninstall: doctypes=$left_doctypes custom_fields=$left_fields tables=$left_tables pi_columns=$left_columns"
[ "$left_doctypes" -eq 0 ] && [ "$left_fields" -eq 0 ] && [ "$left_tables" -eq 0 ] && [ "$left_columns" -eq 0 ] || fail "uninstall left app data behind"
echo "install cycle OK on $site"
