// Filters of the page, kept in the URL (with the tab, page and sort) so a view can be shared.
const YES_NO = ["", "Yes", "No"];

export const FILTER_FIELDS = [
	{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company" },
	{ fieldname: "company_gstin", label: __("Company GSTIN"), fieldtype: "Data" },
	{ fieldname: "supplier_period", label: __("Supplier Period (MMYYYY)"), fieldtype: "Data" },
	{ fieldname: "supplier", label: __("Supplier"), fieldtype: "Link", options: "Supplier" },
	{ fieldname: "document_number", label: __("Document Number"), fieldtype: "Data" },
	{
		fieldname: "match_status",
		label: __("Match Status"),
		fieldtype: "Select",
		options: ["", "Exact Match", "Suggested Match", "Mismatch", "Manual Match", "Missing in PI"],
	},
	{
		fieldname: "action",
		label: __("Action"),
		fieldtype: "Select",
		options: ["", "No Action", "Accepted", "Rejected", "Pending"],
	},
	{
		fieldname: "gstn_action",
		label: __("GSTN Action"),
		fieldtype: "Select",
		options: ["", "No Action", "Accepted", "Rejected", "Pending"],
	},
	{
		fieldname: "document_type",
		label: __("Document Type"),
		fieldtype: "Select",
		options: ["", "Invoice", "Credit Note", "Debit Note", "Bill of Entry"],
	},
	{
		fieldname: "section",
		label: __("Section"),
		fieldtype: "Select",
		options: ["", "B2B", "B2BA", "CN", "CNA", "DN", "DNA", "ECOM", "ECOMA", "IMPG", "IMPGSEZ"],
	},
	{ fieldname: "upload_pending", label: __("Upload Pending"), fieldtype: "Select", options: YES_NO },
	{ fieldname: "supplier_filed", label: __("Supplier Filed"), fieldtype: "Select", options: YES_NO },
	{ fieldname: "changed_by_supplier", label: __("Changed by Supplier"), fieldtype: "Select", options: YES_NO },
];

const YES_NO_FIELDS = new Set(["upload_pending", "supplier_filed", "changed_by_supplier"]);

/** A Yes/No filter read from a URL: older links say 1/0. */
function from_url(fieldname, value) {
	if (!YES_NO_FIELDS.has(fieldname) || value === undefined) return value;
	return { 1: "Yes", 0: "No" }[value] ?? value;
}

export class Filters {
	/** `on_change(values)` runs on every change; the page writes the URL (filters, tab, page, sort). */
	constructor(page, on_change) {
		this.page = page;
		this.on_change = on_change;
		this.fields = {};
		const initial = frappe.utils.get_query_params();
		for (const df of FILTER_FIELDS) {
			this.fields[df.fieldname] = page.add_field({
				...df,
				default: from_url(df.fieldname, initial[df.fieldname]) || "",
				change: () => this.changed(),
			});
		}
	}

	values() {
		const values = {};
		for (const [name, field] of Object.entries(this.fields)) {
			const value = field.get_value();
			if (value !== undefined && value !== null && value !== "") values[name] = value;
		}
		return values;
	}

	set(values) {
		this.silent = true;
		const promises = Object.entries(values).map(([k, v]) => this.fields[k]?.set_value(v));
		return Promise.all(promises).then(() => {
			this.silent = false;
			this.changed();
		});
	}

	changed() {
		if (this.silent) return;
		this.on_change(this.values());
	}
}
