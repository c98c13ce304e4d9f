// Document View: a server-side paginated, sorted table; never ships all records to the browser.
import { call } from "./api";
import { count, money } from "./format";

const SORTS = [
	["document_date", __("Document Date")],
	["supplier_name", __("Supplier")],
	["document_number", __("Number")],
	["taxable_value", __("Taxable Value")],
	["total_tax", __("Tax")],
	["match_status", __("Match Status")],
	["action", __("Action")],
];

export class DocumentView {
	constructor($wrapper, { on_row_click } = {}) {
		this.$wrapper = $wrapper;
		this.on_row_click = on_row_click;
		this.start = 0;
		this.page_length = 50;
		this.sort_by = "document_date";
		this.sort_order = "desc";
		this.rows = [];
		this.make();
	}

	make() {
		const options = SORTS.map(([v, l]) => `<option value="${v}">${l}</option>`).join("");
		this.$wrapper.html(`
			<div class="ims-dv-toolbar">
				<span class="ims-dv-count text-muted"></span>
				<span class="ims-dv-sort">
					${__("Sort")} <select class="form-control input-xs ims-sort-by">${options}</select>
					<button class="btn btn-xs btn-default ims-sort-order">${__("Desc")}</button>
				</span>
			</div>
			<div class="ims-dv-table"></div>
			<div class="ims-dv-pager">
				<button class="btn btn-xs btn-default ims-prev">${__("Previous")}</button>
				<span class="ims-page-label text-muted"></span>
				<button class="btn btn-xs btn-default ims-next">${__("Next")}</button>
			</div>`);
		this.$wrapper.find(".ims-sort-by").on("change", (e) => {
			this.sort_by = e.target.value;
			this.start = 0;
			this.load();
		});
		this.$wrapper.find(".ims-sort-order").on("click", (e) => {
			this.sort_order = this.sort_order === "desc" ? "asc" : "desc";
			$(e.target).text(this.sort_order === "desc" ? __("Desc") : __("Asc"));
			this.load();
		});
		this.$wrapper.find(".ims-prev").on("click", () => {
			this.start = Math.max(0, this.start - this.page_length);
			this.load();
		});
		this.$wrapper.find(".ims-next").on("click", () => {
			if (this.start + this.page_length < this.total) {
				this.start += this.page_length;
				this.load();
			}
		});
	}

	columns() {
		const link = (doctype) => (value) => (value ? `<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(value)}">${frappe.utils.escape_html(value)}</a>` : "");
		// frappe-datatable puts a cell's value in as HTML: every value from GSTN or a supplier is escaped
		const text = (value) => frappe.utils.escape_html(value ?? "");
		return [
			{ id: "supplier_name", name: __("Supplier"), width: 180 },
			{ id: "supplier_gstin", name: __("GSTIN"), width: 140 },
			{ id: "section", name: __("Section"), width: 70 },
			{ id: "document_number", name: __("Number"), width: 130 },
			{ id: "document_date", name: __("Date"), width: 95, format: (v) => text(frappe.datetime.str_to_user(v)) },
			{ id: "document_value", name: __("Value"), width: 110, align: "right", format: money },
			{ id: "total_tax", name: __("Tax"), width: 100, align: "right", format: money },
			{ id: "match_status", name: __("Match"), width: 120 },
			{
				// P4: the recommendation, "after review" when a person must look first, its reason as a tooltip;
				// a parse warning (e.g. a GSTIN check character) shows as a mark
				id: "recommended_action",
				name: __("Recommended"),
				width: 130,
				format: (v, row, col, data) => {
					const after = v === "Accepted" && data?.needs_review ? ` <span class="indicator-pill orange">${__("after review")}</span>` : "";
					const warn = data?.parse_warnings ? ` <span class="text-warning" title="${frappe.utils.escape_html(data.parse_warnings)}">⚠</span>` : "";
					return `<span title="${frappe.utils.escape_html(data?.recommendation_reason || "")}">${v ? __(v) : ""}${after}</span>${warn}`;
				},
			},
			{ id: "action", name: __("Action"), width: 90 },
			{ id: "gstn_action", name: __("GSTN Action"), width: 95 },
			{ id: "upload_state", name: __("Upload"), width: 110, format: (v, row, col, data) => (data?.upload_error ? `<span title="${text(data.upload_error)}" class="text-danger">${text(v || __("Failed"))}</span>` : text(v)) },
			{ id: "purchase_invoice", name: __("Purchase Invoice"), width: 150, format: link("Purchase Invoice") },
		].map((c) => ({ format: text, ...c, editable: false, sortable: false, dropdown: false }));
	}

	async load(filters) {
		if (filters) {
			this.filters = filters;
			this.start = 0;
		}
		const result = await call("get_document_view", {
			filters: this.filters,
			start: this.start,
			page_length: this.page_length,
			sort_by: this.sort_by,
			sort_order: this.sort_order,
		});
		this.rows = result.rows;
		this.total = result.total;
		this.render();
	}

	render() {
		const data = this.rows.map((r) => ({ ...r }));
		const $table = this.$wrapper.find(".ims-dv-table");
		if (!this.datatable) {
			this.datatable = new frappe.DataTable($table.get(0), {
				columns: this.columns(),
				data,
				checkboxColumn: true,
				serialNoColumn: false,
				layout: "fixed",
				noDataMessage: __("No records for these filters."),
				events: {
					onCheckRow: () => this.$wrapper.trigger("ims-selection"),
				},
			});
			$table.on("click", ".dt-cell__content", (e) => {
				const index = $(e.currentTarget).closest(".dt-row").data("row-index");
				if (index !== undefined && !$(e.target).is("a, input") && this.on_row_click) this.on_row_click(this.rows[index]);
			});
		} else {
			this.datatable.refresh(data, this.columns());
		}
		const end = Math.min(this.start + this.rows.length, this.total);
		this.$wrapper.find(".ims-dv-count").text(__("{0} records", [count(this.total)]));
		this.$wrapper.find(".ims-page-label").text(this.total ? `${this.start + 1}-${end} / ${count(this.total)}` : "");
	}

	selected_names() {
		if (!this.datatable) return [];
		return this.datatable.rowmanager.getCheckedRows().map((i) => this.rows[i]?.name).filter(Boolean);
	}
}
