"""The IMS action rules (R3-R8, P1), decided in one place so every path agrees.

The page, the API, the Excel import, recommendations and jobs all go through one action
service, and that service asks this module. The rules live here, in pure Python, so they are
tested without a bench and cannot drift between the browser and the server.

Vocabulary:
- the record's *2B period* is the GSTR-2B period its action feeds (GSTN's FAQ: a credit note
  reported in a September GSTR-1A filed in October has the October 2B period). It defaults to
  the supplier's return period.
- a *tax period* is a month for a monthly filer and a quarter for a QRMP filer (R6).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ims_compliance.core.actions import Action
from ims_compliance.core.periods import OCT_2025, ReturnPeriod
from ims_compliance.core.sections import BILL_OF_ENTRY, section

MISSING_IN_PI = "Missing in PI"
UPWARD = "upward"
DOWNWARD = "downward"
DIRECTIONS = (UPWARD, DOWNWARD)
TAX_HEADS = ("igst", "cgst", "sgst", "cess")
_OCT_2025 = ReturnPeriod(year=OCT_2025[0], month=OCT_2025[1])
#: Amounts are compared to the paisa.
_PAISA = 0.005

#: QRMP filers' quarterly GSTR-3B is due on the 22nd or the 24th depending on the state
#: (CGST Notification 76/2020; verify). These states file by the 24th; all others by the 22nd.
_QRMP_DUE_24TH_STATES = frozenset("01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 38".split())


@dataclass(frozen=True)
class Refusal:
	"""Why an action is refused: the rule id and a sentence an accountant understands."""

	rule: str
	message: str

	def __str__(self) -> str:
		return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class RecordState:
	"""What the rules need to know about one inward supply.

	`amendment_direction` is "upward" when the amendment increased the document's value over
	the original and "downward" when it decreased it (see `direction_of`); None when unknown or
	not an amendment. `original_action` and `original_period` describe the amended original,
	when it is known, because R5 depends on them.
	"""

	section: str
	supplier_period: str
	action: Action = Action.NO_ACTION
	gstn_action: Action = Action.NO_ACTION
	match_status: str | None = None
	pending_blocked: bool = False
	amendment_direction: str | None = None
	original_action: Action | None = None
	original_period: str | None = None
	igst: float = 0.0
	cgst: float = 0.0
	sgst: float = 0.0
	cess: float = 0.0
	supplier_filed: bool = True
	itc_reduction_blocked: bool = False
	#: GSTR-2B period when it differs from the supplier's period (GSTR-1A, late filing).
	itc_period: str | None = None

	def __post_init__(self) -> None:
		section(self.section)  # unknown sections fail here, not later inside a rule
		if self.amendment_direction not in (None, *DIRECTIONS):
			raise ValueError(
				f"amendment_direction must be 'upward', 'downward' or None, not {self.amendment_direction!r}"
			)

	@property
	def document_type(self) -> str:
		return section(self.section).document_type

	@property
	def is_amendment(self) -> bool:
		return section(self.section).is_amendment

	@property
	def period(self) -> ReturnPeriod:
		"""The record's GSTR-2B period."""
		return ReturnPeriod.parse(self.itc_period or self.supplier_period)

	def tax(self, head: str) -> float:
		return float(getattr(self, head) or 0.0)

	@classmethod
	def from_row(cls, row: Mapping) -> RecordState:
		"""Build from a GST Inward Supply row dict (field names as in the DocType).

		The service adds `amendment_direction`, `original_action` and `original_period` from
		the linked original when it has one.
		"""

		def action_or(value: object, default: Action | None) -> Action | None:
			return Action.parse(value) if value not in (None, "") else default

		return cls(
			section=row["section"],
			supplier_period=str(row["supplier_period"]),
			action=action_or(row.get("action"), Action.NO_ACTION),
			gstn_action=action_or(row.get("gstn_action"), Action.NO_ACTION),
			match_status=row.get("match_status") or None,
			pending_blocked=bool(row.get("pending_blocked")),
			amendment_direction=row.get("amendment_direction") or None,
			original_action=action_or(row.get("original_action"), None),
			original_period=row.get("original_period") or None,
			igst=float(row.get("igst") or 0),
			cgst=float(row.get("cgst") or 0),
			sgst=float(row.get("sgst") or 0),
			cess=float(row.get("cess") or 0),
			supplier_filed=bool(row.get("supplier_filed", True)),
			itc_reduction_blocked=bool(row.get("itc_reduction_blocked")),
			itc_period=row.get("itc_period") or None,
		)


@dataclass(frozen=True)
class ActionRequest:
	"""What a user asks for. `itc_reduction_required` is GSTN's itcRedReq: "Y" or "N" (R7).

	Declared amounts are the ITC the user says must be reversed per tax head; leaving all of
	them empty with "Y" means the full tax of the document is reversed.
	"""

	action: Action
	itc_reduction_required: str | None = None
	declared_igst: float | None = None
	declared_cgst: float | None = None
	declared_sgst: float | None = None
	declared_cess: float | None = None
	remarks: str | None = None

	def declared(self, head: str) -> float | None:
		return getattr(self, f"declared_{head}")

	@property
	def has_declared_amounts(self) -> bool:
		return any(self.declared(head) is not None for head in TAX_HEADS)

	@property
	def has_r7_fields(self) -> bool:
		return bool(self.itc_reduction_required) or self.has_declared_amounts


@dataclass(frozen=True)
class RuleContext:
	"""The moment and the company: today's date, how far GSTR-3B is filed, filing frequency."""

	today: dt.date
	gstr3b_filed_upto: ReturnPeriod | None = None
	is_qrmp: bool = False
	company_gstin: str | None = None

	def __post_init__(self) -> None:
		if isinstance(self.today, dt.datetime):
			object.__setattr__(self, "today", self.today.date())
		if self.gstr3b_filed_upto is not None and not isinstance(self.gstr3b_filed_upto, ReturnPeriod):
			object.__setattr__(self, "gstr3b_filed_upto", ReturnPeriod.parse(self.gstr3b_filed_upto))

	def tax_period_end(self, period: ReturnPeriod) -> ReturnPeriod:
		"""Last month of the tax period containing `period` (itself, or its quarter's end)."""
		return period.quarter_end if self.is_qrmp else period

	def gstr3b_filed_for(self, period: ReturnPeriod) -> bool:
		"""Has the GSTR-3B covering `period` been filed? (QRMP: the whole quarter's 3B.)"""
		return self.gstr3b_filed_upto is not None and self.gstr3b_filed_upto >= self.tax_period_end(period)

	def gstr3b_due(self, period: ReturnPeriod) -> dt.date:
		"""Due date of the GSTR-3B covering `period`: the 20th for monthly filers; for QRMP the
		22nd or 24th (by the company's state) of the month after the quarter."""
		if not self.is_qrmp:
			return period.gstr3b_due
		day = 24 if (self.company_gstin or "")[:2] in _QRMP_DUE_24TH_STATES else 22
		return period.quarter_end.next().first_day.replace(day=day)


# ---------------------------------------------------------------------------------------------
# Record kinds


def direction_of(new_amount: float, original_amount: float) -> str | None:
	""" "upward" / "downward" for an amendment whose amount rose / fell; None when equal."""
	if new_amount > original_amount + _PAISA:
		return UPWARD
	if new_amount < original_amount - _PAISA:
		return DOWNWARD
	return None


def reduces_itc(state: RecordState) -> bool:
	"""R7: accepting this record lowers the buyer's ITC. Credit notes, upward credit-note
	amendments, and downward amendments of invoices, debit notes and ECO documents do."""
	code = state.section.upper()
	if code == "CN":
		return True
	if code == "CNA":
		return state.amendment_direction == UPWARD
	if code in ("B2BA", "DNA", "ECOMA"):
		return state.amendment_direction == DOWNWARD
	return False


def is_pending_restricted_kind(state: RecordState, context: RuleContext) -> bool:
	"""The record kinds listed in R5 (GSTN sets ispendactblocked on them): original credit
	notes; upward credit-note amendments; downward credit-note amendments whose original was
	rejected; downward invoice/DN/ECO amendments whose original was accepted and whose original
	period's GSTR-3B is filed."""
	code = state.section.upper()
	if code == "CN":
		return True
	if code == "CNA":
		if state.amendment_direction == UPWARD:
			return True
		return state.amendment_direction == DOWNWARD and state.original_action is Action.REJECTED
	if code in ("B2BA", "DNA", "ECOMA") and state.amendment_direction == DOWNWARD:
		if state.original_action is not Action.ACCEPTED or not state.original_period:
			return False
		return context.gstr3b_filed_for(ReturnPeriod.parse(state.original_period))
	return False


@dataclass(frozen=True)
class PendingWindow:
	"""R6: the last tax period a record may stay Pending in, and the last day to choose it."""

	last_period: ReturnPeriod
	last_day: dt.date


def pending_window(state: RecordState, context: RuleContext) -> PendingWindow:
	"""R6 (from the Oct-2025 period): an R5-kind record may be kept Pending for ONE tax period
	after its own, i.e. out of its own GSTR-2B and into the next tax period's. Pending can be
	chosen up to the GSTR-3B due date of that next tax period (GSTN's formula: "due date of
	GSTR-3B of [GSTR-2B period + 1 tax period]"); from the next day, or as soon as that period's
	GSTR-3B is marked filed, Pending is refused and no action means accepted.

	Example, monthly: an Oct-2025 credit note may be Pending until 20-12-2025 (Nov's 3B due).
	QRMP: a record of Nov-2025 (quarter Oct-Dec) may be Pending through Jan-Mar 2026, until the
	22nd/24th of April 2026.
	"""
	own_end = context.tax_period_end(state.period)
	last_period = own_end.add(3) if context.is_qrmp else own_end.add(1)
	return PendingWindow(last_period=last_period, last_day=context.gstr3b_due(last_period))


# ---------------------------------------------------------------------------------------------
# The rules


def _label(state: RecordState) -> str:
	kind = state.document_type.lower()
	return f"this {kind} amendment" if state.is_amendment else f"this {kind}"


def _r3_period_closed(state: RecordState, context: RuleContext) -> Refusal | None:
	"""R3: actions can change until GSTR-3B is filed for the record's 2B period. Records GSTN
	holds as Pending stay in IMS after the filing (carried to the next period), so they stay open;
	Accepted, Rejected and deemed-accepted (No Action) records have left IMS."""
	if not context.gstr3b_filed_for(state.period):
		return None
	if state.gstn_action is Action.PENDING:
		return None
	return Refusal(
		rule="R3",
		message=(
			f"GSTR-3B for {state.period.label} is marked as filed (filed up to "
			f"{context.gstr3b_filed_upto.label}), so {_label(state)} has left IMS and its action "
			"can no longer be changed."
		),
	)


def _r4_bill_of_entry(state: RecordState, target: Action) -> Refusal | None:
	if target is Action.REJECTED and state.document_type == BILL_OF_ENTRY:
		return Refusal(
			rule="R4",
			message="A Bill of Entry can only be accepted or kept pending; it cannot be rejected.",
		)
	return None


def _p1_missing_in_pi(state: RecordState, target: Action) -> Refusal | None:
	if target is Action.ACCEPTED and state.match_status == MISSING_IN_PI:
		return Refusal(
			rule="P1",
			message=(
				f"{_label(state).capitalize()} is not matched to any Purchase Invoice (Missing in PI). "
				"Book or link the Purchase Invoice before accepting it."
			),
		)
	return None


def _r5_r6_pending(state: RecordState, target: Action, context: RuleContext) -> Refusal | None:
	"""R5 before the Oct-2025 period: GSTN's ispendactblocked decides. R6 from Oct-2025: an
	R5-kind record (or one GSTN flags) gets the one-tax-period window of `pending_window`."""
	if target is not Action.PENDING:
		return None
	if state.period < _OCT_2025:
		if state.pending_blocked:
			return Refusal(
				rule="R5",
				message=(
					f"GSTN does not allow {_label(state)} to be kept pending (ispendactblocked). "
					"Accept or reject it."
				),
			)
		return None
	if not (state.pending_blocked or is_pending_restricted_kind(state, context)):
		return None
	window = pending_window(state, context)
	expired = context.today > window.last_day or context.gstr3b_filed_for(window.last_period)
	if not expired:
		return None
	return Refusal(
		rule="R6",
		message=(
			f"{_label(state).capitalize()} of {state.period.label} could be kept pending for one tax period "
			f"only, until the GSTR-3B for {window.last_period.label} (last day "
			f"{window.last_day.strftime('%d-%m-%Y')}). Accept or reject it; with no action it is deemed accepted."
		),
	)


def _r7_declaration(state: RecordState, request: ActionRequest) -> Refusal | None:
	"""R7 (from the Oct-2025 period, as GSTN applies it): accepting an ITC-reducing record needs
	the "does ITC need to be reduced?" answer.

	- "Y" with no declared amounts: full reversal of the document's tax; no remarks needed.
	- "Y" with declared amounts: each head 0..the document's tax for that head, CGST = SGST;
	an unfilled head counts as 0. Declared below the full tax on any head = *partial*
	reversal, which needs remarks.
	- "N": nil reversal (ITC was never availed or already reversed); needs remarks, and declared
	amounts make no sense with it.
	"""
	answer = (request.itc_reduction_required or "").strip().upper()
	applies = (
		request.action is Action.ACCEPTED
		and reduces_itc(state)
		and not state.itc_reduction_blocked
		and state.period >= _OCT_2025
	)
	if not applies:
		if request.has_r7_fields:
			return Refusal(
				rule="R7",
				message=(
					"The ITC-reduction answer and declared amounts apply only when accepting a credit note "
					"or an amendment that lowers ITC; leave them empty for this action."
				),
			)
		return None
	if answer not in ("Y", "N"):
		return Refusal(
			rule="R7",
			message=(
				f"Accepting {_label(state)} reduces your ITC: answer whether ITC needs to be reduced "
				"(Y or N) before accepting."
			),
		)
	remarks = (request.remarks or "").strip()
	if answer == "N":
		if request.has_declared_amounts:
			return Refusal(
				rule="R7",
				message="Declared amounts are only for a reversal (answer Y); with N no ITC is reduced.",
			)
		if not remarks:
			return Refusal(
				rule="R7",
				message="Say in the remarks why no ITC is reversed (nil reversal needs remarks).",
			)
		return None
	if not request.has_declared_amounts:
		return None  # full reversal
	declared = {head: request.declared(head) or 0.0 for head in TAX_HEADS}
	for head in TAX_HEADS:
		amount, limit = declared[head], state.tax(head)
		if amount < 0 or amount > limit + _PAISA:
			return Refusal(
				rule="R7",
				message=(
					f"Declared {head.upper()} {amount:.2f} must be between 0 and the document's "
					f"{head.upper()} {limit:.2f}."
				),
			)
	if abs(declared["cgst"] - declared["sgst"]) > _PAISA:
		return Refusal(
			rule="R7",
			message=(
				f"Declared CGST ({declared['cgst']:.2f}) and SGST ({declared['sgst']:.2f}) must be equal."
			),
		)
	if is_partial_reversal(state, request) and not remarks:
		return Refusal(
			rule="R7",
			message="Say in the remarks why only part of the ITC is reversed (partial reversal needs remarks).",
		)
	return None


def is_partial_reversal(state: RecordState, request: ActionRequest) -> bool:
	"""R7: "Y" with declared amounts below the document's tax on at least one head."""
	if (request.itc_reduction_required or "").strip().upper() != "Y" or not request.has_declared_amounts:
		return False
	return any((request.declared(head) or 0.0) < state.tax(head) - _PAISA for head in TAX_HEADS)


def _record_refusal(state: RecordState, target: Action, context: RuleContext) -> Refusal | None:
	"""Rules that depend only on the record and the target action (what the UI can show)."""
	return (
		_r3_period_closed(state, context)
		or _r4_bill_of_entry(state, target)
		or _p1_missing_in_pi(state, target)
		or _r5_r6_pending(state, target, context)
	)


def check_action(state: RecordState, request: ActionRequest, context: RuleContext) -> Refusal | None:
	"""The first rule that refuses this request, or None when it may be applied.

	Order: R3 (period closed) first, because then nothing else matters; then R4, P1, R5/R6 on
	the target action; then R7 on the details of an acceptance.
	"""
	return _record_refusal(state, request.action, context) or _r7_declaration(state, request)


def allowed_actions(state: RecordState, context: RuleContext) -> dict[Action, Refusal | None]:
	"""For the UI: each action with the refusal that disables its button (None = enabled).

	Accept stays enabled for ITC-reducing records: the R7 question is asked when it is clicked.
	"""
	return {action: _record_refusal(state, action, context) for action in Action}


def warnings_for(state: RecordState, request: ActionRequest) -> list[str]:
	"""Advice that does not refuse: R10 (supplier has not filed yet)."""
	if request.action is Action.ACCEPTED and not state.supplier_filed:
		return [
			"R10: the supplier has saved but not filed this record yet and may still change it; "
			"accepting now is at your risk."
		]
	return []


def needs_gstr2b_recompute(action_date: dt.date, period: ReturnPeriod | str) -> bool:
	"""R8: GSTR-2B for `period` is drafted on the 14th of the next month from the actions known
	then. An action from the 14th on (the 14th itself included: the draft is built that day and
	recomputing costs little, while a missed recompute loses ITC) needs GSTR-2B recomputed."""
	if isinstance(action_date, dt.datetime):
		action_date = action_date.date()
	if not isinstance(period, ReturnPeriod):
		period = ReturnPeriod.parse(period)
	return action_date >= period.gstr2b_cutoff
