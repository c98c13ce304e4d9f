// Excel in and out: the action template, importing actions, exporting the Document View.
import { call } from "./api";
import { count } from "./format";

function download(method, filters) {
	const query = new URLSearchParams({ filters: JSON.stringify(filters) }).toString();
	// An in-page link (not a popup): the browser saves the file and the user stays on the page.
	const link = document.createElement("a");
	link.href = `/api/method/ims_compliance.api.${method}?${query}`;
	link.download = "";
	document.body.appendChild(link);
	link.click();
	link.remove();
}

export const download_template = (filters) => download("download_action_template", filters);
export const export_view = (filters) => download("export_document_view", filters);

export function import_actions(on_done, on_queued = () => {}) {
	new frappe.ui.FileUploader({
		allow_multiple: false,
		make_attachments_public: false,
		restrictions: { allowed_file_types: [".xlsx"] },
		on_success: async (file) => {
			const result = await call("import_actions", { file_url: file.file_url }, { freeze: true, freeze_message: __("Importing actions...") });
			if (result.queued) {
				frappe.show_alert({ message: __("Importing {0} rows in the background; you will be notified.", [count(result.rows)]), indicator: "blue" });
				on_queued(result);
				return;
			}
			const link = result.error_file ? `<p><a href="${encodeURI(result.error_file)}" target="_blank" rel="noopener">${__("Download the refused rows with reasons")}</a></p>` : "";
			frappe.msgprint({
				title: __("Actions imported"),
				message: `<p>${__("{0} applied, {1} unchanged, {2} skipped (no new action), {3} refused.", [count(result.applied), count(result.unchanged), count(result.skipped), count(result.refused)])}</p>${link}`,
				indicator: result.refused ? "orange" : "green",
			});
			on_done();
		},
	});
}
