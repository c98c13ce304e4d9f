// Small formatting helpers shared by the tabs.
export const money = (value) => format_currency(value || 0, "INR", 0);
export const count = (value) => (value || 0).toLocaleString("en-IN");

export function table(columns, rows, { on_click } = {}) {
	const head = columns.map((c) => `<th class="${c.numeric ? "text-right" : ""}">${c.label}</th>`).join("");
	const body = rows
		.map((row, i) => {
			const cells = columns
				.map((c) => `<td class="${c.numeric ? "text-right" : ""}">${c.format ? c.format(row[c.key], row) : frappe.utils.escape_html(row[c.key] ?? "")}</td>`)
				.join("");
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

export function deadlines(period, today = frappe.datetime.now_date(true)) {
	const month = parseInt(period.slice(0, 2), 10);
	const year = parseInt(period.slice(2), 10);
	const cutoff = new Date(year, month, 14); // the 14th of the next month
	const due = new Date(year, month, 20);
	const now = new Date(today);
	const days = (d) => Math.round((d - now) / 86400000);
	return { cutoff, due, to_cutoff: days(cutoff), to_due: days(due) };
}
