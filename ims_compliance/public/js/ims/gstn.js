// The GSTN menu: download, import a portal file, reconcile, upload (or the offline-tool JSON),
// recompute GSTR-2B, and the OTP log-in every one of them may need first.
import { call } from "./api";
import { action_period, count, period_label, plural, records } from "./format";

/** The message of a refused call (frappe.throw's text), for showing it where the user looks. */
function server_error(error) {
	try {
		const messages = JSON.parse(error?.responseJSON?._server_messages || "[]");
		const last = messages.length ? JSON.parse(messages[messages.length - 1]) : null;
		if (last?.message) return $("<div>").html(last.message).text();
	} catch (e) {
		// not frappe's shape: fall through
	}
	return error?.responseJSON?.exception || error?.message || "";
}

export class Gstn {
	constructor(page) {
		this.page = page; // the IMSPage: state (company GSTINs, sessions), filters, refresh()
	}

	gstins() {
		return (this.page.state?.company_gstins || []).map((g) => g.gstin);
	}

	pick_gstin(title, fields, action) {
		const gstins = this.gstins();
		const dialog = new frappe.ui.Dialog({
			title,
			fields: [
				{ fieldname: "company_gstin", label: __("Company GSTIN"), fieldtype: "Select", options: gstins, reqd: 1, default: this.page.filters.values().company_gstin || gstins[0] },
				...fields,
			],
			primary_action_label: title,
			primary_action: (values) => {
				dialog.hide();
				action(values);
			},
		});
		dialog.show();
		return dialog;
	}

	// Ask GSTN for an OTP, take it from the user, then carry on with `then` (if given). A wrong
	// OTP keeps the prompt open with GSTN's answer under the field, so the user can type it again.
	async log_in(company_gstin, then) {
		await call("request_otp", { company_gstin }, { freeze: true, freeze_message: __("Asking GSTN for an OTP...") });
		const dialog = new frappe.ui.Dialog({
			title: __("GSTN session for {0}", [company_gstin]),
			fields: [{ fieldname: "otp", label: __("OTP sent by GSTN"), fieldtype: "Data", reqd: 1 }],
			primary_action_label: __("Log in"),
			primary_action: async ({ otp }) => {
				const field = dialog.get_field("otp");
				field.set_description("");
				field.$wrapper.removeClass("has-error");
				try {
					await call("submit_otp", { company_gstin, otp: (otp || "").trim() }, { freeze: true, silent: true });
				} catch (e) {
					field.$wrapper.addClass("has-error");
					field.set_description(`<span class="text-danger ims-otp-error">${frappe.utils.escape_html(server_error(e) || __("GSTN refused the OTP."))}</span>`);
					dialog.set_value("otp", "");
					return;
				}
				dialog.hide();
				frappe.show_alert({ message: __("Logged in to GSTN for {0}", [company_gstin]), indicator: "green" });
				await this.page.explain_state();
				if (then) await then();
			},
		});
		dialog.show();
		return dialog;
	}

	// Run a queued GSTN job; when GSTN needs an OTP first, log in and run it again. Without
	// realtime the page polls the job and refreshes when it is done (jobs.js).
	async queue(method, args, queued_message) {
		const result = await call(method, args, { freeze: true });
		if (result.otp_needed) return this.log_in(args.company_gstin, () => this.queue(method, args, queued_message));
		frappe.show_alert({ message: result.queued ? queued_message : result.message, indicator: result.queued ? "blue" : "orange" });
		this.page.watch(result);
		return result;
	}

	download() {
		const full = {
			fieldname: "force",
			label: __("Full download (read every section, even where GSTN's counts did not change)"),
			fieldtype: "Check",
			description: __("Catches supplier edits of records nobody acted on; the daily scheduled download is always full."),
		};
		this.pick_gstin(__("Download from GSTN"), [full], ({ company_gstin, force }) =>
			this.queue("download_from_gstn", { company_gstin, force: force ? 1 : 0 }, __("Download queued; you will be notified."))
		);
	}

	import_portal_file() {
		this.pick_gstin(__("Import Portal File"), [], ({ company_gstin }) => {
			new frappe.ui.FileUploader({
				allow_multiple: false,
				make_attachments_public: false,
				restrictions: { allowed_file_types: [".json"] },
				on_success: async (file) => {
					const run = (confirm_gstin) =>
						call("import_portal_file", { file_url: file.file_url, company_gstin, confirm_gstin }, { freeze: true, freeze_message: __("Importing...") });
					let r = await run(0);
					if (r.needs_gstin_confirmation) {
						// a file that names no GSTIN: the user confirms which company GSTIN it is for
						const ok = await new Promise((resolve) => frappe.confirm(frappe.utils.escape_html(r.message), () => resolve(true), () => resolve(false)));
						if (!ok) return;
						r = await run(1);
					}
					const by_status = Object.entries((r.reconciled && r.reconciled.by_status) || {})
						.map(([status, n]) => `${frappe.utils.escape_html(status)}: ${n}`)
						.join(", ");
					const warnings = (r.warnings || []).map((w) => `<li>${frappe.utils.escape_html(w)}</li>`).join("");
					frappe.msgprint({
						title: __("Portal file imported"),
						indicator: warnings ? "orange" : "green",
						message:
							__("{0}: {1} new, {2} unchanged, {3} changed by supplier, {4} gone.", [records(r.records), count(r.new), count(r.unchanged), count(r.changed_by_supplier), count(r.gone)]) +
							(by_status ? `<p>${__("Reconciled")}: ${by_status}</p>` : "") +
							(warnings ? `<p>${plural(r.warning_count, __("1 warning (the record was kept):"), __("{0} warnings (the records were kept):"))}</p><ul>${warnings}</ul>` : ""),
					});
					this.page.refresh();
				},
			});
		});
	}

	reconcile() {
		const values = this.page.filters.values();
		const gstins = this.gstins();
		const dialog = new frappe.ui.Dialog({
			title: __("Reconcile with Purchase Invoices"),
			fields: [
				{ fieldname: "company_gstin", label: __("Company GSTIN"), fieldtype: "Select", options: gstins, reqd: 1, default: values.company_gstin || gstins[0] },
				{ fieldname: "from_period", label: __("From Period (MMYYYY)"), fieldtype: "Data", reqd: 1, default: values.supplier_period || action_period(), description: period_label(values.supplier_period || action_period()) },
				{ fieldname: "to_period", label: __("To Period (MMYYYY)"), fieldtype: "Data", default: values.supplier_period || action_period() },
			],
			primary_action_label: __("Reconcile"),
			primary_action: async (args) => {
				dialog.hide();
				const result = await call("reconcile", args, { freeze: true, freeze_message: __("Queueing...") });
				frappe.show_alert({ message: result.queued ? __("Reconciliation queued; the page refreshes when it is done.") : result.message, indicator: result.queued ? "blue" : "orange" });
				this.page.watch(result);
			},
		});
		dialog.show();
	}

	// Upload: first show what would go (by action, failed ones again), then queue it, or hand
	// over the offline-tool JSON when the connection is "Offline File".
	upload() {
		this.pick_gstin(__("Upload to GSTN"), [], async ({ company_gstin }) => {
			const summary = await call("get_upload_summary", { company_gstin }, { freeze: true });
			if (!summary.pending) {
				frappe.msgprint({
					title: __("Nothing to upload"),
					message: summary.uploading
						? __("{0} with GSTN already; their result will follow.", [records(summary.uploading)])
						: __("Every action of {0} is already on GSTN.", [company_gstin]),
				});
				return;
			}
			const lines = Object.entries(summary.by_action)
				.map(([action, n]) => `<li>${__(action)}: <b>${count(n)}</b></li>`)
				.join("");
			const failed = summary.failed ? `<p>${__("{0} of them were refused by GSTN last time and go again.", [count(summary.failed)])}</p>` : "";
			const offline = summary.connection_mode === "Offline File";
			const actions = plural(summary.pending, __("1 action"), __("{0} actions"));
			const message = `<p>${__("{0} of {1} not on GSTN yet:", [actions, company_gstin])}</p><ul>${lines}</ul>${failed}
				<p>${offline ? __("The connection is set to Offline File: you get the JSON to upload in the GST portal's offline tool.") : __("They are sent in the background; you will be notified of GSTN's answer.")}</p>`;
			frappe.confirm(message, async () => {
				if (offline) return this.download_offline_file(company_gstin);
				await this.queue("upload_to_gstn", { company_gstin }, __("Upload queued; you will be notified."));
			});
		});
	}

	// POST (it records an IMS Upload Request): a posted form, which the browser saves as a file
	download_offline_file(company_gstin) {
		const form = open_url_post("/api/method/ims_compliance.api.download_offline_upload_file", { company_gstin });
		form?.remove?.();
	}

	recompute_2b() {
		this.pick_gstin(
			__("Recompute GSTR-2B"),
			[{ fieldname: "period", label: __("GSTR-2B Period (MMYYYY)"), fieldtype: "Data", reqd: 1, default: action_period(), description: period_label(action_period()) }],
			({ company_gstin, period }) =>
				this.queue("recompute_gstr2b", { company_gstin, period }, __("GSTR-2B recompute queued; you will be notified."))
		);
	}

	// A banner per GSTIN whose GSTN session has expired (API connections only).
	session_notice() {
		const expired = (this.page.state?.company_gstins || []).filter((g) => g.session === false);
		return expired
			.map(
				(g) => `<div class="alert alert-warning ims-session-expired">${__("The GSTN session for {0} has expired or was never opened.", [g.gstin])}
				<a href="#" class="ims-log-in" data-gstin="${frappe.utils.escape_html(g.gstin)}">${__("Log in with an OTP")}</a></div>`
			)
			.join("");
	}
}
