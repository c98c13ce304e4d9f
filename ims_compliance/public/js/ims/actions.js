// Acting on records: scope (selection, supplier, filter), the R7 prompt, per-record refusals.
import { call } from "./api";
import { count, plural } from "./format";

export const ACTION_LABELS = {
	Accepted: __("Accept"),
	Rejected: __("Reject"),
	Pending: __("Keep Pending"),
	"No Action": __("No Action"),
};

function r7_fields(remarks) {
	return [
		{
			fieldname: "itc_reduction_required",
			label: __("Does ITC need to be reduced? (R7)"),
			fieldtype: "Select",
			options: ["", "Y", "N"],
			reqd: 1,
		},
		{ fieldname: "declared_igst", label: __("Declared IGST (partial reversal)"), fieldtype: "Currency", depends_on: "eval:doc.itc_reduction_required=='Y'" },
		{ fieldname: "declared_cgst", label: __("Declared CGST"), fieldtype: "Currency", depends_on: "eval:doc.itc_reduction_required=='Y'" },
		{ fieldname: "declared_sgst", label: __("Declared SGST"), fieldtype: "Currency", depends_on: "eval:doc.itc_reduction_required=='Y'" },
		{ fieldname: "declared_cess", label: __("Declared Cess"), fieldtype: "Currency", depends_on: "eval:doc.itc_reduction_required=='Y'" },
		{ fieldname: "remarks", label: __("Remarks (required for partial or nil reversal)"), fieldtype: "Small Text", default: remarks || "" },
	];
}

export function show_refusals(result) {
	const rows = result.refused || [];
	const warnings = result.warnings || [];
	const summary = __("{0} applied, {1} unchanged, {2} refused.", [count(result.applied), count(result.unchanged), count(result.refused_count ?? rows.length)]);
	if (!rows.length && !warnings.length) {
		frappe.show_alert({ message: summary, indicator: "green" });
		return;
	}
	const body = rows
		.slice(0, 500)
		.map((r) => `<tr><td>${frappe.utils.escape_html(r.document_number || r.name)}</td><td>${frappe.utils.escape_html(r.supplier_gstin || "")}</td><td><b>${frappe.utils.escape_html(r.rule || "")}</b></td><td>${frappe.utils.escape_html(r.message)}</td></tr>`)
		.join("");
	const warn = warnings.map((w) => `<li>${frappe.utils.escape_html(w.document_number || w.name)}: ${frappe.utils.escape_html(w.message)}</li>`).join("");
	const dialog = new frappe.ui.Dialog({ title: __("Action result"), size: "extra-large" });
	dialog.$body.html(`
		<p>${summary}</p>
		${warn ? `<div class="alert alert-warning"><ul>${warn}</ul></div>` : ""}
		${rows.length ? `<table class="table table-bordered ims-refusals"><thead><tr><th>${__("Document")}</th><th>${__("Supplier GSTIN")}</th><th>${__("Rule")}</th><th>${__("Why")}</th></tr></thead><tbody>${body}</tbody></table>` : ""}`);
	dialog.show();
}

/** Apply `action` to a target ({names} | {filters} | {filters, supplier_gstin}); handle R7. */
export async function act(action, target, on_done, extra = {}) {
	const result = await call("apply_action", { action, ...target, ...extra }, { freeze: true, freeze_message: __("Applying...") });
	const r7 = (result.refused || []).filter((r) => r.rule === "R7");
	if (action === "Accepted" && r7.length && !extra.itc_reduction_required) {
		const others = { ...result, refused: result.refused.filter((r) => r.rule !== "R7") };
		const dialog = new frappe.ui.Dialog({
			title: plural(r7.length, __("1 record reduces ITC (R7)"), __("{0} records reduce ITC (R7)")),
			fields: [{ fieldtype: "HTML", options: `<p>${__("Accepting credit notes or downward amendments needs the ITC-reduction answer.")}</p>` }, ...r7_fields(extra.remarks)],
			primary_action_label: __("Accept these"),
			primary_action: async (values) => {
				dialog.hide();
				// the remark typed for the bulk Accept goes with these records too (it is the dialog's default)
				const remarks = values.remarks || extra.remarks;
				const second = await call("apply_action", { action, names: r7.map((r) => r.name), ...extra, ...values, ...(remarks ? { remarks } : {}) }, { freeze: true });
				show_refusals({
					applied: result.applied + second.applied,
					unchanged: result.unchanged + second.unchanged,
					refused: [...others.refused, ...second.refused],
					warnings: [...(result.warnings || []), ...(second.warnings || [])],
				});
				on_done();
			},
		});
		dialog.show();
		on_done();
		return;
	}
	show_refusals(result);
	on_done();
}

/** Ask which records: the selection, everything matching the filter, or one supplier's. */
export function choose_scope(action, { selected, filters, total }, on_done) {
	const dialog = new frappe.ui.Dialog({
		title: __("{0}: which records?", [ACTION_LABELS[action] || action]),
		fields: [
			{
				fieldname: "scope",
				label: __("Apply to"),
				fieldtype: "Select",
				options: [
					selected.length ? { value: "selected", label: __("Selected rows ({0})", [selected.length]) } : null,
					{ value: "filter", label: __("All records matching the filters ({0})", [count(total)]) },
					{ value: "supplier", label: __("All records of one supplier (within the filters)") },
				].filter(Boolean),
				default: selected.length ? "selected" : "filter",
			},
			{ fieldname: "supplier_gstin", label: __("Supplier GSTIN"), fieldtype: "Data", depends_on: "eval:doc.scope=='supplier'", mandatory_depends_on: "eval:doc.scope=='supplier'" },
			{ fieldname: "remarks", label: __("Remarks"), fieldtype: "Small Text" },
		],
		primary_action_label: ACTION_LABELS[action] || action,
		primary_action: (values) => {
			dialog.hide();
			const target =
				values.scope === "selected" ? { names: selected } : values.scope === "supplier" ? { filters, supplier_gstin: values.supplier_gstin } : { filters };
			act(action, target, on_done, values.remarks ? { remarks: values.remarks } : {});
		},
	});
	dialog.show();
}

export function apply_recommended(filters, on_done) {
	call("apply_recommendations", { filters, dry_run: 1, include_after_review: 0 }, { freeze: true }).then((preview) => {
		const lines = Object.entries(preview.by_action)
			.map(([action, v]) => `<tr><td>${__(action)}</td><td class="text-right">${count(v.moving)}</td><td class="text-right">${count(v.unchanged)}</td><td class="text-right">${count(v.refused)}</td></tr>`)
			.join("");
		const refused = Object.entries(preview.refused_by_rule || {}).map(([rule, n]) => `${rule}: ${n}`).join(", ");
		const after_review = preview.after_review || 0;
		const dialog = new frappe.ui.Dialog({
			title: __("Apply Recommended"),
			fields: [
				{
					fieldtype: "HTML",
					options: `<table class="table table-bordered"><thead><tr><th>${__("Recommended")}</th><th>${__("Would move")}</th><th>${__("Already")}</th><th>${__("Refused")}</th></tr></thead><tbody>${lines}</tbody></table>
					${refused ? `<p>${__("Refused by rule")}: ${refused}</p>` : ""}`,
				},
				{
					// P4: "Accept after review" records are left alone unless the user asks
					fieldname: "include_after_review",
					fieldtype: "Check",
					label: __("Also accept the {0} records marked \"Accept after review\" (numbers differ only in formatting; I have checked them)", [count(after_review)]),
					hidden: after_review ? 0 : 1,
					default: 0,
				},
			],
			primary_action_label: __("Apply"),
			primary_action: (values) => {
				dialog.hide();
				call("apply_recommendations", { filters, dry_run: 0, include_after_review: values.include_after_review ? 1 : 0 }, { freeze: true }).then((r) => {
					const skipped = r.after_review_included ? 0 : r.after_review;
					frappe.show_alert({
						message: skipped ? __("Recommended actions applied; {0} \"Accept after review\" records left for review", [count(skipped)]) : __("Recommended actions applied"),
						indicator: "green",
					});
					on_done();
				});
			},
		});
		dialog.show();
	});
}
