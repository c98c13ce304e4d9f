"""What an upload sends and what GSTN's answer means for each record (issue 7), pure.

The Frappe upload job keeps the bookkeeping (which rows belong to which stored request); this
module decides the three things that must be right whatever the storage:
- which records go in SAVE (A/R/P, `prev_status` = GSTN's last known status) and which in
  RESETIMS (back to N), in bodies under GSTN's 4 MB limit, remembering which row is in which
  body (`plan_requests`);
- which rows GSTN refused, from a REQSTS error report keyed by supplier GSTIN, number and
  period under any section key GSTN uses, `cn`/`dn` included (`match_errors`);
- which refusals mean "our picture of GSTN is stale" (IMSSAV0010), so the job downloads those
  records again before anyone sends them a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ims_compliance.core.actions import Action
from ims_compliance.core.errors import IMSValidationError
from ims_compliance.core.records import InwardRecord
from ims_compliance.core.sections import SECTIONS
from ims_compliance.core.upsert import DIFF_FIELDS
from ims_compliance.gstn.errors import PREVIOUS_STATUS_WRONG
from ims_compliance.gstn.payloads import (
	RESET_REQUEST,
	SAVE_REQUEST,
	ActionUpdate,
	PreparedBody,
	RecordError,
	RequestStatus,
	check_update,
	chunk_prepared,
	prepare_body,
	record_json,
	reset_payload,
)
from ims_compliance.gstn.protocol import MAX_BODY_BYTES

#: Planned bodies are filled to the limit: their size is the exact size on the wire, and a row
#: edited between planning and sending that no longer fits leaves its request (`fit_body`).
PLAN_MARGIN = 1.0
_DECLARED = (("declIgst", "declared_igst"), ("declCgst", "declared_cgst"))
_DECLARED += (("declSgst", "declared_sgst"), ("declCess", "declared_cess"))
#: The GST Inward Supply fields `pending_from_row` reads: the record as GSTN holds it (the
#: upsert's supplier-side fields) plus the user's action and R7 answer.
PENDING_FIELDS: tuple[str, ...] = (
	"name",
	"section",
	"supplier_gstin",
	*DIFF_FIELDS,
	"action",
	"gstn_action",
	"pending_blocked",
	"itc_reduction_required",
	*(name for _, name in _DECLARED),
	"remarks",
)


@dataclass(frozen=True)
class PendingAction:
	"""One stored row whose action GSTN does not have yet. `record.gstn_action` is GSTN's last
	known status (the `prev_status` to send)."""

	name: str
	record: InwardRecord
	action: Action

	@property
	def kind(self) -> str:
		return RESET_REQUEST if self.action is Action.NO_ACTION else SAVE_REQUEST

	def update(self) -> ActionUpdate:
		record = self.record
		declared = None
		if record.itc_reduction_required == "Y" and record.declared_igst is not None:
			declared = {key: float(getattr(record, name) or 0) for key, name in _DECLARED}
		return ActionUpdate(
			record=record,
			action=self.action,
			prev_status=record.gstn_action,
			remarks=record.remarks or None,
			itc_reduction_required=record.itc_reduction_required or None,
			declared=declared,
		)

	def payload(self) -> dict:
		if self.kind == RESET_REQUEST:
			return reset_payload(self.record, self.record.gstn_action)
		return self.update().to_payload()

	def wire_record(self) -> tuple[str, bytes]:
		"""(section key, the record's JSON as sent): what a body is assembled from."""
		return SECTIONS[self.record.section].key, record_json(self.payload())


def pending_from_row(row: Mapping) -> PendingAction:
	"""A GST Inward Supply row (DocType field names) as the action to upload. The trade name is
	left out: GSTN compares a SAVE's content with the record it holds, and ours may have been
	renamed to the ERPNext supplier."""

	def amount(name: str) -> float:
		return float(row.get(name) or 0)

	def day(value: object) -> dt.date | None:
		if value in (None, ""):
			return None
		return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])

	declared = {name: amount(name) for _, name in _DECLARED}
	if row.get("itc_reduction_required") != "Y" or not any(declared.values()):
		declared = dict.fromkeys(declared)  # nothing declared: GSTN gets no decl* keys
	record = InwardRecord(
		section=row["section"],
		supplier_gstin=row.get("supplier_gstin") or "",
		document_number=row["document_number"],
		document_date=day(row["document_date"]),
		supplier_period=row["supplier_period"],
		document_value=amount("document_value"),
		taxable_value=amount("taxable_value"),
		igst=amount("igst"),
		cgst=amount("cgst"),
		sgst=amount("sgst"),
		cess=amount("cess"),
		place_of_supply=row.get("place_of_supply") or None,
		invoice_type=row.get("invoice_type") or None,
		source_form=row.get("source_form") or None,
		gstn_action=Action.parse(row.get("gstn_action") or Action.NO_ACTION),
		pending_blocked=bool(row.get("pending_blocked")),
		original_number=row.get("original_number") or None,
		original_date=day(row.get("original_date")),
		itc_reduction_required=row.get("itc_reduction_required") or None,
		declared_igst=declared["declared_igst"],
		declared_cgst=declared["declared_cgst"],
		declared_sgst=declared["declared_sgst"],
		declared_cess=declared["declared_cess"],
		remarks=row.get("remarks") or None,
	)
	return PendingAction(name=row["name"], record=record, action=Action.parse(row["action"]))


@dataclass(frozen=True)
class PlannedRequest:
	"""One SAVE or RESETIMS body and the rows in it (in body order): `records` holds each row's
	(section key, record JSON), so the body can be sent again from them without rebuilding."""

	kind: str
	prepared: PreparedBody
	names: tuple[str, ...]
	actions: tuple[Action, ...]
	records: tuple[tuple[str, bytes], ...] = ()

	@property
	def body(self) -> dict:
		return self.prepared.as_dict()


@dataclass(frozen=True)
class Refused:
	"""A pending action GSTN would refuse for sure (R4, R5): it is not sent; the row shows why."""

	name: str
	message: str


@dataclass
class UploadPlan:
	requests: list[PlannedRequest] = field(default_factory=list)
	refused: list[Refused] = field(default_factory=list)

	@property
	def record_count(self) -> int:
		return sum(len(r.names) for r in self.requests)


def plan_requests(
	gstin: str,
	pending: Iterable[PendingAction],
	*,
	max_bytes: int = MAX_BODY_BYTES,
	margin: float = PLAN_MARGIN,
) -> UploadPlan:
	"""SAVE bodies first (A/R/P), then RESETIMS (N), each at most `max_bytes * margin` bytes on
	the wire. A record GSTN would refuse for sure (R4, R5) is reported in `refused`, not sent.
	Each record is serialised once, here."""
	plan = UploadPlan()
	by_kind: dict[str, list[tuple[tuple[str, bytes], PendingAction]]] = {SAVE_REQUEST: [], RESET_REQUEST: []}
	for item in pending:
		key = SECTIONS[item.record.section].key
		if item.kind == SAVE_REQUEST:
			update = item.update()
			try:
				check_update(update, location=f"{key} {item.record.document_number}")
			except IMSValidationError as exc:
				plan.refused.append(Refused(name=item.name, message=exc.message))
				continue
			record = record_json(update.to_payload())
		else:
			record = record_json(item.payload())
		by_kind[item.kind].append(((key, record), item))
	limit = int(max_bytes * margin)
	for kind in (SAVE_REQUEST, RESET_REQUEST):
		items = by_kind[kind]
		for body, indices in chunk_prepared(gstin, kind, [wire for wire, _ in items], limit):
			plan.requests.append(
				PlannedRequest(
					kind=kind,
					prepared=body,
					names=tuple(items[i][1].name for i in indices),
					actions=tuple(items[i][1].action for i in indices),
					records=tuple(items[i][0] for i in indices),
				)
			)
	return plan


def fit_body(
	gstin: str, kind: str, records: Sequence[tuple[str, bytes]], *, max_bytes: int
) -> tuple[PreparedBody, list[int], list[int]]:
	"""The one body for rows already assigned to a stored request, from their records as they
	are just before sending: the body, the indices of the records in it (body order) and of
	those that no longer fit (a row edited since planning grew): those go back to pending."""
	chunks = chunk_prepared(gstin, kind, records, max_bytes)
	if not chunks:
		return prepare_body(gstin, kind, [])[0], [], []
	body, fitted = chunks[0]
	return body, fitted, [i for _, indices in chunks[1:] for i in indices]


def build_body(gstin: str, kind: str, pending: Sequence[PendingAction], *, max_bytes: int) -> dict:
	"""The one body for rows already assigned to a stored request, as a dict; an error when
	they no longer fit in one body (`fit_body` says which do)."""
	body, _, overflow = fit_body(gstin, kind, [p.wire_record() for p in pending], max_bytes=max_bytes)
	if overflow:
		count = len(pending)
		raise IMSValidationError(f"the request's {count} records no longer fit in one body")
	return body.as_dict()


@dataclass(frozen=True)
class SentRecord:
	"""What identifies a sent row in GSTN's error report."""

	name: str
	section: str
	supplier_gstin: str
	document_number: str
	supplier_period: str


@dataclass
class RequestOutcome:
	"""Per-row meaning of a finished request: `failed` name -> the error GSTN gave; `resync`
	names GSTN refused because our copy is stale (IMSSAV0010); `unmatched` report lines that
	name no sent row; `unreported` refusals GSTN counted (`err_cnt`, or PE with no report) but
	did not name. With either of the last two the caller must not assume the rest succeeded."""

	failed: dict[str, RecordError] = field(default_factory=dict)
	resync: set[str] = field(default_factory=set)
	unmatched: list[RecordError] = field(default_factory=list)
	unreported: int = 0

	@property
	def complete(self) -> bool:
		"""Every refusal GSTN counted is placed on a row we sent."""
		return not self.unmatched and not self.unreported

	def succeeded(self, names: Iterable[str]) -> list[str]:
		return [name for name in names if name not in self.failed]


def _norm(value: object) -> str:
	return str(value or "").strip().upper()


def match_errors(sent: Iterable[SentRecord], status: RequestStatus) -> RequestOutcome:
	"""Which sent rows GSTN refused. A report line names supplier GSTIN, number and (usually)
	period under a section key; notes come under `cn`/`dn` as often as `b2bcn`/`b2bdn`, and an
	amendment's line may sit under its original's key, so a line that finds no row in its own
	section is looked up across the request's sections by GSTIN, number and period."""
	outcome = RequestOutcome()
	if status.status == "ER":
		return outcome  # the whole request failed; the caller keeps every row pending
	# A refusal GSTN counts but does not name (a PE answer without its report, or fewer report
	# lines than err_cnt) could be any sent row: none of them may be taken as landed.
	named = len(status.record_errors)
	outcome.unreported = max(status.errors - named, 1 if status.status == "PE" and not named else 0)
	exact: dict[tuple, list[str]] = {}
	loose: dict[tuple, list[str]] = {}
	for record in sent:
		who = (_norm(record.supplier_gstin), _norm(record.document_number))
		exact.setdefault((record.section, *who, _norm(record.supplier_period)), []).append(record.name)
		exact.setdefault((record.section, *who, ""), []).append(record.name)
		loose.setdefault((*who, _norm(record.supplier_period)), []).append(record.name)
		loose.setdefault((*who, ""), []).append(record.name)
	for error in status.record_errors:
		who = (_norm(error.supplier_gstin), _norm(error.document_number))
		period = _norm(error.supplier_period)
		names = exact.get((error.section, *who, period)) or loose.get((*who, period)) or []
		if not names:
			outcome.unmatched.append(error)
			continue
		for name in names:
			outcome.failed.setdefault(name, error)
			if error.error_code == PREVIOUS_STATUS_WRONG:
				outcome.resync.add(name)
	return outcome
