"""The one action service (issue 6). Page, API, Excel, recommendations and jobs all set actions
through `apply_action`; it asks `core.rules` about every record, applies what passes in bulk,
writes one IMS Action Log row per change in the same transaction, and reports each refusal
with the rule that refused it. A record is never half-applied: its new values and its log
row are written in one statement pair inside one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime

from ims_compliance.core.actions import Action
from ims_compliance.core.rules import (
	ActionRequest,
	RecordState,
	RuleContext,
	check_action,
	direction_of,
	warnings_for,
)
from ims_compliance.core.text import plain_text
from ims_compliance.doctype_names import supply_doctype, supply_table
from ims_compliance.services.action_log import RECORD_FIELDS, write_logs
from ims_compliance.services.filters import to_db_filters

CHUNK = 2000
STATE_FIELDS = (
	"name",
	"document_number",
	"supplier_gstin",
	"company_gstin",
	"section",
	"supplier_period",
	"action",
	"gstn_action",
	"match_status",
	"pending_blocked",
	"igst",
	"cgst",
	"sgst",
	"cess",
	"document_value",
	"supplier_filed",
	"itc_reduction_blocked",
	"original_inward_supply",
	"itc_reduction_required",
	"declared_igst",
	"declared_cgst",
	"declared_sgst",
	"declared_cess",
	"remarks",
	"supplier_name",  # not for the rules: the action log's copy of the record (RECORD_FIELDS)
)
R7_FIELDS = ("itc_reduction_required", "declared_igst", "declared_cgst", "declared_sgst", "declared_cess")


@dataclass
class ActionResult:
	applied: int = 0
	unchanged: int = 0
	refused: list[dict] = field(default_factory=list)
	warnings: list[dict] = field(default_factory=list)

	def as_dict(self) -> dict:
		return {
			"applied": self.applied,
			"unchanged": self.unchanged,
			"refused": self.refused,
			"refused_count": len(self.refused),
			"warnings": self.warnings,
		}


def make_request(action, **details) -> ActionRequest:
	"""The request from the page's arguments; a bad one is the caller's mistake (417 naming the
	argument), never a server error."""

	def amount(key):
		value = details.get(key)
		if value in (None, ""):
			return None
		try:
			return float(value)
		except (TypeError, ValueError):
			frappe.throw(_("{0} must be an amount").format(key), title=_("Invalid Argument"))

	try:
		parsed = Action.parse(action)
	except ValueError as exc:  # IMSValidationError is a ValueError
		frappe.throw(frappe.utils.escape_html(str(exc)), title=_("Invalid Action"))
	return ActionRequest(
		action=parsed,
		itc_reduction_required=(details.get("itc_reduction_required") or None),
		declared_igst=amount("declared_igst"),
		declared_cgst=amount("declared_cgst"),
		declared_sgst=amount("declared_sgst"),
		declared_cess=amount("declared_cess"),
		remarks=(details.get("remarks") or None),
	)


def resolve_names(*, names=None, filters=None, supplier_gstin=None) -> list[str]:
	"""The records a request targets: a selection, every record of one supplier (party-wise),
	or every record matching the page's filter. Gone records are never targeted."""
	if names:
		return list(dict.fromkeys(names))
	db_filters = to_db_filters(filters)
	if supplier_gstin:
		db_filters.append([supply_doctype(), "supplier_gstin", "=", supplier_gstin])
	# get_list, not get_all: a user restricted to one Company never reaches another's records
	return frappe.get_list(
		supply_doctype(), filters=db_filters, pluck="name", order_by="name", limit_page_length=0
	)


def rule_contexts(today: dt.date | None = None) -> dict[str, RuleContext]:
	"""One RuleContext per configured company GSTIN (3B filed up to, QRMP)."""
	today = today or getdate()
	rows = frappe.get_all(
		"IMS Company GSTIN",
		filters={"parent": "IMS Settings"},
		fields=["gstin", "gstr3b_filed_upto", "is_qrmp"],
	)
	return {
		row.gstin: RuleContext(
			today=today,
			gstr3b_filed_upto=row.gstr3b_filed_upto or None,
			is_qrmp=bool(row.is_qrmp),
			company_gstin=row.gstin,
		)
		for row in rows
	}


def record_states(rows: list[dict], applied: dict[str, str] | None = None) -> dict[str, RecordState]:
	"""RecordState for each row, with what R5 needs about the amended original. `applied`: the
	actions this operation already gave records (name -> action), which the database may not
	show yet on this connection (a SideQueue writes them)."""
	original_names = {r["original_inward_supply"] for r in rows if r.get("original_inward_supply")}
	originals = {}
	if original_names:
		originals = {
			o.name: o
			for o in frappe.get_all(
				supply_doctype(),
				filters={"name": ("in", list(original_names))},
				fields=["name", "action", "supplier_period", "document_value"],
			)
		}
	states = {}
	for row in rows:
		extra = {}
		original = originals.get(row.get("original_inward_supply"))
		if original:
			extra = {
				"original_action": (applied or {}).get(original.name, original.action),
				"original_period": original.supplier_period,
				"amendment_direction": direction_of(row["document_value"] or 0, original.document_value or 0),
			}
		states[row["name"]] = RecordState.from_row({**row, **extra})
	return states


def apply_action(
	request: ActionRequest,
	names: Iterable[str],
	*,
	source: str = "User",
	today: dt.date | None = None,
	commit_per_chunk: bool = False,
	dry_run: bool = False,
) -> ActionResult:
	"""Apply `request` to every named record the rules allow; report the rest per record.
	With `dry_run`, only count what would happen."""
	frappe.has_permission(supply_doctype(), "write", throw=True)
	names = list(names)
	result = ActionResult()
	checker = RuleChecker(today)
	for start in range(0, len(names), CHUNK):
		chunk = names[start : start + CHUNK]
		# User Permissions apply: a record the user may not read is "not found", like a wrong name
		rows = frappe.get_list(
			supply_doctype(),
			filters={"name": ("in", chunk)},
			fields=list(STATE_FIELDS),
			limit_page_length=0,
		)
		found = {row.name for row in rows}
		for missing in sorted(set(chunk) - found):
			result.refused.append({"name": missing, "rule": None, "message": _("No such inward supply")})
		apply_to_rows(request, rows, result, checker, source=source, dry_run=dry_run)
		if commit_per_chunk:
			frappe.db.commit()  # nosemgrep: a background job commits per chunk so progress survives a crash
	return result


class RuleChecker:
	"""The rule contexts of every company GSTIN, read once per request."""

	def __init__(self, today: dt.date | None = None):
		self.contexts = rule_contexts(today)
		self.default = RuleContext(today=today or getdate())

	def context(self, company_gstin: str) -> RuleContext:
		return self.contexts.get(company_gstin, self.default)


def apply_to_rows(
	request: ActionRequest,
	rows: list,
	result: ActionResult,
	checker: RuleChecker,
	*,
	source: str,
	dry_run: bool = False,
	side=None,
	applied: dict[str, str] | None = None,
) -> None:
	"""Check `request` against each row (read with STATE_FIELDS through get_list, so the reader's
	permissions already applied) and write what passes: the rules (core.rules: R3 locks, R5/R6
	amendments, R7 credit notes, ...) run per record, the write is set-based. `side`: a
	second_connection.SideQueue the writes go to; `applied` (name -> action) is read for R5 and extended
	with what this call applies."""
	states = record_states(rows, applied)
	to_apply = []
	for row in rows:
		refusal = check_action(states[row.name], request, checker.context(row.company_gstin))
		if refusal:
			result.refused.append(
				{
					"name": row.name,
					"document_number": row.document_number,
					"supplier_gstin": row.supplier_gstin,
					"rule": refusal.rule,
					"message": refusal.message,
				}
			)
			continue
		if _unchanged(row, request):
			result.unchanged += 1
			continue
		for warning in warnings_for(states[row.name], request):
			result.warnings.append(
				{"name": row.name, "document_number": row.document_number, "message": warning}
			)
		to_apply.append(row)
	if not dry_run:
		_write(to_apply, request, source, side=side)
		if applied is not None:
			applied.update((row.name, request.action.value) for row in to_apply)
	result.applied += len(to_apply)


def _unchanged(row, request: ActionRequest) -> bool:
	if Action.parse(row.action) is not request.action:
		return False
	if not request.has_r7_fields and not request.remarks:
		return True
	current = {key: row.get(key) for key in R7_FIELDS}
	wanted = {
		"itc_reduction_required": request.itc_reduction_required,
		**{f"declared_{h}": request.declared(h) for h in ("igst", "cgst", "sgst", "cess")},
	}
	same_r7 = all(
		(current[k] or None) == (wanted[k] or None)
		if k == "itc_reduction_required"
		else float(current[k] or 0) == float(wanted[k] or 0)
		for k in R7_FIELDS
	)
	return same_r7 and (row.remarks or None) == (request.remarks or None)


def _write(rows: list, request: ActionRequest, source: str, side=None) -> None:
	"""Set-based: UPDATEs by sorted primary key, 1,000 names each, one per upload state (which
	depends on GSTN's action per row), then the log rows in bulk, in the same transaction."""
	if not rows:
		return
	new_action = request.action.value
	now, user = now_datetime(), frappe.session.user
	# written with SQL, so Frappe's sanitiser never sees the user's remarks: stored as plain text
	remarks = plain_text(request.remarks, multiline=True)
	by_state: dict[str, list[str]] = {}
	for row in rows:
		pending = row.gstn_action != new_action or request.has_r7_fields
		by_state.setdefault("Pending Upload" if pending else "", []).append(row.name)
	values = {
		"action": new_action,
		"upload_error": None,
		"modified": now,
		"modified_by": user,
		"itc_reduction_required": request.itc_reduction_required or "",
		**{f"declared_{head}": request.declared(head) or 0 for head in ("igst", "cgst", "sgst", "cess")},
	}
	if request.remarks is not None:
		values["remarks"] = remarks
	# plain SQL with the names as one parameter: the query builder rendered a 1,000-name IN list
	# term by term, which cost more than the statement (issue 18)
	assignments = ", ".join(f"`{column}` = %({column})s" for column in (*values, "upload_state"))
	statement = f"update {supply_table()} set {assignments} where name in %(names)s"
	for upload_state, names in by_state.items():
		names.sort()
		for start in range(0, len(names), 1000):
			(side.sql if side is not None else frappe.db.sql)(
				statement,
				{**values, "upload_state": upload_state, "names": tuple(names[start : start + 1000])},
			)
	write_logs(
		[
			{
				"inward_supply": row.name,
				"from_action": row.action,
				"to_action": new_action,
				"remarks": remarks,
				# the record's own fields, when the caller read them: the log needs no second pass
				**{field: row[field] for field in RECORD_FIELDS if field in row},
			}
			for row in rows
		],
		source=source,
		side=side,
	)


def allowed_actions_for(name: str, today: dt.date | None = None) -> dict:
	from ims_compliance.core.rules import allowed_actions

	row = frappe.get_list(supply_doctype(), filters={"name": name}, fields=list(STATE_FIELDS))
	if not row:
		frappe.throw(
			_("GST Inward Supply {0} not found").format(frappe.utils.escape_html(name)),
			frappe.DoesNotExistError,
		)
	state = record_states(row)[name]
	context = rule_contexts(today).get(row[0].company_gstin) or RuleContext(today=today or getdate())
	return {
		action.value: ({"rule": r.rule, "message": r.message} if r else None)
		for action, r in allowed_actions(state, context).items()
	}
