// Small formatting helpers shared by the tabs: one date, number and money format everywhere,
// the user's own (System Settings / the user's date and number format), never the browser's.
const esc = (value) => frappe.utils.escape_html(value ?? "");

/** Rupees in the system number format ("₹ 1,91,668"); `precision` 2 where paise matter. */
export const money = (value, precision = 0) => format_currency(flt(value || 0, precision), "INR", precision);
export const money_exact = (value) => money(value, 2);
/** A count in the system number format ("1,91,668"). */
export const count = (value) => format_number(cint(value || 0), null, 0);
/** A date (or datetime) in the user's date format; "" when empty. */
export const date = (value) => (value ? frappe.datetime.str_to_user(value) : "");
/** "1 record" / "2,000 records": `one` and `many` already translated, `many` holding {0}. */
export const plural = (n, one, many) => (cint(n) === 1 ? one : many.replace("{0}", count(n)));
export const records = (n) => plural(n, __("1 record"), __("{0} records"));

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A return period "MMYYYY" as {month, year}, or null when it is not one. */
export function parse_period(period) {
	const m = /^(0[1-9]|1[0-2])(\d{4})$/.exec(String(period || "").trim());
	return m ? { month: parseInt(m[1], 10), year: parseInt(m[2], 10) } : null;
}

/** "112026" -> "Nov 2026" (as it reads on the GST portal); anything else is shown as given. */
export function period_label(period) {
	const p = parse_period(period);
	return p ? `${__(MONTHS[p.month - 1])} ${p.year}` : String(period || "");
}

export function table(columns, rows, { on_click } = {}) {
	const head = columns.map((c) => `<th class="${c.numeric ? "text-right" : ""}">${c.label}</th>`).join("");
	const body = rows
		.map((row, i) => {
			const cells = columns.map((c) => `<td class="${c.numeric ? "text-right" : ""}">${c.format ? c.format(row[c.key], row) : esc(row[c.key])}</td>`).join("");
			return `<tr data-index="${i}" class="${on_click ? "ims-clickable" : ""}">${cells}</tr>`;
		})
		.join("");
	const $table = $(`<table class="table table-bordered table-hover ims-table"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`);
	if (on_click) $table.on("click", "tbody tr", (e) => on_click(rows[$(e.currentTarget).data("index")]));
	return $table;
}

/** The period users act on: last month's until its GSTR-3B due date (the 20th), then this month's. */
export function action_period(today = frappe.datetime.now_date(true)) {
	const d = new Date(today);
	const last = new Date(d.getFullYear(), d.getMonth() - 1, 1);
	const due = new Date(d.getFullYear(), d.getMonth(), 20);
	const p = d <= due ? last : new Date(d.getFullYear(), d.getMonth(), 1);
	return String(p.getMonth() + 1).padStart(2, "0") + p.getFullYear();
}

/** Days to the GSTR-2B cut-off (14th) and GSTR-3B due date (20th) of `period`; null when the
 * period is not a valid MMYYYY (a hand-edited URL), so nothing reads "in NaN days". */
export function deadlines(period, today = frappe.datetime.now_date(true)) {
	const p = parse_period(period);
	if (!p) return null;
	const cutoff = new Date(p.year, p.month, 14); // the 14th of the next month
	const due = new Date(p.year, p.month, 20);
	const now = new Date(today);
	const days = (d) => Math.round((d - now) / 86400000);
	return { cutoff, due, to_cutoff: days(cutoff), to_due: days(due) };
}
