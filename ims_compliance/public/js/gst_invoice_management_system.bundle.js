// The "GST Invoice Management System" page: filters, header cards and three tabs.
import { Filters } from "./ims/filters";
import { DocumentView } from "./ims/document_view";
import { render_header, render_match_summary, render_actions_summary } from "./ims/summaries";
import { action_period } from "./ims/format";
import { ACTION_LABELS, apply_recommended, choose_scope } from "./ims/actions";
import { show_detail } from "./ims/detail_dialog";
import { download_template, export_view, import_actions } from "./ims/files";
import { call } from "./ims/api";

frappe.provide("ims_compliance");

const TABS = [
	["match-summary", __("Match Summary")],
	["document-view", __("Document View")],
	["actions-summary", __("Actions Summary")],
];

ims_compliance.IMSPage = class IMSPage {
	constructor(wrapper) {
		this.page = frappe.ui.make_app_page({ parent: wrapper, title: __("GST Invoice Management System"), single_column: true });
		frappe.realtime.on("ims_reconcile_done", () => this.refresh());
		frappe.realtime.on("ims_download_done", () => this.refresh());
		this.filters = new Filters(this.page, () => this.refresh());
		this.make_body();
		this.make_toolbar();
		this.show_tab(frappe.utils.get_query_params().tab || "match-summary");
		this.refresh();
	}

	make_body() {
		const nav = TABS.map(([id, label]) => `<li class="nav-item"><a class="nav-link" data-tab="${id}" href="#">${label}</a></li>`).join("");
		const panes = TABS.map(([id]) => `<div class="ims-pane" data-pane="${id}"></div>`).join("");
		this.$body = $(`
			<div class="ims-page">
				<div class="ims-notice"></div>
				<div class="ims-header"></div>
				<ul class="nav nav-tabs ims-tabs">${nav}</ul>
				<div class="ims-panes">${panes}</div>
			</div>`).appendTo(this.page.main);
		this.$body.on("click", ".ims-tabs .nav-link", (e) => {
			e.preventDefault();
			this.show_tab($(e.currentTarget).data("tab"));
			this.refresh_tab();
		});
		this.document_view = new DocumentView(this.pane("document-view"), {
			on_row_click: (row) => show_detail(row.name, () => this.refresh()),
		});
	}

	make_toolbar() {
		for (const action of Object.keys(ACTION_LABELS)) {
			this.page.add_inner_button(ACTION_LABELS[action], () => this.act(action), __("Actions"));
		}
		this.page.add_inner_button(__("Apply Recommended"), () => apply_recommended(this.filters.values(), () => this.refresh()), __("Actions"));
		this.page.add_inner_button(__("Download Action Template"), () => download_template(this.filters.values()), __("Excel"));
		this.page.add_inner_button(__("Import Actions"), () => import_actions(() => this.refresh()), __("Excel"));
		this.page.add_inner_button(__("Export"), () => export_view(this.filters.values()), __("Excel"));
		this.page.add_inner_button(__("Download from GSTN"), () => this.download(), __("GSTN"));
		this.page.add_inner_button(__("Import Portal File"), () => this.import_portal_file(), __("GSTN"));
		this.page.add_inner_button(__("Reconcile"), () => this.reconcile(), __("GSTN"));
	}

	pick_gstin(title, fields, action) {
		const gstins = (this.state?.company_gstins || []).map((g) => g.gstin);
		const dialog = new frappe.ui.Dialog({
			title,
			fields: [{ fieldname: "company_gstin", label: __("Company GSTIN"), fieldtype: "Select", options: gstins, reqd: 1, default: this.filters.values().company_gstin || gstins[0] }, ...fields],
			primary_action_label: title,
			primary_action: (values) => {
				dialog.hide();
				action(values);
			},
		});
		dialog.show();
	}

	download() {
		this.pick_gstin(__("Download from GSTN"), [], async ({ company_gstin }) => {
			const result = await call("download_from_gstn", { company_gstin }, { freeze: true });
			if (result.otp_needed) return this.ask_otp(company_gstin);
			frappe.show_alert({ message: result.queued ? __("Download queued; you will be notified.") : result.message, indicator: result.queued ? "blue" : "orange" });
		});
	}

	async ask_otp(company_gstin) {
		await call("request_otp", { company_gstin }, { freeze: true, freeze_message: __("Asking GSTN for an OTP...") });
		frappe.prompt(
			[{ fieldname: "otp", label: __("OTP sent by GSTN"), fieldtype: "Data", reqd: 1 }],
			async ({ otp }) => {
				await call("submit_otp", { company_gstin, otp }, { freeze: true });
				const result = await call("download_from_gstn", { company_gstin }, { freeze: true });
				frappe.show_alert({ message: result.queued ? __("Download queued; you will be notified.") : result.message || "", indicator: "blue" });
			},
			__("GSTN session for {0}", [company_gstin]),
			__("Log in")
		);
	}

	import_portal_file() {
		this.pick_gstin(__("Import Portal File"), [], ({ company_gstin }) => {
			new frappe.ui.FileUploader({
				allow_multiple: false,
				make_attachments_public: false,
				restrictions: { allowed_file_types: [".json"] },
				on_success: async (file) => {
					const r = await call("import_portal_file", { file_url: file.file_url, company_gstin }, { freeze: true, freeze_message: __("Importing...") });
					frappe.msgprint({ title: __("Portal file imported"), indicator: "green",
						message: __("{0} records: {1} new, {2} unchanged, {3} changed by supplier, {4} gone.", [r.records, r.new, r.unchanged, r.changed_by_supplier, r.gone]) });
					this.refresh();
				},
			});
		});
	}

	reconcile() {
		const values = this.filters.values();
		const gstins = (this.state?.company_gstins || []).map((g) => g.gstin);
		const dialog = new frappe.ui.Dialog({
			title: __("Reconcile with Purchase Invoices"),
			fields: [
				{ fieldname: "company_gstin", label: __("Company GSTIN"), fieldtype: "Select", options: gstins, reqd: 1, default: values.company_gstin || gstins[0] },
				{ fieldname: "from_period", label: __("From Period (MMYYYY)"), fieldtype: "Data", reqd: 1, default: values.supplier_period || action_period() },
				{ fieldname: "to_period", label: __("To Period (MMYYYY)"), fieldtype: "Data", default: values.supplier_period || action_period() },
			],
			primary_action_label: __("Reconcile"),
			primary_action: async (args) => {
				dialog.hide();
				const result = await call("reconcile", args, { freeze: true, freeze_message: __("Queueing...") });
				frappe.show_alert({ message: result.queued ? __("Reconciliation queued; the page refreshes when it is done.") : result.message, indicator: result.queued ? "blue" : "orange" });
			},
		});
		dialog.show();
	}

	act(action) {
		choose_scope(
			action,
			{ selected: this.document_view.selected_names(), filters: this.filters.values(), total: this.document_view.total || 0 },
			() => this.refresh()
		);
	}

	pane(id) {
		return this.$body.find(`[data-pane="${id}"]`);
	}

	show_tab(id) {
		this.tab = id;
		this.$body.find(".ims-tabs .nav-link").removeClass("active");
		this.$body.find(`.ims-tabs [data-tab="${id}"]`).addClass("active");
		this.$body.find(".ims-pane").hide();
		this.pane(id).show();
	}

	on_show() {
		if (this.loaded) this.refresh();
	}

	async explain_state() {
		this.state = await call("get_page_state");
		const $notice = this.$body.find(".ims-notice").empty();
		if (!this.state.company_gstins.length) {
			const link = this.state.can_configure ? `<a href="/app/ims-settings">${__("Open IMS Settings")}</a>` : __("Ask an Accounts Manager to set it up.");
			$notice.html(`<div class="alert alert-warning">${__("No company GSTIN is configured yet: add one in IMS Settings to download and reconcile.")} ${link}</div>`);
		} else if (!this.state.records) {
			$notice.html(`<div class="alert alert-info">${__("Nothing has been downloaded from GSTN yet. Use GSTN > Download, or import the JSON file the GST portal gives you.")}</div>`);
		}
	}

	async refresh() {
		const filters = this.filters.values();
		if (!this.loaded) await this.explain_state();
		this.loaded = true;
		await render_header(this.$body.find(".ims-header"), filters);
		await this.refresh_tab();
	}

	refresh_tab() {
		const filters = this.filters.values();
		if (this.tab === "match-summary") {
			return render_match_summary(this.pane("match-summary"), filters, (pick) => {
				this.show_tab("document-view");
				this.filters.set(pick);
			});
		}
		if (this.tab === "document-view") return this.document_view.load(filters);
		return render_actions_summary(this.pane("actions-summary"), filters);
	}
};
