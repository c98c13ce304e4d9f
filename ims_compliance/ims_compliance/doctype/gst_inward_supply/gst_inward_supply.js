// Copyright (c) 2026, ims_compliance developers and contributors
// For license information, please see license.txt

// Our supply's form script under either name: Frappe loads it from this folder for "GST Inward
// Supply", and hooks.doctype_js loads it for "IMS GST Inward Supply" (the name beside India
// Compliance, which owns "GST Inward Supply" there). It registers only for the name this site
// uses (frappe.boot.ims_supply_doctype), so another app's form never gets our button.
frappe.ui.form.on(frappe.boot.ims_supply_doctype || "GST Inward Supply", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(__("Open in GST IMS"), () => {
			frappe.set_route("gst-invoice-management-system", {
				supplier_gstin: frm.doc.supplier_gstin,
				document_number: frm.doc.document_number,
			});
		});
	},
});
