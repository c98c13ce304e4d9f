// The page shell: everything lives in the bundle (public/js/gst_invoice_management_system.bundle.js).
frappe.pages["gst-invoice-management-system"].on_page_load = function (wrapper) {
	frappe.require(["gst_invoice_management_system.bundle.js", "gst_invoice_management_system.bundle.css"]).then(() => {
		wrapper.ims_page = new ims_compliance.IMSPage(wrapper);
	});
};

frappe.pages["gst-invoice-management-system"].on_page_show = function (wrapper) {
	wrapper.ims_page?.on_show();
};
