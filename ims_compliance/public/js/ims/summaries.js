// Header cards, the Match Summary tab and the Actions Summary tab.
import { call } from "./api";
import { count, money, table, action_period, deadlines, period_label, plural, records } from "./format";

const ACTIONS = ["No Action", "Accepted", "Rejected", "Pending"];

export async function render_header($wrapper, filters) {
	const totals = await call("get_action_totals", { filters });
	const by_action = Object.fromEntries(totals.map((r) => [r.action, r]));
	const period = frappe.utils.escape_html(filters.supplier_period || action_period()); // from the URL
	const d = deadlines(period);
	const no_action = by_action["No Action"]?.records || 0;
	const cards = ACTIONS.map((action) => {
		const row = by_action[action] || {};
		return `<div class="ims-card" data-action="${action}">
			<div class="ims-card-label">${__(action)}</div>
			<div class="ims-card-value" title="${records(row.records)}">${count(row.records)}</div>
			<div class="ims-card-sub" title="${frappe.utils.escape_html(__("ITC net of credit notes: the tax of invoices and debit notes minus the tax of credit notes ({0} of credit notes)", [money(row.credit_note_tax || 0)]))}">${__("ITC")} ${money(row.itc ?? row.total_tax)}</div>
		</div>`;
	}).join("");
	const deemed = `<b>${plural(no_action, __("1 record will be deemed accepted if nothing is done."), __("{0} records will be deemed accepted if nothing is done."))}</b>`;
	if (!d) {
		// a hand-edited URL: say what is wrong instead of "in NaN days"
		$wrapper.html(`
			<div class="ims-cards">${cards}</div>
			<div class="alert alert-warning ims-deadline">${__("Supplier period {0} is not a period: use MMYYYY, e.g. {1} for {2}.", [frappe.utils.escape_html(period), action_period(), period_label(action_period())])} ${deemed}</div>`);
		return;
	}
	const banner_class = d.to_cutoff < 0 ? "alert-danger" : d.to_cutoff <= 3 ? "alert-warning" : "alert-info";
	const days = (n) => plural(n, __("1 day"), __("{0} days"));
	const when = (n) => (n < 0 ? __("{0} ago", [days(-n)]) : n === 0 ? __("today") : __("in {0}", [days(n)]));
	$wrapper.html(`
		<div class="ims-cards">${cards}</div>
		<div class="alert ${banner_class} ims-deadline">
			${__("{0}: GSTR-2B cut-off (14th) {1}, GSTR-3B due (20th) {2}.", [period_label(period), when(d.to_cutoff), when(d.to_due)])}
			${deemed}
		</div>`);
}

export async function render_match_summary($wrapper, filters, on_pick) {
	const rows = await call("get_match_summary", { filters });
	if (!rows.length) return $wrapper.html(`<div class="text-muted ims-empty">${__("No records for these filters.")}</div>`);
	$wrapper.empty().append(
		table(
			[
				{ key: "match_status", label: __("Match Status") },
				{ key: "records", label: __("Records"), numeric: true, format: count },
				{ key: "purchase_documents", label: __("Purchase Documents"), numeric: true, format: count },
				{ key: "taxable_value", label: __("Taxable Value"), numeric: true, format: money },
				{ key: "taxable_value_difference", label: __("Taxable Difference"), numeric: true, format: money },
				{ key: "tax_difference", label: __("Tax Difference"), numeric: true, format: money },
				{ key: "acted_percent", label: __("% Acted On"), numeric: true, format: (v) => `${v}%` },
			],
			rows,
			{ on_click: (row) => on_pick({ match_status: row.match_status }) }
		)
	);
}

function pivot(rows, row_key) {
	const keys = [...new Set(rows.map((r) => r[row_key]))];
	return keys.map((key) => {
		const out = { [row_key]: key, records: 0, total_tax: 0, itc: 0 };
		for (const r of rows.filter((r) => r[row_key] === key)) {
			out[r.action] = r;
			out.records += r.records;
			out.total_tax += r.total_tax || 0;
			out.itc += r.itc ?? r.total_tax ?? 0;
		}
		return out;
	});
}

function action_columns(first_key, first_label) {
	return [
		{ key: first_key, label: first_label },
		...ACTIONS.map((a) => ({
			key: a,
			label: __(a),
			numeric: true,
			format: (v) => (v ? `${count(v.records)}<div class="text-muted small">${money(v.itc ?? v.total_tax)}</div>` : "0"),
		})),
		{ key: "records", label: __("Total"), numeric: true, format: count },
		// credit notes reduce ITC: their tax is subtracted (GSTN reports it positive)
		{ key: "itc", label: __("ITC (net of credit notes)"), numeric: true, format: money },
	];
}

export async function render_actions_summary($wrapper, filters) {
	const data = await call("get_actions_summary", { filters });
	$wrapper.empty();
	$wrapper.append(`<h5>${__("By document type")}</h5>`);
	$wrapper.append(table(action_columns("document_type", __("Document Type")), pivot(data.by_document_type, "document_type")));
	$wrapper.append(`<h5>${__("By match status")}</h5>`);
	$wrapper.append(table(action_columns("match_status", __("Match Status")), pivot(data.by_match_status, "match_status")));
}
