// The detail dialog: IMS values beside the linked Purchase Invoice, reasons, allowed actions, log.
import { call } from "./api";
import { date, money_exact, period_label } from "./format";
import { ACTION_LABELS, act } from "./actions";

const esc = (value) => frappe.utils.escape_html(value ?? "");

const COMPARE = [
	["Number", "document_number", "bill_no"],
	["Date", "document_date", "bill_date", date],
	// the purchase side's taxable value counts only the lines that bear GST (issue 15)
	["Taxable Value", "taxable_value", "gst_taxable_value", money_exact],
	["Total Tax", "total_tax", "base_total_taxes_and_charges", money_exact],
];

// How each field of a match reason reads: amounts in rupees, dates in the user's format.
const REASON_LABELS = {
	document_number: __("Document number"),
	document_date: __("Document date"),
	document_type: __("Document type"),
	taxable_value: __("Taxable value"),
	igst: __("IGST"),
	cgst: __("CGST"),
	sgst: __("SGST"),
	cess: __("Cess"),
	place_of_supply: __("Place of supply"),
	company_gstin: __("Company GSTIN"),
	supplier_gstin: __("Supplier GSTIN"),
};
const AMOUNTS = new Set(["taxable_value", "igst", "cgst", "sgst", "cess", "total_tax", "document_value"]);
const DATES = new Set(["document_date"]);

function reason_value(field, value) {
	if (value === null || value === undefined || value === "") return __("(empty)");
	if (AMOUNTS.has(field) && !isNaN(parseFloat(value))) return money_exact(value);
	if (DATES.has(field)) return date(value);
	return esc(value);
}

/** One match reason in words, formatted as the rest of the page ("₹ 1,91,667.90"). */
export function reason_text(x) {
	if (!x.field) return esc(x.text);
	const label = REASON_LABELS[x.field] || esc(x.field.replace(/_/g, " "));
	let text = __("{0}: {1} in IMS, {2} in the purchase", [label, reason_value(x.field, x.ims), reason_value(x.field, x.purchase)]);
	if (x.difference !== null && x.difference !== undefined && x.difference !== "") {
		const difference = AMOUNTS.has(x.field) && !isNaN(parseFloat(x.difference)) ? money_exact(Math.abs(x.difference)) : esc(x.difference);
		text += ` (${__("difference {0}", [difference])})`;
	}
	return text;
}

export async function show_detail(name, on_change) {
	const data = await call("get_record_detail", { name });
	const r = data.record;
	const p = { ...(data.purchase || {}), gst_taxable_value: r.purchase_taxable_value };
	// both figures when nil-rated, exempt or non-GST lines make them differ
	const net_differs = data.purchase && Math.abs((r.purchase_net_total || p.base_net_total || 0) - (r.purchase_taxable_value || 0)) >= 0.01;
	const differs = new Set((data.reasons || []).map((x) => x.field));
	const rows = COMPARE.map(([label, ims, pi, fmt]) => {
		const f = fmt || esc;
		const cls = differs.has(ims) || differs.has(label.toLowerCase().replace(/ /g, "_")) ? "ims-differs" : "";
		return `<tr class="${cls}"><th>${__(label)}</th><td>${f(r[ims])}</td><td>${data.purchase && !p.restricted ? f(p[pi]) : ""}</td></tr>`;
	}).join("") + (net_differs && !p.restricted ? `<tr><th>${__("Net Total (all lines)")}</th><td></td><td>${money_exact(r.purchase_net_total || p.base_net_total)} <span class="text-muted small">${__("nil-rated, exempt and non-GST lines are not in the taxable value")}</span></td></tr>` : "");
	const recommendation = r.recommended_action
		? `<p>${__("Recommended")}: <b>${esc(__(r.recommended_action))}</b>${r.recommended_action === "Accepted" && r.needs_review ? ` <span class="indicator-pill orange">${__("after review")}</span>` : ""}${r.recommendation_reason ? ` · ${esc(r.recommendation_reason)}` : ""}</p>`
		: "";
	const parse_warnings = r.parse_warnings
		? `<div class="alert alert-warning"><b>${__("Parse warnings")}</b><ul>${r.parse_warnings.split("\n").map((w) => `<li>${esc(w)}</li>`).join("")}</ul></div>`
		: "";
	const reasons = (data.reasons || []).map((x) => `<li>${reason_text(x)}</li>`).join("");
	const log = (data.log || [])
		.map((l) => `<tr><td>${esc(date(l.timestamp))}</td><td>${esc(l.from_action)} → ${esc(l.to_action)}</td><td>${esc(l.source)}</td><td>${esc(l.user)}</td><td>${esc(l.remarks)}</td></tr>`)
		.join("");
	const dialog = new frappe.ui.Dialog({ title: __("Inward Supply"), size: "extra-large" });
	// the supplier's trade name as text: a dialog title is set as HTML
	dialog.$wrapper.find(".modal-title").text(`${r.supplier_name || r.supplier_gstin} · ${r.document_number}`);
	dialog.$body.html(`
		<div class="ims-detail">
			<p><b>${esc(r.match_status)}</b> · ${__("Action")}: <b>${esc(r.action)}</b> · ${__("GSTN")}: ${esc(r.gstn_action)}${r.supplier_period ? ` · ${__("Period")}: ${esc(period_label(r.supplier_period))}` : ""} ${r.upload_error ? `· <span class="text-danger">${esc(r.upload_error)}</span>` : ""}</p>
			${recommendation}${parse_warnings}
			<table class="table table-bordered"><thead><tr><th></th><th>${__("IMS")} (${esc(r.section)})</th><th>${__("Purchase Invoice")} ${p.name ? `<a href="/app/purchase-invoice/${encodeURIComponent(p.name)}">${esc(p.name)}</a>` : __("none linked")}${p.restricted ? ` <span class="text-muted">(${__("you may not read it")})</span>` : ""}</th></tr></thead><tbody>${rows}</tbody></table>
			${reasons ? `<h6>${__("Why")}</h6><ul>${reasons}</ul>` : ""}
			<div class="ims-detail-actions"></div>
			<h6>${__("Action log")}</h6>
			<table class="table table-sm"><tbody>${log || `<tr><td class="text-muted">${__("No changes yet")}</td></tr>`}</tbody></table>
		</div>`);
	const $actions = dialog.$body.find(".ims-detail-actions");
	for (const [action, refusal] of Object.entries(data.allowed_actions)) {
		const $btn = $(`<button class="btn btn-sm btn-default" style="margin-right: 6px">${ACTION_LABELS[action]}</button>`).appendTo($actions);
		if (refusal) {
			$btn.prop("disabled", true).attr("title", `${refusal.rule}: ${refusal.message}`);
			$btn.wrap(`<span title="${frappe.utils.escape_html(`${refusal.rule}: ${refusal.message}`)}"></span>`);
		} else {
			$btn.on("click", () => {
				dialog.hide();
				act(action, { names: [name] }, on_change);
			});
		}
	}
	const $link = $(`<div class="ims-detail-link"></div>`).insertAfter($actions);
	if (r.purchase_invoice) {
		$(`<button class="btn btn-sm btn-default">${__("Unlink Purchase Invoice")}</button>`)
			.appendTo($link)
			.on("click", async () => {
				const result = await call("unlink_purchase_invoice", { name });
				dialog.hide();
				frappe.show_alert({ message: result.reverted ? __("Unlinked; the acceptance was reverted to No Action (P2)") : __("Unlinked"), indicator: "orange" });
				on_change();
			});
	} else {
		const field = frappe.ui.form.make_control({
			parent: $link,
			df: { fieldtype: "Link", options: "Purchase Invoice", fieldname: "purchase_invoice", label: __("Link a Purchase Invoice"),
				get_query: () => ({ filters: { docstatus: 1, supplier_gstin: r.supplier_gstin } }) },
			render_input: true,
		});
		field.refresh();
		// a Purchase Invoice under another GSTIN of the supplier's PAN links only when confirmed, with a reason
		const other_gstin = frappe.ui.form.make_control({
			parent: $link,
			df: { fieldtype: "Check", fieldname: "confirm_other_gstin", label: __("It is under another GSTIN of the same PAN") },
			render_input: true,
		});
		const reason = frappe.ui.form.make_control({
			parent: $link,
			df: { fieldtype: "Data", fieldname: "reason", label: __("Reason (logged)") },
			render_input: true,
		});
		$(`<button class="btn btn-sm btn-primary">${__("Link")}</button>`)
			.appendTo($link)
			.on("click", async () => {
				const purchase_invoice = field.get_value();
				if (!purchase_invoice) return;
				const result = await call("link_purchase_invoice", {
					name,
					purchase_invoice,
					confirm_other_gstin: other_gstin.get_value() ? 1 : 0,
					reason: reason.get_value() || null,
				});
				dialog.hide();
				frappe.show_alert({ message: result.reverted ? __("Linked; the acceptance was reverted to No Action (P2)") : __("Linked (Manual Match)"), indicator: "green" });
				on_change();
			});
	}
	dialog.show();
	return dialog;
}
