// Copyright (c) 2026, ims_compliance developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("IMS Settings", {
	test_connection(frm) {
		const gstins = (frm.doc.company_gstins || []).map((row) => row.gstin).filter(Boolean);
		if (!gstins.length) {
			frappe.msgprint(__("Add a company GSTIN first."));
			return;
		}
		if (frm.is_dirty()) {
			frappe.msgprint(__("Save the settings first: the test uses what is saved."));
			return;
		}
		const run = (gstin, otp) =>
			frappe
				.call({
					method: "ims_compliance.api.test_gstn_connection",
					args: { company_gstin: gstin, otp: otp || null },
					freeze: true,
					freeze_message: __("Asking GSTN..."),
				})
				.then((r) => show(gstin, r.message || {}));
		const show = (gstin, result) => {
			// GSTN's (or the GSP's) answer, shown verbatim but escaped: it is foreign text
			const answer = frappe.utils.escape_html(
				typeof result.answer === "string" ? result.answer : JSON.stringify(result.answer, null, 1)
			);
			const head = result.ok
				? result.otp_needed
					? __("GSTN was asked for an OTP for {0}.", [frappe.utils.escape_html(gstin)])
					: __("Connected: {0} records in IMS for {1}.", [result.total, frappe.utils.escape_html(gstin)])
				: __("Refused: {0}", [frappe.utils.escape_html(`${result.code || ""} ${result.message || ""}`)]);
			const html = `<p>${head}</p><p>${__("HTTP status")}: ${frappe.utils.escape_html(
				String(result.status ?? "")
			)} &middot; ${__("calls")}: ${result.calls || 0}</p><pre style="white-space: pre-wrap">${answer}</pre>`;
			const title = __("Test Connection ({0})", [frappe.utils.escape_html(result.profile || "")]);
			if (!result.otp_needed) {
				frappe.msgprint({ title, indicator: result.ok ? "green" : "red", message: html });
				return;
			}
			// one dialog: GSTN's answer above, the OTP it sent below
			const dialog = new frappe.ui.Dialog({
				title,
				fields: [
					{ fieldname: "answer", fieldtype: "HTML", options: html },
					{ fieldname: "otp", fieldtype: "Data", label: __("OTP"), reqd: 1 },
				],
				primary_action_label: __("Log in"),
				primary_action(values) {
					dialog.hide();
					run(gstin, values.otp);
				},
			});
			dialog.show();
		};
		if (gstins.length === 1) {
			run(gstins[0]);
			return;
		}
		frappe.prompt(
			{
				fieldname: "gstin",
				fieldtype: "Select",
				label: __("Company GSTIN"),
				options: gstins,
				default: gstins[0],
				reqd: 1,
			},
			(values) => run(values.gstin),
			__("Test Connection")
		);
	},
});
