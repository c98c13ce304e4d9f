frappe.pages['gst-invoice-management-system'].on_page_load = function(wrapper) {
	var page = frappe.ui.make_app_page({
		parent: wrapper,
		title: 'GST Invoice Management System',
		single_column: true
	});
}