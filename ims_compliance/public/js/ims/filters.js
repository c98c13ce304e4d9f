// Filters of the page, kept in the URL so a view can be shared.
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
	{ fieldname: "upload_pending", label: __("Upload Pending"), fieldtype: "Select", options: ["", "1", "0"] },
	{ fieldname: "supplier_filed", label: __("Supplier Filed"), fieldtype: "Select", options: ["", "1", "0"] },
	{
		fieldname: "changed_by_supplier",
		label: __("Changed by Supplier"),
		fieldtype: "Select",
		options: ["", "1", "0"],
	},
];

export class Filters {
	constructor(page, on_change) {
		this.page = page;
		this.on_change = on_change;
		this.fields = {};
		const initial = frappe.utils.get_query_params();
		for (const df of FILTER_FIELDS) {
			this.fields[df.fieldname] = page.add_field({
				...df,
				default: initial[df.fieldname] || "",
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
		const query = new URLSearchParams(this.values()).toString();
		window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
		this.on_change(this.values());
	}
}
