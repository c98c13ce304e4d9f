// IMS Action Log list: which record (document number, supplier, company GSTIN), the change,
// why (source and remarks) and who, instead of hash ids. Read-only for everyone (P3).
frappe.listview_settings["IMS Action Log"] = {
	add_fields: ["document_number", "supplier_name", "supplier_gstin", "company_gstin", "from_action", "to_action", "source", "remarks", "user"],
	hide_name_column: true,
	onload(listview) {
		// Frappe shows 2 fields below 1367 px: ours need 5 to say what changed, why and by whom
		// (a user's own List Settings still win)
		if (!listview.list_view_settings?.total_fields) {
			listview.refresh_columns(listview.meta, { ...(listview.list_view_settings || {}), total_fields: 7 });
		}
	},
	formatters: {
		document_number(value, df, doc) {
			const esc = frappe.utils.escape_html;
			return `${esc(value || doc.name)}`;
		},
		supplier_name(value, df, doc) {
			const esc = frappe.utils.escape_html;
			const text = value || doc.supplier_gstin || "";
			return `<span title="${esc(`${text} ${doc.supplier_gstin || ""}`)}">${esc(text)}</span>`;
		},
		to_action(value, df, doc) {
			const esc = frappe.utils.escape_html;
			// short enough for a narrow column; the whole change is the cell's title
			return `<span title="${esc(`${doc.from_action || __("No Action")} → ${value}`)}">→ <b>${esc(value)}</b></span>`;
		},
		source(value, df, doc) {
			const esc = frappe.utils.escape_html;
			const why = doc.remarks ? `${__(value)}: ${doc.remarks}` : __(value);
			return `<span title="${esc(why)}">${esc(why)}</span>`;
		},
	},
};
