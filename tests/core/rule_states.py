"""Record states and requests for the action-rule tests (core.rules): a matched invoice, a credit
note, a request, and the rule a refusal names."""

import datetime as dt

from ims_compliance.core.actions import Action
from ims_compliance.core.rules import ActionRequest, RecordState, Refusal, RuleContext

TODAY = dt.date(2025, 11, 12)
CTX = RuleContext(today=TODAY)
R7_CTX = RuleContext(today=TODAY)


def state(**kw) -> RecordState:
	base = dict(section="B2B", supplier_period="102025", match_status="Exact Match", igst=180.0)
	base.update(kw)
	return RecordState(**base)


def credit_note(**kw) -> RecordState:
	base = dict(section="CN", supplier_period="102025", match_status="Exact Match", cgst=90.0, sgst=90.0)
	base.update(kw)
	return RecordState(**base)


def ask(action: Action, **kw) -> ActionRequest:
	return ActionRequest(action=action, **kw)


def rule_of(refusal: Refusal | None) -> str | None:
	return refusal.rule if refusal else None
