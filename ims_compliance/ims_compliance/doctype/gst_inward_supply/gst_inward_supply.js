// Copyright (c) 2026, ims_compliance developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("GST Inward Supply", {
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
