// Document View: a server-side paginated, sorted table; never ships all records to the browser.
// Its page and sort live in the URL with the filters; its columns are the user's pick (a column
// picker, remembered in this browser), sized to be read whole at 1280 px.
import { call } from "./api";
import { count, date, money, period_label, records } from "./format";

const esc = (value) => frappe.utils.escape_html(value ?? "");
/** A cell whose whole text is also its tooltip: a value cut by a narrow column stays readable. */
const text = (value) => (value ? `<span title="${esc(value)}">${esc(value)}</span>` : "");

const SORTS = [
	["document_date", __("Document Date")],
	["supplier_name", __("Supplier")],
	["document_number", __("Number")],
	["document_value", __("Value")],
	["taxable_value", __("Taxable Value")],
	["total_tax", __("Tax")],
	["match_status", __("Match Status")],
	["action", __("Action")],
	["gstn_action", __("GSTN Action")],
	["section", __("Section")],
];
const SORT_IDS = new Set(SORTS.map(([id]) => id));
const COLUMNS_KEY = "ims_compliance:document_view:columns";
const PAGE_LENGTH = 50;

const link = (doctype) => (value) =>
	value ? `<a href="/app/${frappe.router.slug(doctype)}/${encodeURIComponent(value)}" title="${esc(value)}">${esc(value)}</a>` : "";

/** Every column the view can show; `show` marks the default ones (their widths add up to what
 * a 1280 px screen gives the table, so none of their values is cut: the browser walk checks). */
export const COLUMNS = [
	{
		id: "supplier_name",
		name: __("Supplier"),
		width: 220,
		show: true,
		// the supplier's name over its GSTIN: one column where two would not fit at 1280 px
		format: (v, row, col, data) =>
			`<div class="ims-two-line"><div title="${esc(v)}">${esc(v || data?.supplier_gstin)}</div><div class="ims-sub" title="${esc(data?.supplier_gstin)}">${esc(data?.supplier_gstin)}</div></div>`,
	},
	{ id: "supplier_gstin", name: __("Supplier GSTIN"), width: 160 },
	{ id: "section", name: __("Section"), width: 75 },
	{ id: "document_type", name: __("Type"), width: 100 },
	// GSTN's document numbers run to 16 characters: all of them fit
	{ id: "document_number", name: __("Number"), width: 170, show: true },
	{ id: "document_date", name: __("Date"), width: 110, show: true, format: (v) => text(date(v)) },
	{ id: "supplier_period", name: __("Period"), width: 90, format: (v) => text(period_label(v)) },
	{ id: "taxable_value", name: __("Taxable Value"), width: 115, align: "right", format: (v) => text(money(v)) },
	{ id: "document_value", name: __("Value"), width: 115, align: "right", format: (v) => text(money(v)) },
	{ id: "total_tax", name: __("Tax"), width: 115, align: "right", show: true, format: (v) => text(money(v)) },
	{ id: "match_status", name: __("Match"), width: 135, show: true },
	{
		// P4: the recommendation, "after review" when a person must look first, its reason as a
		// tooltip; a parse warning (e.g. a GSTIN check character) shows as a mark. Not a default
		// column: with it the defaults no longer fit 1280 px (the Columns button adds it)
		id: "recommended_action",
		name: __("Recommended"),
		width: 170,
		format: (v, row, col, data) => {
			const after = v === "Accepted" && data?.needs_review ? ` <span class="indicator-pill orange">${__("after review")}</span>` : "";
			const warn = data?.parse_warnings ? ` <span class="text-warning" title="${esc(data.parse_warnings)}">⚠</span>` : "";
			return `<span title="${esc(data?.recommendation_reason || "")}">${v ? esc(__(v)) : ""}${after}</span>${warn}`;
		},
	},
	{ id: "action", name: __("Action"), width: 95, show: true },
	{ id: "gstn_action", name: __("GSTN Action"), width: 100 },
	{
		id: "upload_state",
		name: __("Upload"),
		width: 128,
		show: true,
		format: (v, row, col, data) =>
			data?.upload_error ? `<span title="${esc(data.upload_error)}" class="text-danger">${esc(v || __("Failed"))}</span>` : text(v),
	},
	{ id: "purchase_invoice", name: __("Purchase Invoice"), width: 192, show: true, format: link("Purchase Invoice") },
];

export class DocumentView {
	/** `state` ({page, sort, order} from the URL); `on_state_change` when page or sort move. */
	constructor($wrapper, { on_row_click, state = {}, on_state_change } = {}) {
		this.$wrapper = $wrapper;
		this.on_row_click = on_row_click;
		this.on_state_change = on_state_change || (() => {});
		this.page_length = PAGE_LENGTH;
		this.start = Math.max(0, (cint(state.page) - 1) * PAGE_LENGTH) || 0;
		this.sort_by = SORT_IDS.has(state.sort) ? state.sort : "document_date";
		this.sort_order = state.order === "asc" ? "asc" : "desc";
		this.visible = this.saved_columns();
		this.rows = [];
		// start -> the `after` cursor that reads the page at that start by keyset (issue 18): Next
		// and Previous over pages already seen never make the server skip rows by OFFSET
		this.cursors = {};
		this.make();
	}

	/** The page, sort and order as the URL keeps them (defaults left out). */
	url_state() {
		const state = {};
		if (this.start) state.page = Math.floor(this.start / this.page_length) + 1;
		if (this.sort_by !== "document_date") state.sort = this.sort_by;
		if (this.sort_order !== "desc") state.order = this.sort_order;
		return state;
	}

	saved_columns() {
		try {
			const saved = JSON.parse(localStorage.getItem(COLUMNS_KEY) || "null");
			const known = new Set(COLUMNS.map((c) => c.id));
			if (Array.isArray(saved) && saved.some((id) => known.has(id))) return saved.filter((id) => known.has(id));
		} catch (e) {
			// a broken saved value: fall back to the defaults
		}
		return COLUMNS.filter((c) => c.show).map((c) => c.id);
	}

	make() {
		const options = SORTS.map(([v, l]) => `<option value="${v}">${l}</option>`).join("");
		this.$wrapper.html(`
			<div class="ims-dv-toolbar">
				<span class="ims-dv-count text-muted"></span>
				<span class="ims-dv-sort">
					<button class="btn btn-xs btn-default ims-columns">${__("Columns")}</button>
					${__("Sort")} <select class="form-control input-xs ims-sort-by">${options}</select>
					<button class="btn btn-xs btn-default ims-sort-order"></button>
				</span>
			</div>
			<div class="ims-dv-table"></div>
			<div class="ims-dv-pager">
				<button class="btn btn-xs btn-default ims-prev">${__("Previous")}</button>
				<span class="ims-page-label text-muted"></span>
				<button class="btn btn-xs btn-default ims-next">${__("Next")}</button>
			</div>`);
		this.$wrapper.find(".ims-sort-by").val(this.sort_by);
		this.show_order();
		this.$wrapper.find(".ims-sort-by").on("change", (e) => {
			this.sort_by = e.target.value;
			this.start = 0;
			this.cursors = {};
			this.moved();
		});
		this.$wrapper.find(".ims-sort-order").on("click", () => {
			this.sort_order = this.sort_order === "desc" ? "asc" : "desc";
			this.cursors = {};
			this.show_order();
			this.moved();
		});
		this.$wrapper.find(".ims-prev").on("click", () => {
			if (!this.start) return;
			this.start = Math.max(0, this.start - this.page_length);
			this.moved();
		});
		this.$wrapper.find(".ims-next").on("click", () => {
			if (this.start + this.page_length < this.total) {
				this.start += this.page_length;
				this.moved();
			}
		});
		this.$wrapper.find(".ims-columns").on("click", () => this.pick_columns());
	}

	show_order() {
		this.$wrapper.find(".ims-sort-order").text(this.sort_order === "desc" ? __("Descending") : __("Ascending"));
	}

	moved() {
		this.on_state_change(this.url_state());
		this.load();
	}

	pick_columns() {
		const dialog = new frappe.ui.Dialog({
			title: __("Columns"),
			fields: [
				{
					fieldname: "columns",
					fieldtype: "MultiCheck",
					columns: 2,
					options: COLUMNS.map((c) => ({ label: c.name, value: c.id, checked: this.visible.includes(c.id) })),
				},
				{ fieldtype: "HTML", options: `<p class="text-muted small">${__("More columns than fit the screen scroll sideways; hover a cut value to read it whole.")}</p>` },
			],
			primary_action_label: __("Apply"),
			primary_action: ({ columns }) => {
				dialog.hide();
				this.visible = columns?.length ? columns : COLUMNS.filter((c) => c.show).map((c) => c.id);
				localStorage.setItem(COLUMNS_KEY, JSON.stringify(this.visible));
				this.remake_table();
			},
			secondary_action_label: __("Reset"),
			secondary_action: () => {
				dialog.hide();
				localStorage.removeItem(COLUMNS_KEY);
				this.visible = this.saved_columns();
				this.remake_table();
			},
		});
		dialog.show();
	}

	remake_table() {
		this.datatable?.destroy?.();
		this.datatable = null;
		this.$wrapper.find(".ims-dv-table").empty().off("click");
		this.render();
	}

	columns() {
		return COLUMNS.filter((c) => this.visible.includes(c.id)).map(({ show, ...c }) => ({
			format: (v) => text(v),
			...c,
			editable: false,
			sortable: false,
			dropdown: false,
			resizable: true,
		}));
	}

	async load(filters) {
		if (filters) {
			if (this.filters && JSON.stringify(filters) !== JSON.stringify(this.filters)) {
				this.start = 0; // other filters: back to the first page
				this.cursors = {};
				this.on_state_change(this.url_state());
			}
			this.filters = filters;
		}
		const result = await call("get_document_view", {
			filters: this.filters,
			start: this.start,
			page_length: this.page_length,
			sort_by: this.sort_by,
			sort_order: this.sort_order,
			after: this.cursors[this.start] || null,
		});
		this.rows = result.rows;
		this.total = result.total;
		if (result.next) this.cursors[this.start + this.page_length] = result.next;
		else delete this.cursors[this.start + this.page_length];
		if (this.start && this.start >= this.total) {
			// a page number from an old link, past the end now: show the last page
			this.start = Math.max(0, Math.floor((this.total - 1) / this.page_length) * this.page_length);
			this.cursors = {};
			this.on_state_change(this.url_state());
			return this.load();
		}
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
				cellHeight: 48, // the Supplier column's two lines
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
		this.$wrapper.find(".ims-dv-count").text(records(this.total));
		this.$wrapper.find(".ims-page-label").text(this.total ? __("{0}-{1} of {2}", [count(this.start + 1), count(end), count(this.total)]) : "");
		this.$wrapper.find(".ims-prev").prop("disabled", !this.start);
		this.$wrapper.find(".ims-next").prop("disabled", this.start + this.page_length >= this.total);
	}

	selected_names() {
		if (!this.datatable) return [];
		return this.datatable.rowmanager.getCheckedRows().map((i) => this.rows[i]?.name).filter(Boolean);
	}
}
