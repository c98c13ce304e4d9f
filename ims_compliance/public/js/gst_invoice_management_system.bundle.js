// The "GST Invoice Management System" page: filters, header cards and three tabs.
import { Filters } from "./ims/filters";
import { DocumentView } from "./ims/document_view";
import { render_header, render_match_summary, render_actions_summary } from "./ims/summaries";
import { ACTION_LABELS, apply_recommended, choose_scope } from "./ims/actions";
import { show_detail } from "./ims/detail_dialog";
import { download_template, export_view, import_actions } from "./ims/files";
import { call } from "./ims/api";
import { Gstn } from "./ims/gstn";
import { watch_job } from "./ims/jobs";

frappe.provide("ims_compliance");

const TABS = [
	["match-summary", __("Match Summary")],
	["document-view", __("Document View")],
	["actions-summary", __("Actions Summary")],
];

ims_compliance.IMSPage = class IMSPage {
	constructor(wrapper) {
		this.page = frappe.ui.make_app_page({ parent: wrapper, title: __("GST Invoice Management System"), single_column: true });
		for (const event of ["ims_reconcile_done", "ims_download_done", "ims_upload_done", "ims_gen2b_done"]) {
			frappe.realtime.on(event, () => this.after_job());
		}
		this.gstn = new Gstn(this);
		const query = frappe.utils.get_query_params();
		this.filters = new Filters(this.page, () => {
			this.write_url();
			this.refresh();
		});
		this.make_body(query);
		this.make_toolbar();
		this.show_tab(TABS.some(([id]) => id === query.tab) ? query.tab : "match-summary");
		this.refresh();
	}

	/** Filters, tab, page and sort in the URL: a view can be shared, and reload keeps it. */
	write_url() {
		const state = { ...this.filters.values() };
		if (this.tab && this.tab !== "match-summary") state.tab = this.tab;
		Object.assign(state, this.document_view?.url_state() || {});
		const query = new URLSearchParams(state).toString();
		window.history.replaceState(null, "", window.location.pathname + (query ? `?${query}` : ""));
	}

	/** A job finished: the state (records, sessions) and every number may have moved. */
	after_job() {
		this.loaded = false;
		return this.refresh();
	}

	/** A job was queued: without realtime, poll it and refresh when it is done. */
	watch(result) {
		if (watch_job(result, () => this.after_job())) {
			frappe.show_alert({ message: __("Live updates are off (no socket.io): the page checks the job every few seconds."), indicator: "blue" }, 7);
		}
	}

	make_body(query = {}) {
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
			this.write_url();
			this.refresh_tab();
		});
		this.document_view = new DocumentView(this.pane("document-view"), {
			on_row_click: (row) => show_detail(row.name, () => this.refresh()),
			state: query,
			on_state_change: () => this.write_url(),
		});
	}

	make_toolbar() {
		for (const action of Object.keys(ACTION_LABELS)) {
			this.page.add_inner_button(ACTION_LABELS[action], () => this.act(action), __("Actions"));
		}
		this.page.add_inner_button(__("Apply Recommended"), () => apply_recommended(this.filters.values(), () => this.refresh()), __("Actions"));
		this.page.add_inner_button(__("Download Action Template"), () => download_template(this.filters.values()), __("Excel"));
		this.page.add_inner_button(__("Import Actions"), () => import_actions(() => this.refresh(), (result) => this.watch(result)), __("Excel"));
		this.page.add_inner_button(__("Export"), () => export_view(this.filters.values()), __("Excel"));
		this.page.add_inner_button(__("Download from GSTN"), () => this.gstn.download(), __("GSTN"));
		this.page.add_inner_button(__("Import Portal File"), () => this.gstn.import_portal_file(), __("GSTN"));
		this.page.add_inner_button(__("Reconcile"), () => this.gstn.reconcile(), __("GSTN"));
		// what reaches GSTN is an Accounts Manager's call (the server refuses others too)
		if (frappe.user.has_role(["Accounts Manager", "System Manager"])) {
			this.page.add_inner_button(__("Upload to GSTN"), () => this.gstn.upload(), __("GSTN"));
			this.page.add_inner_button(__("Recompute GSTR-2B"), () => this.gstn.recompute_2b(), __("GSTN"));
		}
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
		$notice.off("click", ".ims-log-in").on("click", ".ims-log-in", (e) => {
			e.preventDefault();
			this.gstn.log_in($(e.currentTarget).data("gstin"));
		});
		if (!this.state.company_gstins.length) {
			const link = this.state.can_configure ? `<a href="/app/ims-settings">${__("Open IMS Settings")}</a>` : __("Ask an Accounts Manager to set it up.");
			$notice.html(`<div class="alert alert-warning">${__("No company GSTIN is configured yet: add one in IMS Settings to download and reconcile.")} ${link}</div>`);
		} else if (!this.state.records) {
			$notice.html(`<div class="alert alert-info">${__("Nothing has been downloaded from GSTN yet. Use GSTN > Download, or import the JSON file the GST portal gives you.")}</div>`);
		}
		$notice.append(this.gstn.session_notice());
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
				this.write_url();
			});
		}
		if (this.tab === "document-view") return this.document_view.load(filters);
		return render_actions_summary(this.pane("actions-summary"), filters);
	}
};
